/**
 * The bus target keeping execution records in `baton dev`: the records handler's own batch path
 * (`applyBatch`), fed the way the SQS queue feeds it in AWS. Events are held per execution for a
 * short batching window (like the queue's batching window) and recorded together: one log append
 * per batch, and the head read and written only for a status change or compensation phase. A
 * run's start is recorded within 50 ms (`Execution Started` announced without the window's delay;
 * under load, with more than `BUSY_EXECUTIONS` executions waiting, within the window) and its end
 * at once, so a finished execution's record is complete as soon as its events are. One batch per execution at a time: dynalite serializes requests anyway, and a
 * second concurrent batch would only race the first for the head.
 * Every delivery resolves once its event is stored, or rejects so the bus retries it and finally
 * dead-letters it.
 */
import { STEP_FUNCTIONS_SOURCE } from "../core/wire.ts";
import { applyBatch, type UpdaterDeps } from "../runtime/records/updater.ts";
import type { BusEvent } from "./event-bus.ts";

interface Pending {
  readonly event: BusEvent;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export interface RecordsTargetOptions {
  /** How long the first event of a batch waits for more of its execution. @default 1000 (the records queue's window in AWS) */
  readonly batchWindowMs?: number;
  /** Events per batch at most. @default 100 */
  readonly maxBatch?: number;
}

export class RecordsTarget {
  readonly #deps: () => UpdaterDeps;
  readonly #windowMs: number;
  readonly #maxBatch: number;
  readonly #queues = new Map<string, Pending[]>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #flushing = new Set<string>();

  /** `deps` is read per flush, so the publisher can be attached after construction. */
  constructor(deps: () => UpdaterDeps, options: RecordsTargetOptions = {}) {
    this.#deps = deps;
    this.#windowMs = options.batchWindowMs ?? 1000;
    this.#maxBatch = options.maxBatch ?? 100;
  }

  deliver(event: BusEvent): Promise<void> {
    const key = executionKey(event);
    return new Promise<void>((resolve, reject) => {
      const queue = this.#queues.get(key) ?? [];
      queue.push({ event, resolve, reject });
      this.#queues.set(key, queue);
      if (this.#flushing.has(key)) return; // the running batch picks it up when it is done
      if (isRunEnd(event) || queue.length >= this.#maxBatch) this.#flushNow(key);
      else if (isStatusChange(event))
        this.#flushWithin(
          key,
          this.#queues.size > BUSY_EXECUTIONS ? this.#windowMs : START_DELAY_MS,
        );
      else if (!this.#timers.has(key))
        this.#timers.set(
          key,
          setTimeout(() => this.#flushNow(key), this.#windowMs),
        );
    });
  }

  /** Flushes within `ms` (sooner than the window, never later than an earlier timer). */
  #flushWithin(key: string, ms: number): void {
    const timer = this.#timers.get(key);
    if (timer !== undefined) clearTimeout(timer);
    this.#timers.set(
      key,
      setTimeout(() => this.#flushNow(key), Math.min(ms, this.#windowMs)),
    );
  }

  #flushNow(key: string): void {
    const timer = this.#timers.get(key);
    if (timer !== undefined) clearTimeout(timer);
    this.#timers.delete(key);
    if (!this.#flushing.has(key)) void this.#drain(key);
  }

  async #drain(key: string): Promise<void> {
    this.#flushing.add(key);
    try {
      for (;;) {
        const queue = this.#queues.get(key) ?? [];
        const batch = queue.splice(0, this.#maxBatch);
        if (queue.length === 0) this.#queues.delete(key);
        if (batch.length === 0) return;
        await this.#record(batch);
        // What arrived meanwhile gets its own window, unless it ends the run or fills a batch.
        const next = this.#queues.get(key) ?? [];
        if (next.length === 0) return;
        if (!next.some((p) => isStatusChange(p.event)) && next.length < this.#maxBatch) {
          this.#timers.set(
            key,
            setTimeout(() => this.#flushNow(key), this.#windowMs),
          );
          return;
        }
      }
    } finally {
      this.#flushing.delete(key);
    }
  }

  async #record(batch: readonly Pending[]): Promise<void> {
    try {
      const results = await applyBatch(
        batch.map((p) => p.event),
        this.#deps(),
      );
      for (const [i, pending] of batch.entries()) {
        const result = results[i];
        if (result?.outcome === "failed") pending.reject(result.error);
        else pending.resolve();
      }
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }
}

/**
 * How long a run's start waits: `Execution Started` is announced without waiting for the window,
 * and an API start has written the head by then (its status change is emitted while the API's
 * request is still finishing; recording it first would make the API's write a lost race).
 */
const START_DELAY_MS = 50;

/**
 * Executions with events waiting above which a start waits the whole window like any event: under
 * load a short run is then recorded in one batch (one read and one append instead of two each),
 * and `Execution Started` comes with it, up to the window later.
 */
const BUSY_EXECUTIONS = 20;

/** A Step Functions status change: a run's start or end. */
function isStatusChange(event: BusEvent): boolean {
  return event.source === STEP_FUNCTIONS_SOURCE;
}

/** A run's end: little of the execution follows it, so it is recorded at once. */
function isRunEnd(event: BusEvent): boolean {
  const status = (event.detail as { readonly status?: unknown } | undefined)?.status;
  return isStatusChange(event) && status !== "RUNNING";
}

/** The execution an event is about (its last ARN segment), or the event id for anything else. */
function executionKey(event: BusEvent): string {
  const detail = (event.detail ?? {}) as Record<string, unknown>;
  const raw = detail.executionId ?? detail.executionArn ?? detail.name;
  if (typeof raw !== "string" || raw === "") return event.id;
  return raw.slice(raw.lastIndexOf(":") + 1);
}
