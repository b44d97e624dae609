/** The history writer's dependencies in AWS (`functions/event-history.ts`), once per container. */
import type { RecordHistoryDeps } from "../history/record-history.ts";
import { retentionDaysFromEnv } from "../records/keys.ts";
import { getClients } from "./clients.ts";
import { DynamoEventHistory } from "./dynamo-event-history.ts";
import { ENV, requireEnv } from "./env.ts";
import { logger } from "./powertools-logger.ts";

let deps: RecordHistoryDeps | undefined;

export function eventHistoryDeps(): RecordHistoryDeps {
  deps ??= {
    store: new DynamoEventHistory({
      client: getClients().dynamo,
      tableName: requireEnv(ENV.eventsTable),
      retentionDays: retentionDaysFromEnv(process.env[ENV.retentionDays]),
    }),
    logger,
  };
  return deps;
}
