/** The service-call task's dependencies in AWS, built once per container. */
import { CircuitBreaker } from "../circuit/breaker.ts";
import { systemClock } from "../circuit/clock.ts";
import { SharedLoad } from "../load/shared-load.ts";
import { CIRCUIT_READ_CACHE_MS, SERVE_STALE_MS, ServiceCache } from "../registry/cache.ts";
import type { ServiceCallDeps } from "../service-call.ts";
import { SuspectAnnouncer } from "../suspect-probes.ts";
import { getClients, xrayEmitter } from "./clients.ts";
import { getDefaultRegistryStore } from "./default-registry-store.ts";
import { DynamoLoadStore } from "./dynamo-load-store.ts";
import { DynamoPauseStore } from "./dynamo-pause-store.ts";
import { DynamoServiceLimitStore } from "./dynamo-service-limit-store.ts";
import { ENV } from "./env.ts";
import { getDefaultEventPublisher } from "./event-bridge-publisher.ts";
import { logger } from "./powertools-logger.ts";
import { SecretsManagerResolver } from "./secrets-manager-resolver.ts";
import { XRayCallTracer } from "./xray.ts";

let deps: ServiceCallDeps | undefined;

export function serviceCallDeps(): ServiceCallDeps {
  if (deps !== undefined) return deps;
  const store = getDefaultRegistryStore();
  const events = getDefaultEventPublisher();
  const announcer = new SuspectAnnouncer(events, systemClock, { logger });
  // Pause flags and service-limit counters live in the executions table (docs/limits-and-pause.md).
  const pausesTable = process.env[ENV.executionsTable];
  deps = {
    // Reads before a call are served from memory and refreshed in the background, so the step
    // timeout is the service's. The breaker is advisory: a circuit another container opened is
    // seen by the calls after the next background read, a second or so later.
    registry: new ServiceCache(store, { serveStaleMs: SERVE_STALE_MS }),
    circuit: new CircuitBreaker({
      store,
      events,
      logger,
      readCacheMs: CIRCUIT_READ_CACHE_MS,
      serveStaleMs: SERVE_STALE_MS,
    }),
    events,
    secrets: new SecretsManagerResolver(),
    clock: systemClock,
    onSuspect: (service, instance) => announcer.suspect(service, instance),
    // Each request is a subsegment, and the traceparent services get carries the X-Ray trace id.
    tracer: new XRayCallTracer(xrayEmitter),
    ...(pausesTable === undefined
      ? {}
      : {
          pauses: new DynamoPauseStore({ client: getClients().dynamo, tableName: pausesTable }),
          serviceLimits: new DynamoServiceLimitStore({
            client: getClients().dynamo,
            tableName: pausesTable,
          }),
          // Counted per call and read by least_outstanding (docs/service-load.md).
          load: new SharedLoad({
            store: new DynamoLoadStore({ client: getClients().dynamo, tableName: pausesTable }),
            clock: systemClock,
            onError: (what, error) => logger.warn(`${what} failed`, { error: String(error) }),
          }),
        }),
  };
  return deps;
}
