/** The record updater's dependencies in AWS, built once per container (again after a failure). */
import type { ExecutionRecordsDeps } from "../execution-records.ts";
import { retentionDaysFromEnv } from "../records/keys.ts";
import { getCatalogue, refreshCatalogue } from "./catalogue-from-env.ts";
import { getClients } from "./clients.ts";
import { DynamoExecutionStore } from "./dynamo-execution-store.ts";
import { ENV, requireEnv } from "./env.ts";
import { getDefaultEventPublisher } from "./event-bridge-publisher.ts";
import { logger } from "./powertools-logger.ts";
import { readStateTrace } from "./sfn-engine.ts";

let deps: Promise<ExecutionRecordsDeps> | undefined;

export function executionRecordsDeps(): Promise<ExecutionRecordsDeps> {
  if (deps === undefined) {
    deps = (async () => {
      const catalogue = await getCatalogue();
      return {
        catalogue,
        store: new DynamoExecutionStore({
          client: getClients().dynamo,
          tableName: requireEnv(ENV.executionsTable),
          catalogue,
          retentionDays: retentionDaysFromEnv(process.env[ENV.retentionDays]),
        }),
        publisher: getDefaultEventPublisher(),
        // Standard executions have a history to read; express ones report no ARN here and no trace.
        trace: async (run) =>
          run.executionArn === undefined
            ? undefined
            : readStateTrace(getClients().sfn, run.executionArn),
        logger,
      };
    })();
    deps.catch(() => {
      deps = undefined; // a transient failure must not poison the container
    });
  }
  // The same catalogue object, brought up to date with the workflows table (TTL).
  return deps.then(async (ready) => {
    await refreshCatalogue();
    return ready;
  });
}
