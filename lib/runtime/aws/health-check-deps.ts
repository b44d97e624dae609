/** The scheduled health check's dependencies in AWS, with the contract refresh it also runs. */

import { systemClock } from "../circuit/clock.ts";
import type { ScheduledRefreshDeps } from "../contracts/scheduled-refresh.ts";
import type { ScheduledChecksDeps } from "../scheduled-checks.ts";
import { refreshCatalogue } from "./catalogue-from-env.ts";
import { getClients } from "./clients.ts";
import { getDefaultRegistryStore } from "./default-registry-store.ts";
import { DynamoDriftStore } from "./dynamo-drift-store.ts";
import { ENV, requireEnv } from "./env.ts";
import { getDefaultEventPublisher } from "./event-bridge-publisher.ts";
import { heartbeatFromEnv } from "./peers-from-env.ts";
import { logger } from "./powertools-logger.ts";
import { SecretsManagerResolver } from "./secrets-manager-resolver.ts";

export function healthCheckDeps(): ScheduledChecksDeps {
  const registry = getDefaultRegistryStore();
  const events = getDefaultEventPublisher();
  const heartbeat = heartbeatFromEnv();
  return {
    ...(heartbeat === undefined ? {} : { heartbeat }),
    health: {
      registry,
      events,
      clock: systemClock,
      // Probes send the service's configured headers (an API key, say), like calls do.
      secrets: new SecretsManagerResolver(),
      logger,
    },
    contracts: async (): Promise<ScheduledRefreshDeps> => ({
      registry,
      events,
      catalogue: await refreshCatalogue(),
      drift: new DynamoDriftStore({
        client: getClients().dynamo,
        tableName: requireEnv(ENV.registryTable),
      }),
      ...(process.env.AWS_REGION === undefined ? {} : { region: process.env.AWS_REGION }),
      logger,
    }),
  };
}
