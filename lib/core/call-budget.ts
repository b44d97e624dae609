/**
 * Time budgets of one service-call attempt, nested so that a retry can never start while an
 * earlier attempt of the same step may still be calling the service:
 *
 *   handler start ──(lookup, secrets, circuit)── request sent ──▶ abort at sent + timeout
 *                   ≤ PREPARE_MS on top of it                   └─ reporting (circuit, events) ≤ REPORT_MS
 *   latest abort = start + PREPARE_MS + timeout; nothing is sent after it
 *   hard deadline = latest abort + REPORT_MS (earlier if the Lambda has less time left)
 *   Task TimeoutSeconds = timeout + TASK_TIMEOUT_GRACE (> hard deadline + Lambda start-up)
 *   Lambda timeout ≥ timeout + LAMBDA_TIMEOUT_MARGIN (> hard deadline)
 *
 * Step Functions retries a call only after the Task failed or timed out; the Task times out only
 * after the handler's hard deadline (given a start-up under TASK_TIMEOUT_GRACE - PREPARE_MS -
 * REPORT_MS), and by then the request was aborted. The step timeout is the service's time: the
 * bookkeeping before the request (registry, secrets, circuit; cached, so normally instant) has
 * PREPARE_MS of its own, and only what it takes beyond that comes out of the call's time. Pure, so
 * the compiler, the handler and CDK share the figures.
 */

/** Seconds a call Task may run past the step timeout before Step Functions gives up on it. */
export const TASK_TIMEOUT_GRACE = 5;
/** Milliseconds the handler may spend after the request (circuit and event writes). */
export const REPORT_MS = 2_000;
/** Milliseconds the work before the request may take without shortening the request's time. */
export const PREPARE_MS = 1_000;
/** Milliseconds kept free of the Lambda's remaining time, so the handler returns before it is killed. */
export const LAMBDA_SAFETY_MS = 250;
/** Seconds the service-call Lambda's timeout exceeds the longest step timeout. */
export const LAMBDA_TIMEOUT_MARGIN = 10;

export interface CallBudget {
  /** Epoch ms: the request is aborted by then at the latest, and nothing starts a request after it. */
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
  let deadline = now + PREPARE_MS + timeoutMs + REPORT_MS;
  // A non-positive figure is not a budget but a broken context (an emulator's): ignored.
  if (remainingMs !== undefined && Number.isFinite(remainingMs) && remainingMs > 0)
    deadline = Math.min(deadline, now + Math.max(0, remainingMs - LAMBDA_SAFETY_MS));
  const abortAt = Math.max(now, deadline - REPORT_MS);
  return { abortAt, deadline };
}

/** When a request sent at `sentAt` is aborted: the step timeout after sending, within the budget. */
export const requestAbortAt = (budget: CallBudget, sentAt: number, timeoutMs: number): number =>
  Math.min(sentAt + timeoutMs, budget.abortAt);
