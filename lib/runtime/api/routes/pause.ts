/** `POST /executions/{id}/pause` and `/resume` (SERVICE.md v2); the use cases are in `pause/pause-execution.ts`. */
import { pauseExecution, resumeExecution } from "../../pause/pause-execution.ts";
import type { ApiDeps } from "../deps.ts";
import { json } from "../http.ts";
import { type Route, route } from "../router.ts";
import { requireExecution } from "./executions.ts";

export const pauseRoutes: readonly Route<ApiDeps>[] = [
  route("POST", "/executions/{id}/pause", async ({ deps, params }) => {
    const execution = await requireExecution(deps, params.id ?? "");
    const { document, changed } = await pauseExecution(deps, execution);
    return json(changed ? 202 : 200, { execution: document });
  }),
  route("POST", "/executions/{id}/resume", async ({ deps, params }) => {
    const execution = await requireExecution(deps, params.id ?? "");
    const { document, changed } = await resumeExecution(deps, execution);
    return json(changed ? 202 : 200, { execution: document });
  }),
];
