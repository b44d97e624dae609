/**
 * `POST /executions/{id}/pause` and `/resume` (SERVICE.md v2); the use cases are in
 * `pause/pause-execution.ts`. A pause or resume that changed the execution is in its workflow's
 * audit list; a repeated one (already paused, already running) changed nothing and is not.
 */
import { pauseExecution, resumeExecution } from "../../pause/pause-execution.ts";
import type { ApiDeps } from "../deps.ts";
import { json } from "../http.ts";
import { type Route, route } from "../router.ts";
import { requireExecution } from "./executions.ts";
import { audit } from "./workflow-management.ts";

export const pauseRoutes: readonly Route<ApiDeps>[] = [
  route("POST", "/executions/{id}/pause", async ({ deps, params, request }) => {
    const execution = await requireExecution(deps, params.id ?? "");
    const { document, changed } = await pauseExecution(deps, execution);
    if (changed) {
      await audit(deps, request, {
        workflow: execution.workflow,
        action: "paused",
        version: execution.version,
        executionId: execution.id,
      });
    }
    return json(changed ? 202 : 200, { execution: document });
  }),
  route("POST", "/executions/{id}/resume", async ({ deps, params, request }) => {
    const execution = await requireExecution(deps, params.id ?? "");
    const { document, changed } = await resumeExecution(deps, execution);
    if (changed) {
      await audit(deps, request, {
        workflow: execution.workflow,
        action: "resumed",
        version: execution.version,
        executionId: execution.id,
      });
    }
    return json(changed ? 202 : 200, { execution: document });
  }),
];
