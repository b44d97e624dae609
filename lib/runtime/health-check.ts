/**
 * Scheduled health checks: probes every instance whose interval has elapsed (GET `health.path`,
 * 2xx = up), applies `unhealthyAfter` / `healthyAfter` consecutive results, stores the health and
 * publishes `Instance Health Changed` only when an instance flips.
 */

import { DetailType } from "../core/wire.ts";
import type { Clock } from "./circuit/clock.ts";
import { BatonRuntimeError } from "./errors.ts";
import type { EventPublisher, InstanceHealthEventDetail } from "./events.ts";
import { type Fetch, sendRequest } from "./http/caller.ts";
import { Redactor } from "./http/redact.ts";
import { buildUrl } from "./http/url.ts";
import { consoleLogger, describeError, type Logger } from "./logger.ts";
import type {
  HealthConfig,
  InstanceHealth,
  InstanceRecord,
  ServiceRecord,
} from "./registry/registry-model.ts";
import type { RegistryStore } from "./registry/registry-store.ts";
import { resolveSecretHeaders, type SecretResolver } from "./registry/secret-headers.ts";

export interface HealthCheckDeps {
  readonly registry: RegistryStore;
  readonly events: EventPublisher;
  readonly clock: Clock;
  readonly fetch?: Fetch;
  /** Resolves the service's secret headers, sent with probes too. Without it, no configured headers are sent. */
  readonly secrets?: SecretResolver;
  /** Probes in flight at once. Default 8. */
  readonly concurrency?: number;
  /** Probe every instance regardless of its interval (e.g. after failures). Default false. */
  readonly force?: boolean;
  /** Where a health that could not be stored is reported. @default consoleLogger */
  readonly logger?: Logger;
}

export interface HealthCheckOutcome {
  readonly service: string;
  readonly instance: string;
  readonly healthy: boolean;
  readonly changed: boolean;
  readonly reason: string;
}

export interface HealthCheckSummary {
  readonly checked: number;
  readonly skipped: number;
  readonly outcomes: readonly HealthCheckOutcome[];
}

/** Probes are due a little early so a once-a-minute schedule does not skip 60-second intervals. */
const INTERVAL_SLACK = 0.9;

export async function runHealthChecks(deps: HealthCheckDeps): Promise<HealthCheckSummary> {
  const services = await deps.registry.listServices();
  const now = deps.clock.now();
  const due: (readonly [ServiceRecord, InstanceRecord])[] = [];
  let skipped = 0;
  for (const service of services) {
    for (const instance of service.instances) {
      const last = instance.lastCheckedAt;
      const interval = service.health.intervalSeconds * 1000 * INTERVAL_SLACK;
      if (deps.force !== true && last !== null && now - last < interval) skipped += 1;
      else due.push([service, instance]);
    }
  }
  const outcomes = await mapConcurrently(due, deps.concurrency ?? 8, ([service, instance]) =>
    checkInstance(service, instance, deps),
  );
  return { checked: due.length, skipped, outcomes: outcomes.flatMap((outcome) => outcome ?? []) };
}

/** Probes one instance, stores its health and announces a flip. Undefined when it was deleted meanwhile. */
export async function checkInstance(
  service: ServiceRecord,
  instance: InstanceRecord,
  deps: HealthCheckDeps,
): Promise<HealthCheckOutcome | undefined> {
  const probe = await probeInstance(service, instance, deps);
  const checkedAt = deps.clock.now();
  const next = nextHealth(instance, probe.ok, probe.reason, service.health, checkedAt);
  try {
    if (!(await deps.registry.setInstanceHealth(service.name, instance.id, next))) return undefined;
  } catch (error) {
    (deps.logger ?? consoleLogger).warn(`health of ${service.name}/${instance.id} not stored`, {
      error: describeError(error),
    });
    return undefined;
  }
  const changed = next.healthy !== instance.healthy;
  if (changed) {
    const detail: InstanceHealthEventDetail = {
      service: service.name,
      instance: instance.id,
      url: instance.url,
      healthy: next.healthy,
      previouslyHealthy: instance.healthy,
      reason: probe.reason,
      checkedAt: new Date(checkedAt).toISOString(),
    };
    await deps.events.publish([{ detailType: DetailType.InstanceHealthChanged, detail }]);
  }
  return {
    service: service.name,
    instance: instance.id,
    healthy: next.healthy,
    changed,
    reason: probe.reason,
  };
}

/** The health after one probe: a healthy instance goes down after `unhealthyAfter` failures in a row, back up after `healthyAfter` successes. */
export function nextHealth(
  current: InstanceHealth,
  ok: boolean,
  reason: string,
  config: HealthConfig,
  checkedAt: number,
): InstanceHealth {
  const consecutiveSuccesses = ok ? current.consecutiveSuccesses + 1 : 0;
  const consecutiveFailures = ok ? 0 : current.consecutiveFailures + 1;
  const healthy = current.healthy
    ? consecutiveFailures < config.unhealthyAfter
    : consecutiveSuccesses >= config.healthyAfter;
  return {
    healthy,
    consecutiveSuccesses,
    consecutiveFailures,
    lastCheckedAt: checkedAt,
    lastReason: reason,
  };
}

async function probeInstance(
  service: ServiceRecord,
  instance: InstanceRecord,
  deps: HealthCheckDeps,
): Promise<{ readonly ok: boolean; readonly reason: string }> {
  const context = { step: "", instance: instance.id };
  // The reason is stored and listed (GET /services): it must not quote a resolved secret.
  const secrets = new Set<string>();
  const redactor = () => new Redactor(secrets);
  try {
    const configured =
      deps.secrets === undefined
        ? {}
        : await resolveSecretHeaders(service.headers, deps.secrets, secrets);
    const response = await sendRequest(
      {
        url: buildUrl(instance.url, service.health.path, undefined, context),
        method: "GET",
        headers: { ...configured, "user-agent": "baton-health-check" },
        // A probe never outlives the health-check run (a Lambda of 60 s probing many instances).
        timeoutMs: Math.min(service.timeout, MAX_PROBE_SECONDS) * 1000,
        redactor: redactor(),
        ...context,
      },
      deps.fetch,
    );
    return { ok: true, reason: `HTTP ${response.status}` };
  } catch (error) {
    if (error instanceof BatonRuntimeError) {
      return {
        ok: false,
        reason:
          error.status === undefined ? redactor().redact(error.reason) : `HTTP ${error.status}`,
      };
    }
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: redactor().redact(reason) };
  }
}

async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** Longest single probe, whatever the service's call timeout. */
const MAX_PROBE_SECONDS = 10;
