/** The scheduled health check's dependencies in AWS. */
import { systemClock } from "../circuit/clock.ts";
import type { HealthCheckDeps } from "../health-check.ts";
import { getDefaultRegistryStore } from "./default-registry-store.ts";
import { getDefaultEventPublisher } from "./event-bridge-publisher.ts";
import { logger } from "./powertools-logger.ts";
import { SecretsManagerResolver } from "./secrets-manager-resolver.ts";

export function healthCheckDeps(): HealthCheckDeps {
  return {
    registry: getDefaultRegistryStore(),
    events: getDefaultEventPublisher(),
    clock: systemClock,
    // Probes send the service's configured headers (an API key, say), like calls do.
    secrets: new SecretsManagerResolver(),
    logger,
  };
}
