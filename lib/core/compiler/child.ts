/**
 * The child-input Task of a `workflow` step. Every start is checked against the started workflow's
 * input schema (API, triggers, schedules); a child started by `startExecution.sync:2` straight from
 * the parent's state would not be. So the step first invokes the start-execution Lambda, which
 * resolves the input's templates (as the service-call handler does: an absent read is the catchable
 * `Baton.TemplateError`, never `States.Runtime`), validates the result with the same validator as
 * the API and returns it, schema defaults applied. One invocation does both, so the step needs no
 * Choice guard for absent reads and no Choice/Pass pair per `??`.
 */
import type { Payload } from "../asl.ts";
import type { WorkflowStep } from "../model.ts";
import { collectRefs, isTemplated } from "../template.ts";
import { templateData } from "./call.ts";
import type { Scope } from "./scope.ts";
import type { CompileEnv } from "./templates.ts";

/** Where the child-input Task leaves the child's start (`ChildStart`: its name and state). */
export const CHILD_INPUT_PATH = "$.childInput";
/** The child's execution name and the state it starts with, inside the child-input result. */
export const CHILD_NAME_PATH = `${CHILD_INPUT_PATH}.name`;
export const CHILD_STATE_PATH = `${CHILD_INPUT_PATH}.state`;

/** Parameters of the child-input Task (a `ChildInputRequest` once resolved). */
export function childInputParameters(env: CompileEnv, scope: Scope, step: WorkflowStep): Payload {
  const data = isTemplated(step.input) ? templateData(scope, collectRefs(step.input)) : undefined;
  return {
    check: "child-input",
    workflow: env.workflow.name,
    version: env.workflow.version,
    "executionId.$": "$.context.executionId",
    stepId: step.id,
    ...(scope.inMap ? { "itemPath.$": "$.itemPath" } : {}),
    child: step.name,
    input: step.input,
    ...(data === undefined ? {} : { data }),
  };
}
