/**
 * The bus target keeping `baton dev`'s bus history (what the events rule, queue and history
 * function do in AWS): events are gathered for a short window and stored together (one
 * BatchWriteItem per 25 in dynalite, not one PutItem each). A delivery resolves once its event is
 * stored, or rejects so the bus retries it and finally dead-letters it.
 */
import {
  type EventHistoryStore,
  type HistoryEvent,
  toHistoryEvent,
} from "../runtime/history/bus-history.ts";
import type { BusEvent } from "./event-bus.ts";

interface Pending {
  readonly event: HistoryEvent;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export interface HistoryTargetOptions {
  /** How long the first event of a batch waits for more. @default 50 */
  readonly windowMs?: number;
}

export class HistoryTarget {
  readonly #store: EventHistoryStore;
  readonly #windowMs: number;
  #pending: Pending[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(store: EventHistoryStore, options: HistoryTargetOptions = {}) {
    this.#store = store;
    this.#windowMs = options.windowMs ?? 50;
  }

  deliver(event: BusEvent): Promise<void> {
    const parsed = toHistoryEvent(event);
    // Not an event the history keeps (a replay): taken, nothing to store.
    if (typeof parsed === "string") return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ event: parsed, resolve, reject });
      this.#timer ??= setTimeout(() => void this.flush(), this.#windowMs);
    });
  }

  /** Stores what is gathered now; resolves when every event delivered so far is stored. */
  flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = [];
    // One write at a time, in order: dynalite serialises requests anyway.
    this.#writing = this.#writing.then(() => this.#write(batch));
    return this.#writing;
  }

  async #write(batch: readonly Pending[]): Promise<void> {
    if (batch.length === 0) return;
    try {
      await this.#store.append(batch.map((p) => p.event));
      for (const p of batch) p.resolve();
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }
}
