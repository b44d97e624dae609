/** Retry policies and failure routing rendered as ASL `Retry`/`Catch`. */
import type { Catcher, Retrier } from "../asl.ts";
import { DEFAULT_CIRCUIT_COOLDOWN_SECONDS } from "../contract.ts";
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
 * A paused execution's call Task (docs/limits-and-pause.md): the handler fails the attempt with
 * `Baton.Paused` before sending anything (after parking up to `PAUSE_PARK_MS`), and this retrier
 * asks again until the execution is resumed. Its own counter, so it spends none of the policy's
 * attempts; last in the list, so no other retrier's errors reach it. Never taken by an execution
 * that is not paused: no transition, no state added.
 */
export const PAUSE_RETRIER: Retrier = {
  ErrorEquals: [BatonError.Paused],
  IntervalSeconds: 2,
  MaxAttempts: 99_999_999,
  BackoffRate: 2,
  MaxDelaySeconds: 30,
  JitterStrategy: "NONE",
};

/**
 * One retrier for a policy. `maxAttempts` counts every try (ASL counts retries only); a policy
 * retrying `Baton.Timeout` also retries the state-level `States.Timeout` backstop.
 */
export function retrier(policy: RetryPolicy | null): Retrier | undefined {
  if (!policy || policy.maxAttempts <= 1) return undefined;
  const names = expandErrorNames(policy.on).filter((name) => name !== BatonError.CircuitOpen);
  if (names.length === 0) return undefined;
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

/**
 * The policy's retries of `Baton.CircuitOpen`, waiting out the circuit's cooldown: a retry sooner
 * would find the circuit still open, and the policy's attempts would all be spent inside one
 * cooldown (healthy traffic then failed on a breaker that was about to close). The first wait is
 * at least the default cooldown, with no jitter (jitter could shorten it).
 */
export function circuitOpenRetrier(policy: RetryPolicy | null): Retrier | undefined {
  if (!policy || policy.maxAttempts <= 1) return undefined;
  if (!expandErrorNames(policy.on).includes(BatonError.CircuitOpen)) return undefined;
  const interval = Math.max(policy.interval, DEFAULT_CIRCUIT_COOLDOWN_SECONDS);
  return {
    ErrorEquals: [BatonError.CircuitOpen],
    IntervalSeconds: interval,
    MaxAttempts: policy.maxAttempts - 1,
    BackoffRate: policy.backoff,
    ...(policy.maxDelay === undefined
      ? {}
      : { MaxDelaySeconds: Math.max(policy.maxDelay, interval) }),
    JitterStrategy: "NONE",
  };
}

/**
 * `Retry` for a service-call task: the policy's retrier, its `Baton.CircuitOpen` retrier, then
 * transient Lambda faults.
 */
export function callRetries(policy: RetryPolicy | null): Retrier[] {
  return [retrier(policy), circuitOpenRetrier(policy), LAMBDA_TRANSIENT_RETRIER].filter(
    (r): r is Retrier => r !== undefined,
  );
}

/** Where a caught error lands in the state, for the failure-recording state to read. */
export const CAUGHT_PATH = "$.caught";

export const catchAll = (next: string): Catcher => ({
  ErrorEquals: ["States.ALL"],
  ResultPath: CAUGHT_PATH,
  Next: next,
});
