/**
 * The health-check function's work: an `Instance Suspected` event probes that instance at once;
 * the schedule's tick probes every instance that is due and refreshes every service contract
 * (`contracts/scheduled-refresh.ts`), side by side, so a slow contract never delays a probe and a
 * failing one never stops the health checks. Each tick also writes this Region's heartbeat, which
 * peers read in `GET /peers` (`peers/heartbeat.ts`).
 */
import { DetailType } from "../core/wire.ts";
import {
  refreshAllContracts,
  type ScheduledRefreshDeps,
  type ScheduledRefreshSummary,
} from "./contracts/scheduled-refresh.ts";
import type { HealthCheckDeps, HealthCheckSummary } from "./health-check.ts";
import { consoleLogger, describeError } from "./logger.ts";
import { type HeartbeatDeps, recordHeartbeat } from "./peers/heartbeat.ts";
import { handleHealthCheckEvent } from "./suspect-probes.ts";

export interface ScheduledChecksDeps {
  readonly health: HealthCheckDeps;
  /** Built on the schedule's ticks only (it reads the workflow catalogue). @default no refresh */
  readonly contracts?: () => Promise<ScheduledRefreshDeps>;
  /** This Region's heartbeat, written on the schedule's ticks. @default none */
  readonly heartbeat?: HeartbeatDeps;
}

export interface ScheduledChecksSummary extends HealthCheckSummary {
  /** Absent on a suspect's probe, or when the refresh could not run (logged). */
  readonly contracts?: ScheduledRefreshSummary;
}

export async function handleScheduledChecks(
  event: unknown,
  deps: ScheduledChecksDeps,
): Promise<ScheduledChecksSummary> {
  const suspect =
    typeof event === "object" &&
    event !== null &&
    (event as { readonly "detail-type"?: unknown })["detail-type"] === DetailType.InstanceSuspected;
  if (suspect) return handleHealthCheckEvent(event, deps.health);
  const logger = deps.health.logger ?? consoleLogger;
  // Side by side with the probes; a failed write is logged, the next tick writes again.
  const heartbeat =
    deps.heartbeat === undefined
      ? undefined
      : recordHeartbeat(deps.heartbeat).catch((error: unknown) => {
          logger.warn("peer heartbeat not written", { error: describeError(error) });
        });
  if (deps.contracts === undefined) {
    const [health] = await Promise.all([handleHealthCheckEvent(event, deps.health), heartbeat]);
    return health;
  }
  const [health, contracts] = await Promise.all([
    handleHealthCheckEvent(event, deps.health),
    deps
      .contracts()
      .then(refreshAllContracts)
      .catch((error: unknown) => {
        logger.error("contract refresh failed", {
          error: describeError(error),
        });
        return undefined;
      }),
    heartbeat,
  ]);
  return contracts === undefined ? health : { ...health, contracts };
}
