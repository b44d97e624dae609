/**
 * Health checks after failures (SERVICE.md: "on a schedule and after failures"). A call that fails
 * in a way the instance is to blame for (5xx, timeout, connection error) makes the instance a
 * suspect: it is probed at once, so an instance that went down leaves the rotation after
 * `unhealthyAfter` probes in seconds, not after as many schedule intervals. Probes of one instance
 * never overlap and are at least `minIntervalMs` apart, so a burst of failures costs one probe.
 */
import { DetailType } from "../core/wire.ts";
import type { Clock } from "./circuit/clock.ts";
import type { EventPublisher } from "./events.ts";
import {
  checkInstance,
  type HealthCheckDeps,
  type HealthCheckOutcome,
  type HealthCheckSummary,
  runHealthChecks,
} from "./health-check.ts";
import { consoleLogger, describeError, type Logger } from "./logger.ts";

export interface SuspectProberOptions {
  /** Least time between two probes of one instance. @default 1000 */
  readonly minIntervalMs?: number;
}

export class SuspectProber {
  readonly #deps: HealthCheckDeps;
  readonly #minIntervalMs: number;
  /** Per `service/instance`: when its last probe started, and the probe while it runs. */
  readonly #probes = new Map<string, { at: number; running?: Promise<void> }>();

  constructor(deps: HealthCheckDeps, options: SuspectProberOptions = {}) {
    this.#deps = deps;
    this.#minIntervalMs = options.minIntervalMs ?? 1_000;
  }

  /** Probes the instance soon unless it was probed or is being probed; never throws. */
  suspect(service: string, instanceId: string): void {
    const key = `${service}/${instanceId}`;
    const now = this.#deps.clock.now();
    const last = this.#probes.get(key);
    if (last?.running !== undefined || (last !== undefined && now - last.at < this.#minIntervalMs))
      return;
    const entry: { at: number; running?: Promise<void> } = { at: now };
    entry.running = this.probe(service, instanceId)
      .then(() => undefined)
      .catch((error: unknown) => {
        (this.#deps.logger ?? consoleLogger).warn(`suspect probe of ${key} failed`, {
          error: describeError(error),
        });
      })
      .finally(() => {
        delete entry.running;
      });
    this.#probes.set(key, entry);
  }

  /** Probes one instance now; undefined when the service or instance is no longer registered. */
  async probe(service: string, instanceId: string): Promise<HealthCheckOutcome | undefined> {
    const record = await this.#deps.registry.getService(service);
    const instance = record?.instances.find((candidate) => candidate.id === instanceId);
    if (record === undefined || instance === undefined) return undefined;
    return checkInstance(record, instance, this.#deps);
  }

  /** Waits for the probes running now (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.#probes.values()].map((entry) => entry.running));
  }
}

/** Detail of `Instance Suspected`. */
export interface InstanceSuspectedDetail {
  readonly service: string;
  readonly instance: string;
}

/**
 * Where a probe cannot run in the caller's process (a Lambda is frozen once it returns), a suspect
 * is announced as an `Instance Suspected` event instead, at most once per instance per
 * `minIntervalMs` from this process; a rule on the bus runs the health-check function on it.
 */
export class SuspectAnnouncer {
  readonly #events: EventPublisher;
  readonly #clock: Clock;
  readonly #minIntervalMs: number;
  readonly #logger: Logger;
  readonly #last = new Map<string, number>();

  constructor(
    events: EventPublisher,
    clock: Clock,
    options: { readonly minIntervalMs?: number; readonly logger?: Logger } = {},
  ) {
    this.#events = events;
    this.#clock = clock;
    this.#minIntervalMs = options.minIntervalMs ?? 5_000;
    this.#logger = options.logger ?? consoleLogger;
  }

  /** Publishes the suspect unless announced lately; never throws. */
  async suspect(service: string, instance: string): Promise<void> {
    const key = `${service}/${instance}`;
    const now = this.#clock.now();
    const last = this.#last.get(key);
    if (last !== undefined && now - last < this.#minIntervalMs) return;
    this.#last.set(key, now);
    const detail: InstanceSuspectedDetail = { service, instance };
    try {
      await this.#events.publish([{ detailType: DetailType.InstanceSuspected, detail }]);
    } catch (error) {
      this.#logger.warn(`suspect ${key} not announced`, { error: describeError(error) });
    }
  }
}

/**
 * The health-check function's event: an `Instance Suspected` event probes that instance now;
 * anything else (the schedule's tick) probes every instance that is due.
 */
export async function handleHealthCheckEvent(
  event: unknown,
  deps: HealthCheckDeps,
): Promise<HealthCheckSummary> {
  const suspect = suspectOf(event);
  if (suspect === undefined) return runHealthChecks(deps);
  const outcome = await new SuspectProber(deps).probe(suspect.service, suspect.instance);
  return outcome === undefined
    ? { checked: 0, skipped: 0, outcomes: [] }
    : { checked: 1, skipped: 0, outcomes: [outcome] };
}

function suspectOf(event: unknown): InstanceSuspectedDetail | undefined {
  if (typeof event !== "object" || event === null) return undefined;
  const e = event as { readonly "detail-type"?: unknown; readonly detail?: unknown };
  if (e["detail-type"] !== DetailType.InstanceSuspected) return undefined;
  const d = (e.detail ?? {}) as { readonly service?: unknown; readonly instance?: unknown };
  return typeof d.service === "string" && typeof d.instance === "string"
    ? { service: d.service, instance: d.instance }
    : undefined;
}
