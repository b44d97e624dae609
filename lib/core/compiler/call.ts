/** The service-call Task payload shared by call steps and their compensations. */
import type { Payload } from "../asl.ts";
import type { CallSpec } from "../model.ts";
import type { Scope } from "./scope.ts";
import { type CompileEnv, entry, payload } from "./templates.ts";

export { TASK_TIMEOUT_GRACE } from "../call-budget.ts";

export function callParameters(
  env: CompileEnv,
  scope: Scope,
  stepId: string,
  mode: "call" | "compensate",
  call: CallSpec,
  timeout: number,
  idempotent = false,
): Payload {
  const [pathKey, pathValue] = entry(env, scope, "path", call.path);
  return {
    workflow: env.workflow.name,
    version: env.workflow.version,
    "executionId.$": "$.context.executionId",
    stepId,
    ...(scope.inMap ? { "itemPath.$": "$.itemPath" } : {}),
    mode,
    "attempt.$": "States.MathAdd($$.State.RetryCount, 1)",
    "redriveCount.$": "$.context.redriveCount",
    timeout,
    ...(idempotent ? { idempotent: true } : {}),
    service: call.service,
    method: call.method,
    [pathKey]: pathValue,
    ...(call.query ? { query: payload(env, scope, call.query) } : {}),
    ...(call.headers ? { headers: payload(env, scope, call.headers) } : {}),
    ...(call.body === undefined ? {} : Object.fromEntries([entry(env, scope, "body", call.body)])),
  };
}
