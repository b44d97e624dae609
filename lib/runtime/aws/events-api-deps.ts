/** The bus Lambda's dependencies in AWS (`functions/events.ts`), from the environment, once per container. */
import type { EventsApiDeps } from "../api/deps.ts";
import { eventsRouter } from "../api/events-app.ts";
import { handleRequest } from "../api/handle.ts";
import type { ApiEvent, ApiResponse } from "../api/http.ts";
import { retentionDaysFromEnv } from "../records/keys.ts";
import { getClients } from "./clients.ts";
import { DynamoEventHistory } from "./dynamo-event-history.ts";
import { ENV, requireEnv } from "./env.ts";
import { EventBridgeReplayer } from "./event-bridge-replayer.ts";
import { EventBridgeWriter } from "./event-bridge-writer.ts";
import { logger } from "./powertools-logger.ts";

let deps: EventsApiDeps | undefined;

/** What the environment configures; a missing part answers 503 on its routes only. */
export function eventsApiDeps(): EventsApiDeps {
  if (deps !== undefined) return deps;
  const clients = getClients();
  const bus = process.env[ENV.eventBus];
  const table = process.env[ENV.eventsTable];
  const archive = process.env[ENV.eventArchiveArn];
  deps = {
    logger,
    ...(bus ? { bus: new EventBridgeWriter(clients.events, bus) } : {}),
    ...(table
      ? {
          history: new DynamoEventHistory({
            client: clients.dynamo,
            tableName: table,
            retentionDays: retentionDaysFromEnv(process.env[ENV.retentionDays]),
          }),
        }
      : {}),
    ...(archive
      ? {
          replayer: new EventBridgeReplayer({
            client: clients.events,
            archiveArn: archive,
            eventBusArn: requireEnv(ENV.eventBusArn),
            namePrefix: requireEnv(ENV.replayNamePrefix),
          }),
        }
      : {}),
  };
  return deps;
}

export const handleEventsRequest = (event: ApiEvent): Promise<ApiResponse> =>
  handleRequest(eventsRouter, event, eventsApiDeps());
