/** `POST /events` puts caller events on the orchestration bus, so triggers fire. */
import { parseCallerEvents } from "../../bus-input.ts";
import type { ApiDeps } from "../deps.ts";
import { json, readJson } from "../http.ts";
import { type Route, route } from "../router.ts";

export const eventRoutes: readonly Route<ApiDeps>[] = [
  route("POST", "/events", async ({ deps, request }) => {
    const entries = parseCallerEvents(readJson(request, undefined));
    const ids = await deps.bus.put(entries);
    return json(202, { entries: ids.map((eventId) => ({ eventId })) });
  }),
];
