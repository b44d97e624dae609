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
  /** Final error of an execution whose compensation did not complete. */
  CompensationFailed: "Baton.CompensationFailed",
  /** The execution was cancelled by a user. */
  Cancelled: "Baton.Cancelled",
} as const;
export type BatonErrorName = (typeof BatonError)[keyof typeof BatonError];

export const RETRYABLE_GROUP = "Baton.Retryable";

export const RETRYABLE_ERRORS: readonly string[] = [
  BatonError.ServiceError,
  BatonError.Timeout,
  BatonError.CircuitOpen,
  BatonError.NoHealthyInstance,
];

export const isRetryable = (name: string): boolean => RETRYABLE_ERRORS.includes(name);

/** Expands `Baton.Retryable` in a retry policy's `on` list into concrete error names. */
export function expandErrorNames(on: readonly string[]): string[] {
  const names = on.flatMap((name) => (name === RETRYABLE_GROUP ? RETRYABLE_ERRORS : [name]));
  return [...new Set(names)];
}
