/** Signal waiters of `await` steps: the `SignalStore` port (DynamoDB: `aws/dynamo-signal-store.ts`). */
import type { Json } from "../../core/model.ts";

export type SignalState = "WAITING" | "PENDING" | "DELIVERING" | "DELIVERED" | "EXPIRED";

export interface Waiter {
  readonly taskToken: string;
  readonly stepId: string;
  /** Seconds the await step waits at most; bounds how long the waiter is kept. */
  readonly timeoutSeconds: number;
}

export type RegisterResult =
  | { readonly kind: "waiting" }
  /**
   * The signal came first and is now claimed (`DELIVERING`): the caller completes the task with
   * `payload`, then `markDelivered`, or `restorePending` if that failed.
   */
  | { readonly kind: "early"; readonly payload: Json };

export type DeliverResult =
  /** Claimed (`DELIVERING`): the caller resumes the task, then `markDelivered` or `release`. */
  | { readonly kind: "waiter"; readonly taskToken: string; readonly stepId: string }
  /** Kept as `PENDING` for a waiter that has not registered yet. */
  | { readonly kind: "stored" }
  | { readonly kind: "not-waiting" }
  | { readonly kind: "already-delivered" };

export interface SignalStore {
  registerWaiter(executionId: string, signal: string, waiter: Waiter): Promise<RegisterResult>;
  /** `acceptEarly`: keep the signal when no step waits yet (the execution will reach the await). */
  deliver(
    executionId: string,
    signal: string,
    payload: Json,
    options: { acceptEarly: boolean },
  ): Promise<DeliverResult>;
  markDelivered(executionId: string, signal: string, taskToken: string): Promise<void>;
  /** Marks a claimed delivery whose task no longer exists. */
  markExpired(executionId: string, signal: string, taskToken: string): Promise<void>;
  /** Gives a claimed waiter back (resuming failed for a transient reason). */
  release(executionId: string, signal: string, taskToken: string): Promise<void>;
  /** Gives a claimed early signal back so the next try of the await step finds it again. */
  restorePending(executionId: string, signal: string, taskToken: string): Promise<void>;
  /** Waiters currently parked for an execution (for cancellation). */
  waiting(executionId: string): Promise<{ signal: string; taskToken: string; stepId: string }[]>;
}
