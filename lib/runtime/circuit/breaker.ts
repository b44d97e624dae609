/**
 * The shared circuit breaker, on resilience4j's model. CLOSED while, over the sliding window of
 * `windowSeconds`, fewer than `minimumCalls` calls were made or fewer than `failureRateThreshold`
 * percent of them failed; then OPEN (calls fail fast with `Baton.CircuitOpen`) for
 * `cooldownSeconds`; then HALF_OPEN, where exactly one caller (the one whose conditional write
 * wins) probes: success closes the circuit, failure opens it again.
 *
 * Every call outcome is an atomic increment of a time bucket of the window (WINDOW_BUCKETS per
 * window), so concurrent callers never lose each other's counts; only state transitions are a
 * compare-and-set on the record's version. Counting starts afresh when the circuit closes.
 *
 * The breaker protects the services, not Baton: if its own store fails (throttling), calls go
 * through as if CLOSED and the error is logged.
 *
 * Outcomes may be added up in the process for `countFlushMs` and written as one atomic increment
 * per bucket (still an ADD: no count of another process is lost). A failure first writes every
 * outcome the process holds for its service, so the decision to open sees all of them, as it would
 * with a write per call; another process's successes may reach the window up to `countFlushMs`
 * late, which can only make the failure rate look higher for that long.
 *
 * It is advisory, so the read before each call may come from a short in-process cache
 * (`readCacheMs`): a circuit another container opened is seen up to that much later, and the
 * call's time budget is spent on the call, not on a store that is slow under load. Transitions
 * (probe claims, closing, opening) always read and write the store itself.
 */
import { randomUUID } from "node:crypto";
import { DetailType } from "../../core/wire.ts";
import { CircuitOpenError } from "../errors.ts";
import type { CircuitEventDetail, EventPublisher } from "../events.ts";
import { consoleLogger, describeError, type Logger } from "../logger.ts";
import type {
  CallBucket,
  CircuitConfig,
  CircuitRecord,
  CircuitStateName,
} from "../registry/registry-model.ts";
import type { CircuitStore } from "./circuit-store.ts";
import { type Clock, systemClock } from "./clock.ts";

/** The right to make one call, returned by `acquire` and handed back with its outcome. */
export interface CircuitPermit {
  readonly service: string;
  readonly config: CircuitConfig;
  /** True for the single half-open probe. */
  readonly probe: boolean;
  /** Probe owner token (probes only). */
  readonly token: string | null;
}

/** Buckets per window: the window slides in steps of a tenth of its length. */
export const WINDOW_BUCKETS = 10;

/** Calls and failures inside a circuit's window, as the breaker judges them. */
export interface WindowCounts {
  readonly calls: number;
  readonly failures: number;
}

export interface CircuitBreakerOptions {
  readonly store: CircuitStore;
  readonly events: EventPublisher;
  readonly clock?: Clock;
  /** Compare-and-set attempts before a failure is given up on (contention). Default 5. */
  readonly maxWriteAttempts?: number;
  readonly newToken?: () => string;
  /** Where failures that do not fail the call are reported. @default consoleLogger */
  readonly logger?: Logger;
  /**
   * How long a circuit read before a call may be reused by later calls in this process (0: read
   * every time). A cached CLOSED lets calls through, a cached OPEN fails them until its cooldown
   * ends; anything else is read afresh. @default 0
   */
  readonly readCacheMs?: number;
  /**
   * How long past `readCacheMs` a cached read is still used while one fresh read runs in the
   * background, so calls never wait for the store once it has been read. @default 0
   */
  readonly serveStaleMs?: number;
  /**
   * How long successes are added up in this process before they are written (0: one write per
   * outcome). A process that may be frozen or killed between calls (a Lambda container) loses
   * what it holds: keep it 0 there. @default 0
   */
  readonly countFlushMs?: number;
}

/** Outcomes of one service's bucket not written yet. */
interface PendingCounts {
  readonly service: string;
  readonly bucket: number;
  calls: number;
  failures: number;
}

interface CachedRead {
  readonly record: CircuitRecord;
  readonly expires: number;
}

export interface AcquireOptions {
  /**
   * How long this caller's probe may run before another caller may take it over (the prober may
   * have crashed). Defaults to the cooldown.
   */
  readonly probeLeaseMs?: number;
}

