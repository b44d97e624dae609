/** The start-execution handler's dependencies in AWS, built once per container (again after a failure). */
import { retentionDaysFromEnv } from "../records/keys.ts";
import { StartAdmission } from "../start-admission.ts";
import type { TriggeredStartDeps } from "../triggered-start.ts";
import { getCatalogue, refreshCatalogue } from "./catalogue-from-env.ts";
import { getClients } from "./clients.ts";
import { DynamoExecutionStore } from "./dynamo-execution-store.ts";
import { DynamoSignalStore } from "./dynamo-signal-store.ts";
import { DynamoSlotStore } from "./dynamo-slot-store.ts";
import { ENV, requireEnv } from "./env.ts";
import { getDefaultEventPublisher } from "./event-bridge-publisher.ts";
import { logger } from "./powertools-logger.ts";
import { SfnExecutionEngine } from "./sfn-engine.ts";
import { SqsRefusedStarts } from "./sqs-refused-starts.ts";

let deps: Promise<TriggeredStartDeps> | undefined;

export function startExecutionDeps(): Promise<TriggeredStartDeps> {
  if (deps === undefined) {
    deps = (async () => {
      const catalogue = await getCatalogue();
      const clients = getClients();
      const tableName = requireEnv(ENV.executionsTable);
      const retentionDays = retentionDaysFromEnv(process.env[ENV.retentionDays]);
      const executions = new DynamoExecutionStore({
        client: clients.dynamo,
        tableName,
        catalogue,
        retentionDays,
      });
      return {
        catalogue,
        executions,
        signals: new DynamoSignalStore({ client: clients.dynamo, tableName, retentionDays }),
        engine: new SfnExecutionEngine({
          client: clients.sfn,
          stateMachineArn: (workflow, version) => catalogue.stateMachineArn(workflow, version),
          locate: async (id) => (await executions.get(id))?.workflow,
        }),
        slots: new DynamoSlotStore({ client: clients.dynamo, tableName }),
        events: getDefaultEventPublisher(),
        admission: new StartAdmission(catalogue, getDefaultEventPublisher()),
        refused: new SqsRefusedStarts(clients.sqs, requireEnv(ENV.dlqUrl)),
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
