/**
 * Service limits (`limits: {concurrency, ratePerSecond}` in the registry, docs/limits-and-pause.md),
 * shared by every caller like the circuit: a call over a limit waits, polling, until it gets a
 * slot and a rate token or the attempt's abort time comes (then it fails with nothing sent).
 *
 * - Concurrency: `concurrency` lease slots; a call takes a free or expired one (conditional write)
 *   and gives it back after its request. The lease lasts the attempt's budget, so a crashed caller's
 *   slot frees itself.
 * - Rate: one counter per fixed window (1 s, or 1/r s below 1 call/s) incremented while under the
 *   window's capacity (atomic ADD with a condition). Bursts of up to twice the rate are possible
 *   across a window boundary.
 */
import type { ServiceLimits } from "../registry/registry-model.ts";

export interface ServiceLimitStore {
  /** Takes slot `slot` of `service` for `holder` until `leaseUntil` if it is free or expired. */
  takeSlot(
    service: string,
    slot: number,
    holder: string,
    leaseUntil: number,
    now: number,
  ): Promise<boolean>;
  /** Gives slot `slot` back if `holder` still has it. */
  releaseSlot(service: string, slot: number, holder: string): Promise<void>;
  /** Counts one call in the window starting at `windowStart` unless it holds `capacity` already. */
  takeToken(
    service: string,
    windowStart: number,
    capacity: number,
    expiresAt: number,
  ): Promise<boolean>;
}

/** A permit: give it back once the request is over. */
export interface LimitPermit {
  release(): Promise<void>;
  /** Milliseconds waited for it. */
  readonly waitedMs: number;
}

const NO_PERMIT: LimitPermit = { release: async () => {}, waitedMs: 0 };
/** Slots tried per round before waiting (a full pool costs at most this many writes per round). */
const TRIES_PER_ROUND = 3;
const FIRST_WAIT_MS = 10;
const MAX_WAIT_MS = 200;

export interface LimitWaitOptions {
  /** Epoch ms after which no request may start: waiting stops there. */
  readonly until: number;
  /** How long a slot's lease lasts (the attempt's whole budget). */
  readonly leaseMs: number;
  readonly holder: string;
  readonly now: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** Waits for the service's limits; undefined when `until` came first (nothing may be sent). */
export async function acquireLimits(
  store: ServiceLimitStore,
  service: string,
  limits: ServiceLimits | undefined,
  options: LimitWaitOptions,
): Promise<LimitPermit | undefined> {
  if (
    limits === undefined ||
    (limits.concurrency === undefined && limits.ratePerSecond === undefined)
  )
    return NO_PERMIT;
  const sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const started = options.now();
  let wait = FIRST_WAIT_MS;
  let slot: number | undefined;
  for (;;) {
    const now = options.now();
    if (slot === undefined && limits.concurrency !== undefined) {
      const first = Math.floor(random() * limits.concurrency);
      for (let n = 0; n < Math.min(TRIES_PER_ROUND, limits.concurrency); n++) {
        const candidate = (first + n) % limits.concurrency;
        if (await store.takeSlot(service, candidate, options.holder, now + options.leaseMs, now)) {
          slot = candidate;
          break;
        }
      }
    }
    const slotOk = limits.concurrency === undefined || slot !== undefined;
    let tokenOk = limits.ratePerSecond === undefined;
    if (slotOk && limits.ratePerSecond !== undefined) {
      const { windowMs, capacity } = rateWindow(limits.ratePerSecond);
      const windowStart = Math.floor(now / windowMs) * windowMs;
      tokenOk = await store.takeToken(
        service,
        windowStart,
        capacity,
        Math.ceil((windowStart + windowMs) / 1000) + 60,
      );
      if (!tokenOk) wait = Math.max(wait, windowStart + windowMs - now);
    }
    if (slotOk && tokenOk) {
      const held = slot;
      return {
        waitedMs: options.now() - started,
        release: async () => {
          if (held !== undefined) await store.releaseSlot(service, held, options.holder);
        },
      };
    }
    const pause = Math.min(wait, MAX_WAIT_MS, options.until - options.now());
    if (pause <= 0) {
      // Out of time: keep no slot taken for a request that is not sent.
      if (slot !== undefined) await store.releaseSlot(service, slot, options.holder);
      return undefined;
    }
    await sleep(pause);
    wait = Math.min(MAX_WAIT_MS, wait * 2);
  }
}

/** The fixed window of a rate: 1 s holding ⌊r⌋ calls, or 1/r s holding one call below 1 call/s. */
export function rateWindow(ratePerSecond: number): { windowMs: number; capacity: number } {
  return ratePerSecond >= 1
    ? { windowMs: 1000, capacity: Math.floor(ratePerSecond) }
    : { windowMs: Math.ceil(1000 / ratePerSecond), capacity: 1 };
}

/** In memory: the harness, `baton run`, tests (one process is every caller). */
export class MemoryServiceLimitStore implements ServiceLimitStore {
  readonly #slots = new Map<string, { holder: string; leaseUntil: number }>();
  readonly #windows = new Map<string, number>();

  async takeSlot(service: string, slot: number, holder: string, leaseUntil: number, now: number) {
    const key = `${service}#${slot}`;
    const current = this.#slots.get(key);
    if (current !== undefined && current.leaseUntil >= now && current.holder !== holder)
      return false;
    this.#slots.set(key, { holder, leaseUntil });
    return true;
  }

  async releaseSlot(service: string, slot: number, holder: string) {
    const key = `${service}#${slot}`;
    if (this.#slots.get(key)?.holder === holder) this.#slots.delete(key);
  }

  async takeToken(service: string, windowStart: number, capacity: number) {
    const key = `${service}#${windowStart}`;
    const count = this.#windows.get(key) ?? 0;
    if (count >= capacity) return false;
    this.#windows.set(key, count + 1);
    if (this.#windows.size > 10_000) this.#windows.clear();
    return true;
  }
}
