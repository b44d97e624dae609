/**
 * Everything the API handlers use, injected as one object. `getDefaultApiDeps` builds the AWS
 * implementations once per container; tests and the local runtime pass their own.
 */
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { getClients } from "../aws/clients.ts";
import { getDefaultRegistryStore } from "../aws/default-registry-store.ts";
import { ENV, requireEnv } from "../aws/env.ts";
import { DynamoExecutionStore, type ExecutionStore } from "../aws/execution-store.ts";
import { SfnExecutionEngine } from "../aws/sfn-engine.ts";
import { DynamoSignalStore, type SignalStore } from "../aws/signal-store.ts";
import { type DeadLetterQueue, SqsDeadLetterQueue } from "../aws/sqs-dead-letter-queue.ts";
import { getCatalogue, type WorkflowCatalogue } from "../catalogue.ts";
import { getDefaultEventPublisher } from "../events.ts";
import type { ExecutionEngine } from "../execution-engine.ts";
import { retentionDaysFromEnv } from "../records/keys.ts";
import { applyEvent } from "../records/updater.ts";
import { RegistryService } from "../registry/service.ts";
import { InputValidator } from "./input-validation.ts";

/** A dependency probe for `GET /health`; resolves when the dependency answers. */
export interface HealthCheck {
  readonly name: string;
  readonly check: () => Promise<void>;
}

export interface ApiDeps {
  readonly catalogue: WorkflowCatalogue;
  readonly executions: ExecutionStore;
  readonly signals: SignalStore;
  readonly engine: ExecutionEngine;
  readonly registry: RegistryService;
  readonly dlq: DeadLetterQueue;
  readonly healthChecks: readonly HealthCheck[];
  readonly inputValidator: InputValidator;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  /** New execution ids (also the Step Functions execution name). @default randomUUID */
  readonly newId?: () => string;
}

let defaults: Promise<ApiDeps> | undefined;

/** AWS implementations from the environment, built once per container. */
export function getDefaultApiDeps(): Promise<ApiDeps> {
  if (defaults === undefined) {
    defaults = buildDefaultApiDeps();
    defaults.catch(() => {
      defaults = undefined; // retry on the next request instead of failing the container forever
    });
  }
  return defaults;
}

async function buildDefaultApiDeps(): Promise<ApiDeps> {
  const catalogue = await getCatalogue();
  const clients = getClients();
  const executionsTable = requireEnv(ENV.executionsTable);
  const registryTable = requireEnv(ENV.registryTable);
  const dlqUrl = requireEnv(ENV.dlqUrl);
  const retentionDays = retentionDaysFromEnv(process.env[ENV.retentionDays]);
  const executions = new DynamoExecutionStore({
    client: clients.dynamo,
    tableName: executionsTable,
    catalogue,
    retentionDays,
  });
  const publisher = getDefaultEventPublisher();
  const describeTable = (name: string) => async () => {
    await clients.dynamo.send(new DescribeTableCommand({ TableName: name }));
  };
  const dlq = new SqsDeadLetterQueue({
    client: clients.sqs,
    queueUrl: dlqUrl,
    publisher,
    redeliverForeign: async (event) => {
      await applyEvent(event, { store: executions, catalogue, publisher });
    },
  });
  return {
    catalogue,
    executions,
    signals: new DynamoSignalStore({
      client: clients.dynamo,
      tableName: executionsTable,
      retentionDays,
    }),
    engine: new SfnExecutionEngine({
      client: clients.sfn,
      stateMachineArn: (workflow) => catalogue.stateMachineArn(workflow),
      locate: async (id) => (await executions.get(id))?.workflow,
    }),
    registry: new RegistryService({ store: getDefaultRegistryStore(), events: publisher }),
    dlq,
    inputValidator: new InputValidator(),
    healthChecks: [
      { name: "executions", check: describeTable(executionsTable) },
      { name: "registry", check: describeTable(registryTable) },
      {
        name: "dlq",
        check: async () => {
          await dlq.count();
        },
      },
    ],
  };
}
