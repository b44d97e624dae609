/**
 * `GET /services/{name}/load`: per instance, the calls sent over a window, the calls that failed,
 * the calls in flight now (every caller's) and the instance's share of the calls; `balanced`
 * says whether every instance's share is within `threshold` of the share its balancing gives it
 * (relative: |share - expected| / expected <= threshold; seed 001's is_balanced).
 *
 * The expected share is the instance's weight over the healthy instances' weights under
 * weighted_random, and an equal part otherwise; unhealthy instances expect none and are left out
 * of the verdict. With no call in the window there is nothing to judge: `balanced` is true.
 */
import type { ServiceRecord } from "../registry/registry-model.ts";
import { inFlightOf, type LoadCounter, slotOf } from "./load-store.ts";

export interface InstanceLoad {
  readonly id: string;
  readonly healthy: boolean;
  readonly weight: number;
  readonly inFlight: number;
  readonly calls: number;
  readonly failures: number;
  /** calls / all calls in the window (0 when there were none). */
  readonly share: number;
  readonly expectedShare: number;
}

export interface LoadReport {
  readonly service: string;
  readonly balancing: ServiceRecord["balancing"];
  readonly windowSeconds: number;
  readonly since: string;
  readonly threshold: number;
  readonly calls: number;
  readonly failures: number;
  readonly inFlight: number;
  readonly instances: readonly InstanceLoad[];
  /** The largest relative deviation of a healthy instance's share from its expected share. */
  readonly maxDeviation: number;
  readonly balanced: boolean;
}

export function loadReport(
  service: ServiceRecord,
  counters: readonly LoadCounter[],
  options: { readonly now: number; readonly windowSeconds: number; readonly threshold: number },
): LoadReport {
  const { now, windowSeconds, threshold } = options;
  const fromSlot = slotOf(now - windowSeconds * 1000);
  const inFlight = inFlightOf(counters, now);
  const calls = new Map<string, number>();
  const failures = new Map<string, number>();
  for (const c of counters) {
    if (c.slot < fromSlot) continue;
    calls.set(c.instanceId, (calls.get(c.instanceId) ?? 0) + c.calls);
    failures.set(c.instanceId, (failures.get(c.instanceId) ?? 0) + c.failures);
  }
  const total = [...calls.values()].reduce((a, b) => a + b, 0);
  const healthy = service.instances.filter((i) => i.healthy);
  const weights = healthy.reduce((sum, i) => sum + i.weight, 0);
  const expected = (weight: number, isHealthy: boolean): number => {
    if (!isHealthy || healthy.length === 0) return 0;
    if (service.balancing === "weighted_random") return weights > 0 ? weight / weights : 0;
    return 1 / healthy.length;
  };
  const instances = service.instances.map((i) => {
    const n = calls.get(i.id) ?? 0;
    return {
      id: i.id,
      healthy: i.healthy,
      weight: i.weight,
      inFlight: inFlight.get(i.id) ?? 0,
      calls: n,
      failures: failures.get(i.id) ?? 0,
      share: total === 0 ? 0 : round(n / total),
      expectedShare: round(expected(i.weight, i.healthy)),
    };
  });
  const deviations = instances
    .filter((i) => i.healthy && i.expectedShare > 0 && total > 0)
    .map((i) => Math.abs((calls.get(i.id) ?? 0) / total - i.expectedShare) / i.expectedShare);
  const maxDeviation = round(Math.max(0, ...deviations));
  return {
    service: service.name,
    balancing: service.balancing,
    windowSeconds,
    since: new Date(fromSlot * 60_000).toISOString(),
    threshold,
    calls: total,
    failures: [...failures.values()].reduce((a, b) => a + b, 0),
    inFlight: instances.reduce((sum, i) => sum + i.inFlight, 0),
    instances,
    maxDeviation,
    balanced: maxDeviation <= threshold,
  };
}

const round = (x: number): number => Math.round(x * 10_000) / 10_000;
