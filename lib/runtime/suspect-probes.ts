/**
 * Health checks after failures (SERVICE.md: "on a schedule and after failures"). A call that fails
 * in a way the instance is to blame for (5xx, timeout, connection error) makes the instance a
 * suspect: it is probed at once, so an instance that went down leaves the rotation after
 * `unhealthyAfter` probes in seconds, not after as many schedule intervals. Probes of one instance
 * never overlap and are at least `minIntervalMs` apart, so a burst of failures costs one probe.
 */
import { checkInstance, type HealthCheckDeps, type HealthCheckOutcome } from "./health-check.ts";
import { consoleLogger, describeError } from "./logger.ts";

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
