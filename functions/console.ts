/** Lambda entry of the web console's files (`GET /`, `GET /console/{asset}`); see `lib/runtime/api/console-app.ts`. */
import { handleConsoleEvent } from "../lib/runtime/api/console-app.ts";

export const handler = (event: unknown) => handleConsoleEvent(event);
