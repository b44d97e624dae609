/**
 * Time budgets of one service-call attempt, nested so that a retry can never start while an
 * earlier attempt of the same step may still be calling the service:
 *
 *   handler start ──(lookup, secrets, circuit)── request ──▶ abort at start + timeout
 *                                                            └─ reporting (circuit, events) ≤ REPORT_MS
 *   hard deadline = start + timeout + REPORT_MS (earlier if the Lambda has less time left)
 *   Task TimeoutSeconds = timeout + TASK_TIMEOUT_GRACE (> hard deadline + Lambda start-up)
 *   Lambda timeout ≥ timeout + LAMBDA_TIMEOUT_MARGIN (> hard deadline)
 *
 * Step Functions retries a call only after the Task failed or timed out; the Task times out only
 * after the handler's hard deadline (given a start-up under TASK_TIMEOUT_GRACE - REPORT_MS), and by
 * then the request was aborted. Pure, so the compiler, the handler and CDK share the figures.
 */

/** Seconds a call Task may run past the step timeout before Step Functions gives up on it. */
export const TASK_TIMEOUT_GRACE = 5;
/** Milliseconds the handler may spend after the request (circuit and event writes). */
export const REPORT_MS = 2_000;
/** Milliseconds kept free of the Lambda's remaining time, so the handler returns before it is killed. */
export const LAMBDA_SAFETY_MS = 250;
/** Seconds the service-call Lambda's timeout exceeds the longest step timeout. */
export const LAMBDA_TIMEOUT_MARGIN = 10;

export interface CallBudget {
  /** Epoch ms: the request is aborted here, and nothing starts a request after it. */
  readonly abortAt: number;
  /** Epoch ms: the handler returns by then, reporting or not. */
  readonly deadline: number;
}

/**
 * The budget of an attempt starting at `now` with a step timeout of `timeoutMs`. `remainingMs` is
 * the Lambda's remaining time when known: the whole budget then shrinks to fit inside it, the
 * request still aborted `REPORT_MS` before the deadline.
 */
export function callBudget(now: number, timeoutMs: number, remainingMs?: number): CallBudget {
  let deadline = now + timeoutMs + REPORT_MS;
  // A non-positive figure is not a budget but a broken context (an emulator's): ignored.
  if (remainingMs !== undefined && Number.isFinite(remainingMs) && remainingMs > 0)
    deadline = Math.min(deadline, now + Math.max(0, remainingMs - LAMBDA_SAFETY_MS));
  const abortAt = Math.max(now, Math.min(now + timeoutMs, deadline - REPORT_MS));
  return { abortAt, deadline };
}
