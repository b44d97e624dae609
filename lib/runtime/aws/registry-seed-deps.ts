/** The registry seed's dependencies in AWS: the registry table, the bus for its events. */
import { RegistryService } from "../registry/registry-service.ts";
import { urlPolicyFromEnv } from "../registry/url-policy.ts";
import { getDefaultRegistryStore } from "./default-registry-store.ts";
import { getDefaultEventPublisher } from "./event-bridge-publisher.ts";
import { logger } from "./powertools-logger.ts";
import type { SeedResourceDeps } from "./registry-seed-resource.ts";

export function registrySeedDeps(): SeedResourceDeps {
  const policy = urlPolicyFromEnv();
  return {
    registry: new RegistryService({
      store: getDefaultRegistryStore(),
      events: getDefaultEventPublisher(),
      policy,
    }),
    policy,
    logger,
  };
}
