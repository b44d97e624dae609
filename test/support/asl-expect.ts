/** Expected-ASL builders for compiler tests: explicit states, composed from small pieces. */
import { LAMBDA_TRANSIENT_RETRIER } from "../../lib/core/compiler/retry-and-catch.ts";

export const DEFAULT_RETRIER = {
  ErrorEquals: ["Baton.ServiceError", "Baton.Timeout", "Baton.NoHealthyInstance", "States.Timeout"],
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

export const failureRecord = (stepId: string, next: string) => ({
  Type: "Pass",
  Parameters: { "name.$": "$.caught.Error", "message.$": "$.caught.Cause", step: stepId },
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

/** A default call Task for step `id` (POST /id, default retry) going to `next` or ending. */
export const callTask = (id: string, next: string | null, extra: Record<string, unknown> = {}) => ({
  Type: "Task",
  Resource: "${BatonServiceCall}",
  Parameters: callParams(id),
  ResultPath: `$.steps.${id}`,
  TimeoutSeconds: 35,
  Retry: [DEFAULT_RETRIER, CIRCUIT_OPEN_RETRIER, LAMBDA_TRANSIENT_RETRIER],
  Catch: catchTo(`${id}#failed`),
  ...(next === null ? { End: true } : { Next: next }),
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
