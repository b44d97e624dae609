/**
 * What a caller knows of every caller's in-flight calls, for least-outstanding balancing on
 * Lambda, where each container runs one call at a time and its own counts are always zero.
 *
 * - Reading: one Query of the service's counters, reused for `stalenessMs` (bounded staleness:
 *   a container sees the others' calls at most that late), plus this container's own picks and
 *   ends since that read, so its consecutive calls never pile onto one instance.
 * - A read that takes longer than `readBudgetMs` or fails is not waited for: the pick uses this
 *   container's own counts (the balancer's), as before shared counters existed.
 * - Writing: one UpdateItem when the request is sent and one when it ends. Neither delays the
 *   request; the end is awaited at most `writeBudgetMs`, so a slow store never holds up a step.
 */
import type { Clock } from "../circuit/clock.ts";
import { IN_FLIGHT_HORIZON_MS, type InstanceLoadStore, inFlightOf, slotOf } from "./load-store.ts";

export interface SharedLoadOptions {
  readonly store: InstanceLoadStore;
  readonly clock: Clock;
  /** How long a read of the counters is reused. @default 1000 */
  readonly stalenessMs?: number;
  /** How long a pick waits for a read before using local counts. @default 150 */
  readonly readBudgetMs?: number;
  /** How long a call's end waits for its counter write. @default 200 */
  readonly writeBudgetMs?: number;
  /** Told when a counter read or write fails (it never fails a call). */
  readonly onError?: (what: string, error: unknown) => void;
}

/** A call counted as sent; `end` takes it out again (idempotent). */
export interface LoadTicket {
  end(failed: boolean): Promise<void>;
}

interface ServiceView {
  readonly counts: ReadonlyMap<string, number>;
  readonly readAt: number;
  /** This container's picks minus ends since the read was asked for. */
  readonly since: Map<string, number>;
}

export class SharedLoad {
  readonly #store: InstanceLoadStore;
  readonly #clock: Clock;
  readonly #stalenessMs: number;
  readonly #readBudgetMs: number;
  readonly #writeBudgetMs: number;
  readonly #onError: (what: string, error: unknown) => void;
  readonly #views = new Map<string, ServiceView>();
  readonly #reads = new Map<string, Promise<ServiceView | undefined>>();
  /** The `since` of reads under way: picks and ends made meanwhile count there too. */
  readonly #pending = new Map<string, Map<string, number>>();

  constructor(options: SharedLoadOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#stalenessMs = options.stalenessMs ?? 1000;
    this.#readBudgetMs = options.readBudgetMs ?? 150;
    this.#writeBudgetMs = options.writeBudgetMs ?? 200;
    this.#onError = options.onError ?? (() => {});
  }

  /**
   * Every caller's calls in flight per instance of `service`, as of at most `stalenessMs` ago;
   * undefined when the counters could not be read within the read budget (use local counts).
   */
  async inFlight(service: string): Promise<((instanceId: string) => number) | undefined> {
    const view = await this.#view(service);
    if (view === undefined) return undefined;
    return (id) => Math.max(0, (view.counts.get(id) ?? 0) + (view.since.get(id) ?? 0));
  }

  /** Counts a call as sent to `instanceId`; the write is not waited for. */
  sent(service: string, instanceId: string): LoadTicket {
    const slot = slotOf(this.#clock.now());
    this.#adjust(service, instanceId, 1);
    const started = this.#store.started(service, instanceId, slot).catch((error: unknown) => {
      this.#onError("load counter write", error);
    });
    let ended: Promise<void> | undefined;
    return {
      end: (failed) => {
        if (ended !== undefined) return ended;
        this.#adjust(service, instanceId, -1);
        // After the start's write, so the two never race on an item that does not exist yet.
        const write = started
          .then(() => this.#store.finished(service, instanceId, slot, failed))
          .catch((error: unknown) => this.#onError("load counter write", error));
        ended = within(write, this.#writeBudgetMs);
        return ended;
      },
    };
  }

  #adjust(service: string, instanceId: string, by: number): void {
    for (const since of [this.#views.get(service)?.since, this.#pending.get(service)]) {
      if (since !== undefined) since.set(instanceId, (since.get(instanceId) ?? 0) + by);
    }
  }

  async #view(service: string): Promise<ServiceView | undefined> {
    const now = this.#clock.now();
    const current = this.#views.get(service);
    if (current !== undefined && now - current.readAt < this.#stalenessMs) return current;
    let read = this.#reads.get(service);
    if (read === undefined) {
      read = this.#read(service, now);
      this.#reads.set(service, read);
      void read.finally(() => this.#reads.delete(service));
    }
    const fresh = await within(read, this.#readBudgetMs);
    // A late read still lands for the next call; this one goes on with what there is.
    return fresh ?? this.#views.get(service);
  }

  async #read(service: string, now: number): Promise<ServiceView | undefined> {
    // Picks and ends from here on may be missing from the answer: they are counted in `since`.
    const since = new Map<string, number>();
    this.#pending.set(service, since);
    try {
      const counters = await this.#store.read(service, slotOf(now - IN_FLIGHT_HORIZON_MS));
      const view = { counts: inFlightOf(counters, now), readAt: now, since };
      this.#views.set(service, view);
      return view;
    } catch (error) {
      this.#onError("load counter read", error);
      return undefined;
    } finally {
      this.#pending.delete(service);
    }
  }
}

/** The promise's value if it settles within `ms`, else undefined (it is left running). */
function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
