/** Key layout and item mapping of the registry table: `pk = SERVICE#<name>`, `sk = META | INSTANCE#<id> | CIRCUIT`. */

import type { JsonObject } from "../../core/model.ts";
import {
  BALANCING_STRATEGIES,
  type BalancingStrategy,
  type CircuitRecord,
  type CircuitStateName,
  CLOSED_CIRCUIT,
  DEFAULT_BALANCING,
  DEFAULT_CIRCUIT,
  DEFAULT_HEALTH,
  DEFAULT_SERVICE_TIMEOUT,
  DEFAULT_WEIGHT,
  type InstanceRecord,
  type ServiceLimits,
  type ServiceSettings,
} from "../registry/registry-model.ts";
import {
  type Item,
  N,
  nullableN,
  nullableS,
  numberMap,
  readBool,
  readMap,
  readN,
  readNullableN,
  readNullableS,
  readS,
  readStringMap,
  S,
  stringMap,
} from "./dynamo-attributes.ts";

export const META_SK = "META";
export const CIRCUIT_SK = "CIRCUIT";
/** Slots of the circuit's sliding window: `CALLS#<slot>`, each counting one time bucket. */
export const CALLS_PREFIX = "CALLS#";
export const INSTANCE_PREFIX = "INSTANCE#";
export const SERVICE_PREFIX = "SERVICE#";

export const servicePk = (name: string): string => `${SERVICE_PREFIX}${name}`;
export const instanceSk = (id: string): string => `${INSTANCE_PREFIX}${id}`;
export const key = (name: string, sk: string): Item => ({ pk: S(servicePk(name)), sk: S(sk) });

export function settingsAttributes(settings: ServiceSettings): Item {
  return {
    name: S(settings.name),
    balancing: S(settings.balancing),
    health: {
      M: {
        path: S(settings.health.path),
        intervalSeconds: N(settings.health.intervalSeconds),
        unhealthyAfter: N(settings.health.unhealthyAfter),
        healthyAfter: N(settings.health.healthyAfter),
      },
    },
    circuit: numberMap({ ...settings.circuit }),
    timeout: N(settings.timeout),
    headers: stringMap(settings.headers),
    // The contract as JSON text: a URL or path string, or an inline document.
    ...(settings.openapi === undefined ? {} : { openapi: S(JSON.stringify(settings.openapi)) }),
    ...(settings.limits === undefined ? {} : { limits: numberMap({ ...settings.limits }) }),
  };
}

/** `limits` as stored by `settingsAttributes`; absent when none was set. */
function readLimits(item: Item): { limits?: ServiceLimits } {
  if (item.limits?.M === undefined) return {};
  const limits = readMap(item, "limits");
  const concurrency = readN(limits, "concurrency", 0);
  const ratePerSecond = readN(limits, "ratePerSecond", 0);
  if (concurrency <= 0 && ratePerSecond <= 0) return {};
  return {
    limits: {
      ...(concurrency > 0 ? { concurrency } : {}),
      ...(ratePerSecond > 0 ? { ratePerSecond } : {}),
    },
  };
}

/** `openapi` as stored by `settingsAttributes`; undefined when absent or unreadable. */
function readContractSource(item: Item): { openapi?: string | JsonObject } {
  const text = readS(item, "openapi", "");
  if (text === "") return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === "string") return { openapi: value };
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      return { openapi: value as JsonObject };
  } catch {
    // an item written by hand: leave the contract out rather than fail the read
  }
  return {};
}

export interface MetaRecord {
  readonly settings: ServiceSettings;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export function metaFromItem(item: Item): MetaRecord {
  const health = readMap(item, "health");
  const circuit = readMap(item, "circuit");
  const balancing = readS(item, "balancing", DEFAULT_BALANCING);
  return {
    settings: {
      name: readS(item, "name", readS(item, "pk", "").slice(SERVICE_PREFIX.length)),
      balancing: (BALANCING_STRATEGIES as readonly string[]).includes(balancing)
        ? (balancing as BalancingStrategy)
        : DEFAULT_BALANCING,
      health: {
        path: readS(health, "path", DEFAULT_HEALTH.path),
        intervalSeconds: readN(health, "intervalSeconds", DEFAULT_HEALTH.intervalSeconds),
        unhealthyAfter: readN(health, "unhealthyAfter", DEFAULT_HEALTH.unhealthyAfter),
        healthyAfter: readN(health, "healthyAfter", DEFAULT_HEALTH.healthyAfter),
      },
      circuit: {
        failureRateThreshold: readN(
          circuit,
          "failureRateThreshold",
          DEFAULT_CIRCUIT.failureRateThreshold,
        ),
        // Items written by v1 hold failureThreshold, read as minimumCalls (see entry validation).
        minimumCalls: readN(
          circuit,
          "minimumCalls",
          readN(circuit, "failureThreshold", DEFAULT_CIRCUIT.minimumCalls),
        ),
        windowSeconds: readN(circuit, "windowSeconds", DEFAULT_CIRCUIT.windowSeconds),
        cooldownSeconds: readN(circuit, "cooldownSeconds", DEFAULT_CIRCUIT.cooldownSeconds),
      },
      timeout: readN(item, "timeout", DEFAULT_SERVICE_TIMEOUT),
      headers: readStringMap(item, "headers"),
      ...readContractSource(item),
      ...readLimits(item),
    },
    createdAt: readN(item, "createdAt", 0),
    updatedAt: readN(item, "updatedAt", 0),
  };
}

export function instanceFromItem(item: Item): InstanceRecord {
  return {
    id: readS(item, "id", readS(item, "sk", "").slice(INSTANCE_PREFIX.length)),
    url: readS(item, "url", ""),
    weight: readN(item, "weight", DEFAULT_WEIGHT),
    healthy: readBool(item, "healthy", true),
    consecutiveFailures: readN(item, "consecutiveFailures", 0),
    consecutiveSuccesses: readN(item, "consecutiveSuccesses", 0),
    lastCheckedAt: readNullableN(item, "lastCheckedAt"),
    lastReason: readNullableS(item, "lastReason"),
    registeredAt: readN(item, "registeredAt", 0),
    lastHeartbeatAt: readN(item, "lastHeartbeatAt", 0),
  };
}

const CIRCUIT_STATES: readonly CircuitStateName[] = ["CLOSED", "OPEN", "HALF_OPEN"];

export function circuitFromItem(item: Item | undefined): CircuitRecord {
  if (item === undefined) return CLOSED_CIRCUIT;
  const state = readS(item, "state", "CLOSED");
  return {
    state: (CIRCUIT_STATES as readonly string[]).includes(state)
      ? (state as CircuitStateName)
      : "CLOSED",
    openedAt: readNullableN(item, "openedAt"),
    probeOwner: readNullableS(item, "probeOwner"),
    probeExpiresAt: readNullableN(item, "probeExpiresAt"),
    countsFrom: readNullableN(item, "countsFrom"),
    version: readN(item, "version", 0),
  };
}

export function circuitItem(service: string, circuit: CircuitRecord): Item {
  return {
    ...key(service, CIRCUIT_SK),
    state: S(circuit.state),
    openedAt: nullableN(circuit.openedAt),
    probeOwner: nullableS(circuit.probeOwner),
    probeExpiresAt: nullableN(circuit.probeExpiresAt),
    countsFrom: nullableN(circuit.countsFrom),
    version: N(circuit.version),
  };
}
