/** Expected-ASL builders for compiler tests: explicit states, composed from small pieces. */
import {
  LAMBDA_TRANSIENT_RETRIER,
  PAUSE_RETRIER,
} from "../../lib/core/compiler/retry-and-catch.ts";

export const DEFAULT_RETRIER = {
  ErrorEquals: [
    "Baton.ServiceError",
    "Baton.Timeout",
    "Baton.ConnectionLost",
    "Baton.NoHealthyInstance",
    "States.Timeout",
  ],
  IntervalSeconds: 1,
  MaxAttempts: 2,
  BackoffRate: 2,
  JitterStrategy: "FULL",
};

/** The default policy's retries of Baton.CircuitOpen: they wait out the 30 s default cooldown. */
export const CIRCUIT_OPEN_RETRIER = {
  ErrorEquals: ["Baton.CircuitOpen"],
  IntervalSeconds: 30,
  MaxAttempts: 2,
  BackoffRate: 2,
  JitterStrategy: "NONE",
};

export const catchTo = (next: string) => [
  { ErrorEquals: ["States.ALL"], ResultPath: "$.caught", Next: next },
];

/**
 * The Catch of a compensable call with the default policy: retried uncertain errors mark it and go
 * on to `<id>#again`; OutputInvalid (never retried) marks it and records the failure.
 */
export const compensableCatch = (id: string) => [
  {
    ErrorEquals: ["Baton.Timeout", "Baton.ConnectionLost", "States.Timeout"],
    ResultPath: "$.caught",
    Next: `${id}#maybe-applied`,
  },
  { ErrorEquals: ["Baton.OutputInvalid"], ResultPath: "$.caught", Next: `${id}#uncertain` },
  ...catchTo(`${id}#failed`),
];

const marked = (id: string) => ({
  "input.$": "$.input",
  "context.$": "$.context",
  "steps.$": `States.JsonMerge($.steps, States.StringToJson(States.Format('\\{"${id}":\\{"uncertain":true\\}\\}')), false)`,
});

/** The top-level state with `$.steps.<id>` marked `{uncertain: true}`. */
export const markedState = marked;

/** `<id>#uncertain` at the top level: marks `$.steps.<id>` and records the failure in one Pass. */
export const uncertainRecord = (id: string, next: string) => ({
  Type: "Pass",
  Comment: "The call may have taken effect: mark it for compensation and record the failure",
  Parameters: {
    ...marked(id),
    failure: caughtFailure(id),
  },
  Next: next,
});

/**
 * `$.failure` recorded from the caught error, with `cause`: the caught error with the step merged
 * in, as JSON text, what the final Fail reports.
 */
export const caughtFailure = (stepId: string, name?: string) => ({
  ...(name === undefined
    ? { "name.$": "$.caught.Error", "Error.$": "$.caught.Error" }
    : { name, Error: name }),
  "message.$": "$.caught.Cause",
  step: stepId,
  "Cause.$": `States.JsonToString(States.JsonMerge($.caught, States.StringToJson(States.Format('\\{"step":"${stepId}"\\}')), false))`,
});

/** A failure known when compiling, with its `cause` text. */
export const staticFailure = (name: string, message: string, step: string) => ({
  name,
  message,
  step,
  Error: name,
  Cause: JSON.stringify({ Error: name, Cause: message, step }),
});

/** The service-call handler's own errors: a top-level call's Catch sends them on as caught. */
export const HANDLER_ERRORS = [
  "Baton.ServiceError",
  "Baton.Timeout",
  "Baton.CircuitOpen",
  "Baton.NoHealthyInstance",
  "Baton.ClientError",
  "Baton.UnknownService",
  "Baton.ConnectionLost",
  "Baton.TemplateError",
  "Baton.OutputInvalid",
  "Baton.Cancelled",
];

/** The Catch entry of a top-level call whose own errors go on caught to `next`. */
export const caughtTo = (next: string) => ({
  ErrorEquals: HANDLER_ERRORS,
  ResultPath: "$.failure",
  Next: next,
});