export class CircuitBreaker {
  readonly #store: CircuitStore;
  readonly #events: EventPublisher;
  readonly #clock: Clock;
  readonly #maxWriteAttempts: number;
  readonly #newToken: () => string;
  readonly #logger: Logger;
  readonly #readCacheMs: number;
  readonly #serveStaleMs: number;
  readonly #cache = new Map<string, CachedRead>();
  readonly #reading = new Map<string, Promise<CircuitRecord>>();
  #countFlushMs: number;
  /** By `<service> <bucket>`. */
  readonly #pending = new Map<string, PendingCounts>();
  #flushTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: CircuitBreakerOptions) {
    this.#store = options.store;
    this.#events = options.events;
    this.#clock = options.clock ?? systemClock;
    this.#maxWriteAttempts = options.maxWriteAttempts ?? 5;
    this.#newToken = options.newToken ?? randomUUID;
    this.#logger = options.logger ?? consoleLogger;
    this.#readCacheMs = Math.max(0, options.readCacheMs ?? 0);
    this.#serveStaleMs = this.#readCacheMs > 0 ? Math.max(0, options.serveStaleMs ?? 0) : 0;
    this.#countFlushMs = Math.max(0, options.countFlushMs ?? 0);
  }

  /**
   * Writes what is held and writes every later outcome at once: a runtime stopping calls it
   * before its store closes (a timer firing after that could only fail).
   */
  async close(): Promise<void> {
    this.#countFlushMs = 0;
    await this.flush();
  }

  /** Writes every outcome added up so far (`countFlushMs`). */
  async flush(service?: string): Promise<void> {
    if (service === undefined && this.#flushTimer !== undefined) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = undefined;
    }
    const due = [...this.#pending.entries()].filter(
      ([, p]) => service === undefined || p.service === service,
    );
    for (const [key] of due) this.#pending.delete(key);
    await Promise.all(
      due.map(([, p]) =>
        this.#guard(p.service, () =>
          this.#store.countCalls(p.service, p.bucket, WINDOW_BUCKETS, {
            calls: p.calls,
            failures: p.failures,
          }),
        ),
      ),
    );
  }

  /**
   * Starts (or joins) the read `acquire` will make, so it can run beside the registry lookup.
   * Never rejects: `acquire` reports a failed read.
   */
  prefetch(service: string): void {
    if (this.#readCacheMs > 0 && this.#fresh(service) === undefined)
      this.#read(service).catch(() => undefined);
  }

  /** Allows a call, or throws `CircuitOpenError` while the circuit is open or another caller probes. */
  async acquire(
    service: string,
    config: CircuitConfig,
    options: AcquireOptions = {},
  ): Promise<CircuitPermit> {
    const normal: CircuitPermit = { service, config, probe: false, token: null };
    let current: CircuitRecord;
    try {
      const cached = this.#cache.get(service);
      const now = this.#clock.now();
      const record =
        cached !== undefined && cached.expires + this.#serveStaleMs > now
          ? cached.record
          : undefined;
      const usable =
        record !== undefined &&
        (record.state === "CLOSED" ||
          (record.state === "OPEN" &&
            now < (record.openedAt ?? 0) + config.cooldownSeconds * 1000));
      // An expired read still in use is refreshed in the background for the next calls.
      if (usable && cached !== undefined && cached.expires <= now)
        this.#read(service).catch(() => undefined);
      current = usable ? record : await this.#read(service, record !== undefined);
    } catch (error) {
      this.#logger.warn(`circuit of ${service} unreadable; allowing the call`, {
        error: describeError(error),
      });
      return normal;
    }
    if (current.state === "CLOSED") return normal;

    const now = this.#clock.now();
    if (current.state === "OPEN") {
      const reopensAt = (current.openedAt ?? 0) + config.cooldownSeconds * 1000;
      if (now < reopensAt) {
        throw new CircuitOpenError(
          `Circuit of service ${service} is open until ${new Date(reopensAt).toISOString()}.`,
        );
      }
    } else if (now < (current.probeExpiresAt ?? 0)) {
      throw new CircuitOpenError(
        `Circuit of service ${service} is half-open and another call is probing it.`,
      );
    }
    const leaseMs = options.probeLeaseMs ?? config.cooldownSeconds * 1000;
    return this.#claimProbe(service, config, current, now + leaseMs);
  }

  /** The cached circuit of `service` if it is still fresh. */
  #fresh(service: string): CircuitRecord | undefined {
    const cached = this.#cache.get(service);
    return cached !== undefined && cached.expires > this.#clock.now() ? cached.record : undefined;
  }

  /**
   * Reads the circuit (concurrent reads of one service share a request) and caches it.
   * `afresh`: a read already under way may predate what made the cached state unusable.
   */
  #read(service: string, afresh = false): Promise<CircuitRecord> {
    if (this.#readCacheMs === 0) return this.#store.readCircuit(service);
    const pending = afresh ? undefined : this.#reading.get(service);
    if (pending !== undefined) return pending;
    const read = this.#store.readCircuit(service).then((record) => {
      this.#remember(service, record);
      return record;
    });
    const shared = read.finally(() => {
      if (this.#reading.get(service) === shared) this.#reading.delete(service);
    });
    this.#reading.set(service, shared);
    return shared;
  }

  #remember(service: string, record: CircuitRecord): void {
    if (this.#readCacheMs === 0) return;
    const known = this.#cache.get(service)?.record;
    // Never step back to an older version (a slow read finishing after a write).
    if (known !== undefined && known.version > record.version) return;
    this.#cache.set(service, { record, expires: this.#clock.now() + this.#readCacheMs });
  }

  /** Records a successful call (or a call the service answered, e.g. with a 4xx). */
  async recordSuccess(permit: CircuitPermit): Promise<void> {
    if (!permit.probe) {
      await this.#guard(permit.service, () => this.#count(permit, false));
      return;
    }
    await this.#guard(permit.service, async () => {
      const current = await this.#store.readCircuit(permit.service);
      if (current.state !== "HALF_OPEN" || current.probeOwner !== permit.token) return;
      const next: CircuitRecord = {
        ...current,
        state: "CLOSED",
        probeOwner: null,
        probeExpiresAt: null,
        countsFrom: this.#clock.now(),
        version: current.version + 1,
      };
      if (await this.#write(permit.service, next, current.version)) {
        await this.#announce(permit.service, current.state, next, 0);
      }
    });
  }

  /** Records a failure that counts against the service (5xx, 429, 408, timeout, connection error). */
  async recordFailure(permit: CircuitPermit): Promise<void> {
    await this.#guard(permit.service, async () => {
      if (permit.probe) {
        await this.#reopen(permit);
        return;
      }
      await this.#count(permit, true);
      for (let attempt = 0; attempt < this.#maxWriteAttempts; attempt += 1) {
        // Already open or probing: this failure was in flight before the circuit opened.
        const current = await this.#store.readCircuit(permit.service);
        if (current.state !== "CLOSED") return;
        const counts = this.windowCounts(
          await this.#store.readCalls(permit.service),
          permit.config,
          current,
        );
        if (!opens(counts, permit.config)) return;
        const now = this.#clock.now();
        const next: CircuitRecord = {
          ...current,
          state: "OPEN",
          openedAt: now,
          probeOwner: null,
          probeExpiresAt: null,
          version: current.version + 1,
        };
        if (await this.#write(permit.service, next, current.version)) {
          await this.#announce(permit.service, current.state, next, counts.failures);
          return;
        }
      }
      this.#logger.warn(`circuit of ${permit.service}: not opened after contention`);
    });
  }

  /** The calls and failures of the window ending now, counted since the circuit last closed. */
  windowCounts(
    buckets: readonly CallBucket[],
    config: CircuitConfig,
    circuit: CircuitRecord,
  ): WindowCounts {
    const size = bucketMs(config);
    const current = Math.floor(this.#clock.now() / size);
    // A bucket counts if it is one of the window's and began after the circuit last closed (the
    // bucket the circuit closed in is left out whole: what it holds may predate the close).
    const first = Math.max(
      current - WINDOW_BUCKETS + 1,
      circuit.countsFrom === null
        ? Number.NEGATIVE_INFINITY
        : Math.floor(circuit.countsFrom / size) + 1,
    );
    let calls = 0;
    let failures = 0;
    for (const bucket of buckets) {
      if (bucket.bucket < first || bucket.bucket > current) continue;
      calls += bucket.calls;
      failures += bucket.failures;
    }
    return { calls, failures };
  }

  async #count(permit: CircuitPermit, failed: boolean): Promise<void> {
    const bucket = Math.floor(this.#clock.now() / bucketMs(permit.config));
    if (this.#countFlushMs === 0) {
      await this.#store.countCalls(permit.service, bucket, WINDOW_BUCKETS, {
        calls: 1,
        failures: failed ? 1 : 0,
      });
      return;
    }
    const key = `${permit.service} ${bucket}`;
    const pending = this.#pending.get(key) ?? {
      service: permit.service,
      bucket,
      calls: 0,
      failures: 0,
    };
    pending.calls += 1;
    if (failed) pending.failures += 1;
    this.#pending.set(key, pending);
    // A failure is judged on every outcome this process knows: its service's counts go now.
    if (failed) await this.flush(permit.service);
    else if (this.#flushTimer === undefined) {
      this.#flushTimer = setTimeout(() => {
        this.#flushTimer = undefined;
        void this.flush();
      }, this.#countFlushMs);
      this.#flushTimer.unref?.();
    }
  }

  /** A failed probe opens the circuit again; only its owner may (a lost lease: another decides). */
  async #reopen(permit: CircuitPermit): Promise<void> {
    const current = await this.#store.readCircuit(permit.service);
    if (current.state !== "HALF_OPEN" || current.probeOwner !== permit.token) return;
    const next: CircuitRecord = {
      ...current,
      state: "OPEN",
      openedAt: this.#clock.now(),
      probeOwner: null,
      probeExpiresAt: null,
      version: current.version + 1,
    };
    if (await this.#write(permit.service, next, current.version)) {
      await this.#announce(permit.service, current.state, next, 1);
    }
  }

  async #claimProbe(
    service: string,
    config: CircuitConfig,
    current: CircuitRecord,
    leaseEnd: number,
  ): Promise<CircuitPermit> {
    const token = this.#newToken();
    const next: CircuitRecord = {
      ...current,
      state: "HALF_OPEN",
      probeOwner: token,
      probeExpiresAt: leaseEnd,
      version: current.version + 1,
    };
    let won: boolean;
    try {
      won = await this.#write(service, next, current.version);
    } catch (error) {
      this.#logger.warn(`circuit of ${service}: probe claim failed`, {
        error: describeError(error),
      });
      won = false;
    }
    if (!won) {
      throw new CircuitOpenError(
        `Circuit of service ${service} is half-open and another call is probing it.`,
      );
    }
    // The probe is claimed: a failed announcement must not strand it (every caller would then see
    // CircuitOpen until the lease ran out), so it is logged and the probe goes ahead.
    if (current.state === "OPEN") {
      await this.#guard(service, () => this.#announce(service, current.state, next, 0));
    }
    return { service, config, probe: true, token };
  }

  /** A compare-and-set write; a won write is what this process reads next. */
  async #write(service: string, next: CircuitRecord, expectedVersion: number): Promise<boolean> {
    const won = await this.#store.writeCircuit(service, next, expectedVersion);
    if (won) this.#remember(service, next);
    else this.#cache.delete(service);
    return won;
  }

  async #announce(
    service: string,
    previousState: CircuitStateName,
    next: CircuitRecord,
    failures: number,
  ): Promise<void> {
    const detailType = {
      OPEN: DetailType.CircuitOpened,
      HALF_OPEN: DetailType.CircuitHalfOpened,
      CLOSED: DetailType.CircuitClosed,
    }[next.state];
    const detail: CircuitEventDetail = {
      service,
      state: next.state,
      previousState,
      failures,
      at: new Date(this.#clock.now()).toISOString(),
    };
    await this.#events.publish([{ detailType, detail }]);
  }

  async #guard(service: string, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.#logger.warn(`circuit of ${service}: outcome not recorded`, {
        error: describeError(error),
      });
    }
  }
}

/** Length of one bucket of the window, in ms (at least one second). */
const bucketMs = (config: CircuitConfig): number =>
  Math.max(1000, Math.floor((config.windowSeconds * 1000) / WINDOW_BUCKETS));

/** Whether the window's counts open the circuit. */
export function opens(counts: WindowCounts, config: CircuitConfig): boolean {
  return (
    counts.calls >= config.minimumCalls &&
    counts.failures * 100 >= config.failureRateThreshold * counts.calls
  );
}
