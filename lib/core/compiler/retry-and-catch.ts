/** Retry policies and failure routing rendered as ASL `Retry`/`Catch`. */
import type { Catcher, Retrier } from "../asl.ts";
import { BatonError, expandErrorNames } from "../errors.ts";
import type { RetryPolicy } from "../model.ts";

/** Transient Lambda service faults: retried on every Lambda-backed task, whatever the policy. */
export const LAMBDA_TRANSIENT_RETRIER: Retrier = {
  ErrorEquals: [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
  ],
  IntervalSeconds: 1,
  MaxAttempts: 3,
  BackoffRate: 2,
  JitterStrategy: "FULL",
};

/**
 * One retrier for a policy. `maxAttempts` counts every try (ASL counts retries only); a policy
 * retrying `Baton.Timeout` also retries the state-level `States.Timeout` backstop.
 */
export function retrier(policy: RetryPolicy | null): Retrier | undefined {
  if (!policy || policy.maxAttempts <= 1) return undefined;
  const names = expandErrorNames(policy.on);
  if (names.includes(BatonError.Timeout)) names.push("States.Timeout");
  return {
    ErrorEquals: names,
    IntervalSeconds: policy.interval,
    MaxAttempts: policy.maxAttempts - 1,
    BackoffRate: policy.backoff,
    ...(policy.maxDelay === undefined ? {} : { MaxDelaySeconds: policy.maxDelay }),
    JitterStrategy: policy.jitter === "full" ? "FULL" : "NONE",
  };
}

/** `Retry` for a service-call task: the policy's retrier, then transient Lambda faults. */
export function callRetries(policy: RetryPolicy | null): Retrier[] {
  const own = retrier(policy);
  return own ? [own, LAMBDA_TRANSIENT_RETRIER] : [LAMBDA_TRANSIENT_RETRIER];
}

/** Where a caught error lands in the state, for the failure-recording state to read. */
export const CAUGHT_PATH = "$.caught";

export const catchAll = (next: string): Catcher => ({
  ErrorEquals: ["States.ALL"],
  ResultPath: CAUGHT_PATH,
  Next: next,
});
