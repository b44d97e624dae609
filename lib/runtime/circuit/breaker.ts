/**
 * The shared circuit breaker. CLOSED until `failureThreshold` failures fall inside `windowSeconds`,
 * then OPEN (calls fail fast with `Baton.CircuitOpen`) for `cooldownSeconds`, then HALF_OPEN where
 * exactly one caller (the one whose conditional write wins) probes: success closes the circuit,
 * failure opens it again. Every transition is a compare-and-set on the record's version.
 *
 * The breaker protects the services, not Baton: if its own store fails (throttling), calls go
 * through as if CLOSED and the error is logged.
 */
import { randomUUID } from "node:crypto";
import { DetailType } from "../../core/wire.ts";
import { CircuitOpenError } from "../errors.ts";
import type { CircuitEventDetail, EventPublisher } from "../events.ts";
import { consoleLogger, describeError, type Logger } from "../logger.ts";
import type { CircuitConfig, CircuitRecord, CircuitStateName } from "../registry/registry-model.ts";
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

export interface CircuitBreakerOptions {
  readonly store: CircuitStore;
  readonly events: EventPublisher;
  readonly clock?: Clock;
  /** Compare-and-set attempts before a failure is given up on (contention). Default 5. */
  readonly maxWriteAttempts?: number;
  readonly newToken?: () => string;
  /** Where failures that do not fail the call are reported. @default consoleLogger */
  readonly logger?: Logger;
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

  constructor(options: CircuitBreakerOptions) {
    this.#store = options.store;
    this.#events = options.events;
    this.#clock = options.clock ?? systemClock;
    this.#maxWriteAttempts = options.maxWriteAttempts ?? 5;
    this.#newToken = options.newToken ?? randomUUID;
    this.#logger = options.logger ?? consoleLogger;
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
      current = await this.#store.readCircuit(service);
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

  /** Records a successful call (or a call the service answered, e.g. with a 4xx). */
  async recordSuccess(permit: CircuitPermit): Promise<void> {
    // A success outside a probe changes nothing: failures age out of the window on their own.
    if (!permit.probe) return;
    await this.#guard(permit.service, async () => {
      const current = await this.#store.readCircuit(permit.service);
      if (current.state !== "HALF_OPEN" || current.probeOwner !== permit.token) return;
      const next: CircuitRecord = {
        state: "CLOSED",
        failures: [],
        openedAt: current.openedAt,
        probeOwner: null,
        probeExpiresAt: null,
        version: current.version + 1,
      };
      if (await this.#store.writeCircuit(permit.service, next, current.version)) {
        await this.#announce(permit.service, current.state, next, 0);
      }
    });
  }

  /** Records a failure that counts against the service (5xx, 429, 408, timeout, connection error). */
  async recordFailure(permit: CircuitPermit): Promise<void> {
    await this.#guard(permit.service, async () => {
      for (let attempt = 0; attempt < this.#maxWriteAttempts; attempt += 1) {
        const current = await this.#store.readCircuit(permit.service);
        const next = this.#afterFailure(permit, current);
        if (next === undefined) return;
        if (await this.#store.writeCircuit(permit.service, next, current.version)) {
          if (next.state !== current.state) {
            await this.#announce(permit.service, current.state, next, next.failures.length);
          }
          return;
        }
      }
      this.#logger.warn(`circuit of ${permit.service}: failure not recorded after contention`);
    });
  }

  #afterFailure(permit: CircuitPermit, current: CircuitRecord): CircuitRecord | undefined {
    const now = this.#clock.now();
    if (permit.probe) {
      // Only the probe owner may reopen; a lost lease means someone else decides.
      if (current.state !== "HALF_OPEN" || current.probeOwner !== permit.token) return undefined;
      return {
        ...current,
        state: "OPEN",
        openedAt: now,
        probeOwner: null,
        probeExpiresAt: null,
        version: current.version + 1,
      };
    }
    // Already open or probing: this failure was in flight before the circuit opened.
    if (current.state !== "CLOSED") return undefined;
    const { failureThreshold, windowSeconds } = permit.config;
    const windowStart = now - windowSeconds * 1000;
    const failures = [...current.failures.filter((at) => at > windowStart), now].slice(
      -failureThreshold,
    );
    const opens = failures.length >= failureThreshold;
    return {
      state: opens ? "OPEN" : "CLOSED",
      failures,
      openedAt: opens ? now : current.openedAt,
      probeOwner: null,
      probeExpiresAt: null,
      version: current.version + 1,
    };
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
      won = await this.#store.writeCircuit(service, next, current.version);
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
      await this.#guard(service, () =>
        this.#announce(service, current.state, next, current.failures.length),
      );
    }
    return { service, config, probe: true, token };
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