/** What an undo Task gives back and writes to `$.failure`: the failure recorded. */
export const RECORDED_FAILURE_SELECTOR = {
  "name.$": "$.failure.name",
  "message.$": "$.failure.message",
  "step.$": "$.failure.step",
  "Error.$": "$.failure.Error",
  "Cause.$": "$.failure.Cause",
};

export const failureRecord = (stepId: string, next: string) => ({
  Type: "Pass",
  Parameters: caughtFailure(stepId),
  ResultPath: "$.failure",
  Next: next,
});

export const callParams = (stepId: string, extra: Record<string, unknown> = {}) => ({
  workflow: "test-flow",
  version: 1,
  "executionId.$": "$.context.executionId",
  stepId,
  mode: "call",
  "attempt.$": "States.MathAdd($$.State.RetryCount, 1)",
  "redriveCount.$": "$.context.redriveCount",
  timeout: 30,
  service: "svc",
  method: "POST",
  ...("path.$" in extra ? {} : { path: `/${stepId}` }),
  ...extra,
});

/**
 * A machine's first call Task, which is its entry (lib/core/entry-request.ts): it sends the whole
 * input as `state` (its handler reads the execution id and redrive count there), and its Catch
 * first redirects resume, compensate-only and raw-input runs.
 */
export const firstCallParams = (stepId: string, extra: Record<string, unknown> = {}) => {
  const {
    "executionId.$": _id,
    "redriveCount.$": _redrive,
    ...params
  } = callParams(stepId, extra) as Record<string, unknown>;
  return { ...params, "state.$": "$" };
};

export const entryCatch = (compensable: boolean) => [
  { ErrorEquals: ["Baton.EntryResume"], ResultPath: null, Next: "Resume" },
  ...(compensable
    ? [{ ErrorEquals: ["Baton.EntryCompensate"], ResultPath: null, Next: "Compensate only" }]
    : []),
  { ErrorEquals: ["Baton.EntryRaw"], ResultPath: null, Next: "Start" },
];

/** The entry Choice's rule for a run started with its state built (`execution-state.ts`). */
export const BUILT_STATE = {
  And: [
    { Variable: "$.context.executionId", IsPresent: true },
    { Variable: "$.steps", IsPresent: true },
  ],
};
export const ENTRY_COMMENT =
  "Run the workflow (from a built state, or from Start for a raw input), resume a failed execution, or only compensate a cancelled one";

/**
 * How a state that would go on to `Finish` ends the run itself (standard workflows without an
 * output template): it outputs `$.steps`, what `Finish` would have output.
 */
export const ENDS_RUN = { OutputPath: "$.steps", End: true } as const;
/** `next` of `callTask` for a Task that ends the run (see `ENDS_RUN`). */
export const LAST = "(ends the run)";

/** A default call Task for step `id` (POST /id, default retry) going to `next` or ending. */
export const callTask = (id: string, next: string | null, extra: Record<string, unknown> = {}) => ({
  Type: "Task",
  Resource: "${BatonServiceCall}",
  Parameters: callParams(id),
  ResultPath: `$.steps.${id}`,
  TimeoutSeconds: 35,
  Retry: [DEFAULT_RETRIER, CIRCUIT_OPEN_RETRIER, LAMBDA_TRANSIENT_RETRIER, PAUSE_RETRIER],
  Catch: catchTo(`${id}#failed`),
  ...(next === null ? { End: true } : next === LAST ? ENDS_RUN : { Next: next }),
  ...extra,
});

export const branchStop = (prefix: string, comment: string) => ({
  [`${prefix}#stopped`]: {
    Type: "Pass",
    Comment: comment,
    Parameters: { "steps.$": "$.steps", "failure.$": "$.failure" },
    End: true,
  },
});

export const CARRIED = { "input.$": "$.input", "context.$": "$.context" };
