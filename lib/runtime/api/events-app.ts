/** The router of the bus Lambda (`functions/events.ts`): `POST /events`, `GET /events`, `POST /events/replay`. */
import type { EventsApiDeps } from "./deps.ts";
import { Router } from "./router.ts";
import { eventRoutes } from "./routes/events.ts";

export const eventsRouter = new Router<EventsApiDeps>(eventRoutes);
