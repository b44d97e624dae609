/**
 * `$.failure` as the compiler records it: `{name, message, step, Error, Cause}`. `Error` is the
 * name and `Cause` the JSON text `{Error, Cause, step}` (the error as Step Functions names it, and
 * the step): what the final `Fail` state reports (`ErrorPath`/`CausePath` read them as they are),
 * built where the failure is recorded, so no state on the way to the `Fail` has to describe it.
 * A caught `{Error, Cause}` has the same two fields (lib/core/recorded-failure.ts). Events and
 * templates read only `name`, `message` and `step`.
 */
import type { Payload } from "../asl.ts";
import { CAUGHT_PATH } from "./retry-and-catch.ts";

/**
 * The failure of a caught error (`$.caught`), named `name` when given (else the error's name). Its
 * `cause` is `{Error, Cause, step}` as JSON: the caught error with the step merged in, written by
 * `States.JsonToString` last, so nothing unescapes it afterwards (aws-local-stepfunctions'
 * `States.Format` unescapes the values it inserts); the records read the message out of `Cause`
 * (observe.ts, `parseCause`).
 */
export function caughtFailure(stepId: string, name?: string): Payload {
  // `{` and `}` are escaped in a States.Format template.
  const step = `States.StringToJson(States.Format('\\{"step":${JSON.stringify(stepId)}\\}'))`;
  return {
    ...(name === undefined
      ? { "name.$": `${CAUGHT_PATH}.Error`, "Error.$": `${CAUGHT_PATH}.Error` }
      : { name, Error: name }),
    "message.$": `${CAUGHT_PATH}.Cause`,
    step: stepId,
    "Cause.$": `States.JsonToString(States.JsonMerge(${CAUGHT_PATH}, ${step}, false))`,
  };
}

/**
 * A failure known when compiling (a `fail` step, a template that reads nothing). Its `cause` has
 * the shape of a caught one's, `{Error, Cause, step}`, so every compiled failure reports the same.
 */
export function staticFailure(name: string, message: string, stepId: string) {
  const cause = JSON.stringify({ Error: name, Cause: message, step: stepId });
  return { name, message, step: stepId, Error: name, Cause: cause };
}

/** The `error` of Baton's saga and execution events: the failure without its `Cause` text. */
export const FAILURE_DETAIL: Payload = {
  "name.$": "$.failure.name",
  "message.$": "$.failure.message",
  "step.$": "$.failure.step",
};

/**
 * The `error` of an event a caught `{Error, Cause}` may reach unrecorded (the end of a chain whose
 * only undo failed): the two fields both shapes have. The records read the message and step out
 * of the cause text (`parseCause`).
 */
export const CAUGHT_FAILURE_DETAIL: Payload = {
  "name.$": "$.failure.Error",
  "message.$": "$.failure.Cause",
};
