/**
 * The runtime error catalogue (WORKFLOWS.md, "Errors a step can fail with"). These names are what
 * handlers throw and what ASL `ErrorEquals` matches; `Baton.Retryable` expands to the retryable group.
 */
export const BatonError = {
  ServiceError: "Baton.ServiceError",
  Timeout: "Baton.Timeout",
  CircuitOpen: "Baton.CircuitOpen",
  NoHealthyInstance: "Baton.NoHealthyInstance",
  ClientError: "Baton.ClientError",
  UnknownService: "Baton.UnknownService",
  SignalTimeout: "Baton.SignalTimeout",
  ChildWorkflowFailed: "Baton.ChildWorkflowFailed",
  /**
   * A start's input does not match the workflow's input schema: nothing was started. A `workflow`
   * step catches it as `Baton.ChildWorkflowFailed` (not retried; compensation runs).
   */
  InvalidInput: "Baton.InvalidInput",
  /** The connection failed after the request was sent: the outcome is unknown (retryable). */
  ConnectionLost: "Baton.ConnectionLost",
  /** A template read an absent value and has no `??` default (not retryable). */
  TemplateError: "Baton.TemplateError",
  /**
   * The response lacks the step's `select` path, is over the size cap, or does not match the step's
   * `output` schema (not retryable; the call took effect).
   */
  OutputInvalid: "Baton.OutputInvalid",
  /** A loop ran `maxIterations` times and its `until` still did not hold (not retryable). */
  LoopLimit: "Baton.LoopLimit",
  /** Final error of an execution whose compensation did not complete. */
  CompensationFailed: "Baton.CompensationFailed",
  /** The execution was cancelled by a user. */
  Cancelled: "Baton.Cancelled",
  /**
   * The execution is paused: the call was not sent and its Task asks again (an internal retrier,
   * docs/limits-and-pause.md); never an execution's final error.
   */
  Paused: "Baton.Paused",
} as const;
export type BatonErrorName = (typeof BatonError)[keyof typeof BatonError];

/**
 * Names only `<id>#again` retries (not in the catalogue: never a step's final error, not usable in
 * `retry.on`). After an attempt whose outcome is unknown, that Task makes the remaining attempts
 * of the step's policy: while the policy allows another attempt, the handler fails a retried
 * error under one of these names, and the last allowed attempt fails with its own error, which no
 * retrier of that Task matches. So the step makes `retry.maxAttempts` attempts in all.
 */
export const AgainRetry = {
  /** Retried at the policy's interval and backoff. */
  Now: "Baton.RetryAgain",
  /** `Baton.CircuitOpen`, retried after the circuit's cooldown. */
  AfterCooldown: "Baton.RetryAfterCooldown",
} as const;
export type AgainRetryName = (typeof AgainRetry)[keyof typeof AgainRetry];

export const RETRYABLE_GROUP = "Baton.Retryable";

export const RETRYABLE_ERRORS: readonly string[] = [
  BatonError.ServiceError,
  BatonError.Timeout,
  BatonError.ConnectionLost,
  BatonError.CircuitOpen,
  BatonError.NoHealthyInstance,
];

/**
 * Final errors of a call after which the call may have taken effect at the service: an attempt
 * with no answer (`Baton.Timeout`, `Baton.ConnectionLost`, the Task backstop `States.Timeout`) or a
 * success whose response Baton could not use (`Baton.OutputInvalid`). A step failing with one of
 * these is compensated too (WORKFLOWS.md v2, "Uncertain outcomes"); any other failure means no
 * request took effect (refused, circuit open, no instance, unknown service, template error, an
 * answered 4xx/5xx).
 */
export const MAY_HAVE_TAKEN_EFFECT: readonly string[] = [
  BatonError.Timeout,
  BatonError.ConnectionLost,
  BatonError.OutputInvalid,
  "States.Timeout",
];

export const isRetryable = (name: string): boolean => RETRYABLE_ERRORS.includes(name);

/** Expands `Baton.Retryable` in a retry policy's `on` list into concrete error names. */
export function expandErrorNames(on: readonly string[]): string[] {
  const names = on.flatMap((name) => (name === RETRYABLE_GROUP ? RETRYABLE_ERRORS : [name]));
  // v1 reported a reset connection as Baton.ServiceError: a policy naming it keeps retrying resets.
  if (names.includes(BatonError.ServiceError)) names.push(BatonError.ConnectionLost);
  return [...new Set(names)];
}
