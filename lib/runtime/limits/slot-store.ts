/**
 * The `SlotStore` port of workflow concurrency limits: one semaphore per workflow and key value
 * (its holders are the executions running under the limit) and one queue of the starts waiting
 * for a slot, in arrival order. DynamoDB: `aws/dynamo-slot-store.ts` (conditional writes only, no
 * transactions, so dynalite runs it too); memory: `memory-slot-store.ts`.
 */
import type { Json } from "../../core/model.ts";

/** `acquired`: this call took the slot; `held`: the holder had it already; `full`: no slot. */
export type AcquireResult = "acquired" | "held" | "full";

export interface SemaphoreHolders {
  /** Execution id → epoch ms its slot was taken. */
  readonly holders: Readonly<Record<string, number>>;
  /** Epoch ms of the last reap (0: never). */
  readonly reapedAt: number;
}

/** A start waiting for a slot. */
export interface QueuedStart {
  readonly semaphore: string;
  /** Orders the queue: `<queuedAt ISO>#<executionId>`. */
  readonly position: string;
  readonly executionId: string;
  readonly workflow: string;
  readonly version: number;
  readonly input: Json;
  readonly queuedAt: string;
  /** A drainer is starting it: a cancel can no longer remove it. */
  readonly claimed: boolean;
}

export interface SlotStore {
  /** Takes a slot of `semaphore` for `holder` when fewer than `limit` are held. Idempotent. */
  acquire(semaphore: string, holder: string, limit: number, now: number): Promise<AcquireResult>;
  /** Gives `holder`'s slot back; false when it held none (a duplicate release). Idempotent. */
  release(semaphore: string, holder: string): Promise<boolean>;
  holders(semaphore: string): Promise<SemaphoreHolders>;
  /** Records a reap at `now` unless another one happened after `notBefore`; true when this one may reap. */
  markReaped(semaphore: string, now: number, notBefore: number): Promise<boolean>;
  enqueue(start: QueuedStart): Promise<void>;
  /** The oldest queued starts, at most `max`. */
  head(semaphore: string, max: number): Promise<readonly QueuedStart[]>;
  /** The queued start of an execution (by its id), if it is still queued. */
  queuedOf(executionId: string): Promise<QueuedStart | undefined>;
  /** Marks a queued start as being started; false when it is gone (cancelled). */
  claim(start: QueuedStart): Promise<boolean>;
  /**
   * Removes a queued start; with `unclaimedOnly` (a cancel) only while no drainer claimed it.
   * False when nothing was removed.
   */
  remove(start: QueuedStart, options: { readonly unclaimedOnly: boolean }): Promise<boolean>;
}

/** The queue position of a start: arrival time, then id (ISO times sort as text). */
export const queuePosition = (queuedAt: string, executionId: string): string =>
  `${queuedAt}#${executionId}`;
