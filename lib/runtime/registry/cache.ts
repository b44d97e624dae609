/**
 * A short per-container cache in front of registry lookups on the call path. Concurrent lookups of
 * one service share a request; a failed refresh serves the stale entry rather than failing calls.
 * Misses are not cached, so a service registered a moment ago is found at once.
 *
 * With `serveStaleMs`, an entry that expired less than that long ago is returned at once while
 * one refresh runs in the background: a call's time budget is then never spent waiting for the
 * registry store (slow under load), at the price of seeing a change up to one refresh later.
 */
import { type Clock, systemClock } from "../circuit/clock.ts";
import type { ServiceRecord } from "./registry-model.ts";

/** How long past expiry the call path serves a registry entry while refreshing it. */
export const SERVE_STALE_MS = 30_000;
/** How long the call path reuses a circuit read (the breaker is advisory). */
export const CIRCUIT_READ_CACHE_MS = 1_000;

export interface ServiceLookup {
  getService(name: string): Promise<ServiceRecord | undefined>;
}

export interface ServiceCacheOptions {
  readonly ttlMs?: number;
  /** How long past its expiry an entry is still served while it is refreshed. @default 0 */
  readonly serveStaleMs?: number;
  readonly clock?: Clock;
}

interface Entry {
  readonly record: ServiceRecord;
  readonly expires: number;
}

export class ServiceCache implements ServiceLookup {
  readonly #source: ServiceLookup;
  readonly #ttlMs: number;
  readonly #serveStaleMs: number;
  readonly #clock: Clock;
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<ServiceRecord | undefined>>();

  constructor(source: ServiceLookup, options: ServiceCacheOptions = {}) {
    this.#source = source;
    this.#ttlMs = options.ttlMs ?? 5_000;
    this.#serveStaleMs = Math.max(0, options.serveStaleMs ?? 0);
    this.#clock = options.clock ?? systemClock;
  }

  async getService(name: string): Promise<ServiceRecord | undefined> {
    const entry = this.#entries.get(name);
    const now = this.#clock.now();
    if (entry !== undefined && entry.expires > now) return entry.record;
    let pending = this.#inFlight.get(name);
    if (pending === undefined) {
      pending = this.#refresh(name, entry);
      this.#inFlight.set(name, pending);
    }
    if (entry !== undefined && entry.expires + this.#serveStaleMs > now) {
      // The refresh's failure is already handled (it serves the stale entry or nobody waits).
      pending.catch(() => undefined);
      return entry.record;
    }
    return pending;
  }

  /** Forgets one service (or all), e.g. after the API changed it in this container. */
  invalidate(name?: string): void {
    if (name === undefined) this.#entries.clear();
    else this.#entries.delete(name);
  }

  async #refresh(name: string, stale: Entry | undefined): Promise<ServiceRecord | undefined> {
    try {
      const record = await this.#source.getService(name);
      if (record === undefined) this.#entries.delete(name);
      else this.#entries.set(name, { record, expires: this.#clock.now() + this.#ttlMs });
      return record;
    } catch (error) {
      if (stale !== undefined) return stale.record;
      throw error;
    } finally {
      this.#inFlight.delete(name);
    }
  }
}
