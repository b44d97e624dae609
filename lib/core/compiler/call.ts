/** The service-call Task payload shared by call steps and their compensations. */
import type { Payload } from "../asl.ts";
import type { CallSpec, JsonObject } from "../model.ts";
import { collectRefs, isTemplated, type TemplateRef } from "../template.ts";
import { hasItemPath, type Scope, stepsRoot } from "./scope.ts";
import type { CompileEnv } from "./templates.ts";

export { TASK_TIMEOUT_GRACE } from "../call-budget.ts";

/**
 * The Task payload of a call or compensation. Templated fields are sent as written, with `data`:
 * the state's roots they read (each always present where the Task runs), and the handler resolves
 * them. A JSONPath or intrinsic in `Parameters` that reads an absent value raises `States.Runtime`,
 * which no Catch can catch; the handler raises `Baton.TemplateError`, which the step's Catch routes
 * to compensation like any failure.
 */
export function callParameters(
  env: CompileEnv,
  scope: Scope,
  stepId: string,
  mode: "call" | "compensate",
  call: CallSpec,
  timeout: number,
  options: {
    readonly idempotent?: boolean;
    readonly select?: string | undefined;
    readonly output?: JsonObject | undefined;
  } = {},
): Payload {
  const fields: JsonObject = {
    path: call.path,
    ...(call.query ? { query: call.query } : {}),
    ...(call.headers ? { headers: call.headers } : {}),
    ...(call.body === undefined ? {} : { body: call.body }),
  };
  const data = isTemplated(fields) ? templateData(scope, collectRefs(fields)) : undefined;
  return {
    workflow: env.workflow.name,
    version: env.workflow.version,
    "executionId.$": "$.context.executionId",
    stepId,
    ...(hasItemPath(scope) ? { "itemPath.$": "$.itemPath" } : {}),
    mode,
    "attempt.$": "States.MathAdd($$.State.RetryCount, 1)",
    "redriveCount.$": "$.context.redriveCount",
    timeout,
    ...(options.idempotent ? { idempotent: true } : {}),
    service: call.service,
    method: call.method,
    ...fields,
    ...(data === undefined ? {} : { data }),
    ...(options.select === undefined ? {} : { select: options.select }),
    ...(options.output === undefined ? {} : { output: options.output }),
  };
}

/** `data` for the refs a call's templates read: only the roots they use. */
export function templateData(scope: Scope, refs: readonly TemplateRef[]): Payload {
  const data: Record<string, string> = {};
  for (const ref of refs) {
    switch (ref.root) {
      case "input":
        data["input.$"] = "$.input";
        break;
      case "steps":
        if (stepsRoot(scope, String(ref.path[0])) === "$.steps") data["steps.$"] = "$.steps";
        else data["outer.$"] = "$.outer";
        break;
      case "item":
        data["item.$"] = "$.item";
        break;
      case "index":
        data["index.$"] = "$.index";
        break;
      case "iteration":
        data["iteration.$"] = "$.iteration";
        break;
      case "execution":
        if (ref.path[0] === "startedAt") data["context.$"] = "$.context";
        break;
      case "error":
        data["error.$"] = "$.failure";
        break;
      case "workflow":
        break;
    }
  }
  return Object.fromEntries(Object.entries(data).sort(([a], [b]) => a.localeCompare(b)));
}
