/**
 * The service registry model: entries as written in services.yaml or sent to `PUT /services/{name}`
 * (after validation and defaults), and the stored view with instance health and circuit state.
 */

import { DEFAULT_CIRCUIT_COOLDOWN_SECONDS } from "../../core/contract.ts";
import type { JsonObject } from "../../core/model.ts";

export const BALANCING_STRATEGIES = [
  "round_robin",
  "least_outstanding",
  "weighted_random",
] as const;
export type BalancingStrategy = (typeof BALANCING_STRATEGIES)[number];

export interface InstanceEntry {
  readonly id: string;
  /** Base URL; a call's path is appended to it. */
  readonly url: string;
  /** Share of traffic under `weighted_random`. */
  readonly weight: number;
}

export interface HealthConfig {
  /** Path probed with GET on every instance; 2xx means healthy. */
  readonly path: string;
  readonly intervalSeconds: number;
  /** Consecutive failed probes before a healthy instance is taken out of rotation. */
  readonly unhealthyAfter: number;
  /** Consecutive successful probes before an unhealthy instance gets traffic again. */
  readonly healthyAfter: number;
}

/**
 * The circuit opens when, over the last `windowSeconds`, at least `minimumCalls` calls were made
 * and at least `failureRateThreshold` percent of them failed (resilience4j's model): a dead service
 * is cut off after `minimumCalls` calls, while scattered failures never reach the rate.
 */
export interface CircuitConfig {
  /** Percent of failed calls in the window that opens the circuit (1-100). */
  readonly failureRateThreshold: number;
  /** Calls the window must hold before the rate is judged. */
  readonly minimumCalls: number;
  readonly windowSeconds: number;
  readonly cooldownSeconds: number;
}

/**
 * `limits` of a service (docs/limits-and-pause.md), shared by every caller: calls over them wait
 * (within the step's time budget) instead of failing.
 */
export interface ServiceLimits {
  /** Calls in flight at once, across every execution and container. */
  readonly concurrency?: number;
  /** Calls started per second (fixed windows; below 1, one call per 1/r seconds). */
  readonly ratePerSecond?: number;
}

/** A validated services.yaml entry, every default applied. */
export interface ServiceEntry {
  readonly name: string;
  readonly instances: readonly InstanceEntry[];
  readonly health: HealthConfig;
  readonly balancing: BalancingStrategy;
  readonly circuit: CircuitConfig;
  /**
   * Seconds: the health-probe timeout, and the call timeout when a request carries none. A step's
   * own `timeout` (always present in compiled workflows) wins for calls.
   */
  readonly timeout: number;
  /** Sent on every call; secret values are `{{ secret:<name> }}` references resolved per call. */
  readonly headers: { readonly [name: string]: string };
  /**
   * The service's contract (docs/contracts.md): an OpenAPI 3.x document's URL, its path relative
   * to the services file, or the document itself. @default none
   */
  readonly openapi?: string | JsonObject;
  /** Shared call limits. @default none */
  readonly limits?: ServiceLimits;
}

/** The service settings without instances (instances are stored and changed one by one). */
export type ServiceSettings = Omit<ServiceEntry, "instances">;

export interface InstanceHealth {
  readonly healthy: boolean;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
  /** Epoch ms of the last probe; null before the first one. */
  readonly lastCheckedAt: number | null;
  /** Why the last probe succeeded or failed, e.g. `HTTP 503`. */
  readonly lastReason: string | null;
}

export interface InstanceRecord extends InstanceEntry, InstanceHealth {
  readonly registeredAt: number;
  /** Epoch ms of the last register/heartbeat call. */
  readonly lastHeartbeatAt: number;
}

export type CircuitStateName = "CLOSED" | "OPEN" | "HALF_OPEN";

/** The shared circuit of one service (DynamoDB item `sk = CIRCUIT`). */
export interface CircuitRecord {
  readonly state: CircuitStateName;
  /** Epoch ms the circuit last opened; null when never. */
  readonly openedAt: number | null;
  /** Token of the caller holding the half-open probe. */
  readonly probeOwner: string | null;
  /** Epoch ms after which another caller may take the probe over (the prober may have died). */
  readonly probeExpiresAt: number | null;
  /**
   * Epoch ms from which calls count toward the failure rate: the last time the circuit closed, so
   * the failures that opened it do not open it again at once. Null: every call counts.
   */
  readonly countsFrom: number | null;
  /** Incremented by every write; 0 means no item yet. Writes are conditional on it. */
  readonly version: number;
}

export const CLOSED_CIRCUIT: CircuitRecord = {
  state: "CLOSED",
  openedAt: null,
  probeOwner: null,
  probeExpiresAt: null,
  countsFrom: null,
  version: 0,
};

/** Calls and failures counted in one time bucket of the circuit's sliding window. */
export interface CallBucket {
  /** The bucket: epoch ms divided by the bucket length, rounded down. */
  readonly bucket: number;
  readonly calls: number;
  readonly failures: number;
}

/** A service as stored: what `GET /services/{name}` shows. */
export interface ServiceRecord extends ServiceSettings {
  readonly instances: readonly InstanceRecord[];
  readonly circuit: CircuitConfig;
  readonly circuitState: CircuitRecord;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export const DEFAULT_HEALTH: HealthConfig = {
  path: "/health",
  intervalSeconds: 60,
  unhealthyAfter: 2,
  healthyAfter: 1,
};
export const DEFAULT_CIRCUIT: CircuitConfig = {
  failureRateThreshold: 50,
  minimumCalls: 20,
  windowSeconds: 30,
  cooldownSeconds: DEFAULT_CIRCUIT_COOLDOWN_SECONDS,
};
export const DEFAULT_BALANCING: BalancingStrategy = "round_robin";
export const DEFAULT_SERVICE_TIMEOUT = 10;
export const DEFAULT_WEIGHT = 1;

/** A new instance gets traffic until probes say otherwise, so registration takes effect at once. */
export const INITIAL_HEALTH: InstanceHealth = {
  healthy: true,
  consecutiveFailures: 0,
  consecutiveSuccesses: 0,
  lastCheckedAt: null,
  lastReason: null,
};

export const settingsOf = (entry: ServiceEntry): ServiceSettings => {
  const { instances: _instances, ...settings } = entry;
  return settings;
};
