/**
 * A `PauseStore` in front of another, for a process that is the only writer of the flags
 * (`baton dev`: its API pauses and resumes through the same instance its service calls read).
 * Each execution's flag is read from the store once, at its first call (not at all for an
 * execution this process creates: `neverPaused`); later calls answer from memory, and every change made through this instance (`set`, `bounce`) updates it at once, so a
 * pause is seen by the very next call attempt, as with a read per call. Without that, an execution
 * of 5 calls paid 5 reads that all answered "never paused".
 *
 * Not for AWS: there the API and the service-call Lambdas are different processes, and a flag
 * changed elsewhere would never be seen here. Entries are kept for the most recent `maxEntries`
 * executions (an evicted one is read again).
 */
import type { PauseState, PauseStore } from "./pause-store.ts";

/** Executions whose flags are kept at most (oldest dropped first). */
const DEFAULT_MAX_ENTRIES = 10_000;

export class SoleWriterPauseStore implements PauseStore {
  readonly #store: PauseStore;
  readonly #maxEntries: number;
  /** `null`: read, never paused. */
  readonly #known = new Map<string, PauseState | null>();
  /** Reads under way: concurrent first calls of one execution share one request. */
  readonly #reading = new Map<string, Promise<PauseState | undefined>>();

  constructor(store: PauseStore, options: { readonly maxEntries?: number } = {}) {
    this.#store = store;
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  async get(executionId: string): Promise<PauseState | undefined> {
    const known = this.#known.get(executionId);
    if (known !== undefined) return known ?? undefined;
    const pending = this.#reading.get(executionId);
    if (pending !== undefined) return pending;
    const read = this.#store.get(executionId).then((state) => {
      // A change made while the read was under way is newer than what the read saw.
      if (this.#reading.get(executionId) === shared) this.#remember(executionId, state ?? null);
      return state;
    });
    const shared = read.finally(() => {
      if (this.#reading.get(executionId) === shared) this.#reading.delete(executionId);
    });
    this.#reading.set(executionId, shared);
    return shared;
  }

  /**
   * `executionId` is new (this process just created it): it has no flag, and any it gets is set
   * through this instance, so its calls read nothing.
   */
  neverPaused(executionId: string): void {
    if (!this.#known.has(executionId) && !this.#reading.has(executionId))
      this.#remember(executionId, null);
  }

  async set(executionId: string, paused: boolean): Promise<PauseState> {
    this.#forget(executionId);
    const state = await this.#store.set(executionId, paused);
    this.#forget(executionId);
    this.#remember(executionId, state);
    return state;
  }

  async bounce(executionId: string, stepKey: string): Promise<void> {
    // The store counts it atomically; the next get reads the count back.
    this.#forget(executionId);
    try {
      await this.#store.bounce(executionId, stepKey);
    } finally {
      this.#forget(executionId);
    }
  }

  #forget(executionId: string): void {
    this.#known.delete(executionId);
    this.#reading.delete(executionId);
  }

  #remember(executionId: string, state: PauseState | null): void {
    this.#known.delete(executionId);
    this.#known.set(executionId, state);
    if (this.#known.size > this.#maxEntries) {
      const oldest = this.#known.keys().next().value;
      if (oldest !== undefined) this.#known.delete(oldest);
    }
  }
}
