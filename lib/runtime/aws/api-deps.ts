/** The API's dependencies in AWS, from the environment, built once per container. */
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import type { ApiDeps } from "../api/deps.ts";
import { handleRequest } from "../api/handle.ts";
import { type ApiEvent, type ApiResponse, HttpProblem, problemResponse } from "../api/http.ts";
import { InputValidator } from "../api/input-validation.ts";
import type { Router } from "../api/router.ts";
import type { Logger } from "../logger.ts";
import { retentionDaysFromEnv } from "../records/keys.ts";
import { applyEvent } from "../records/updater.ts";
import { RegistryService } from "../registry/registry-service.ts";
import type { WorkflowCatalogue } from "../workflow-catalogue.ts";
import { syncDeployed } from "../workflows/deployed-sync.ts";
import type { ControlPlaneDeps } from "../workflows/versions.ts";
import { getCatalogue, refreshCatalogue } from "./catalogue-from-env.ts";
import { getClients } from "./clients.ts";
import { getDefaultRegistryStore } from "./default-registry-store.ts";
import { DynamoDriftStore } from "./dynamo-drift-store.ts";
import { DynamoExecutionStore } from "./dynamo-execution-store.ts";
import { DynamoLoadStore } from "./dynamo-load-store.ts";
import { DynamoPauseStore } from "./dynamo-pause-store.ts";
import { DynamoSignalStore } from "./dynamo-signal-store.ts";
import { DynamoSlotStore } from "./dynamo-slot-store.ts";
import { DynamoWorkflowStore } from "./dynamo-workflow-store.ts";
import { ENV, requireEnv } from "./env.ts";
import { getDefaultEventPublisher } from "./event-bridge-publisher.ts";
import { peersFromEnv } from "./peers-from-env.ts";
import { logger } from "./powertools-logger.ts";
import { SfnExecutionEngine } from "./sfn-engine.ts";
import { SfnWorkflowDeployer } from "./sfn-workflow-deployer.ts";
import { SqsDeadLetterQueue } from "./sqs-dead-letter-queue.ts";

let defaults: Promise<ApiDeps> | undefined;

/** AWS implementations from the environment, built once per container. */
function getDefaultApiDeps(): Promise<ApiDeps> {
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
  const controlPlane = await openControlPlane(catalogue, clients);
  return {
    catalogue,
    ...(controlPlane === undefined ? {} : { controlPlane }),
    executions,
    signals: new DynamoSignalStore({
      client: clients.dynamo,
      tableName: executionsTable,
      retentionDays,
    }),
    engine: new SfnExecutionEngine({
      client: clients.sfn,
      stateMachineArn: (workflow, version) => catalogue.stateMachineArn(workflow, version),
      locate: async (id) => (await executions.get(id))?.workflow,
    }),
    slots: new DynamoSlotStore({ client: clients.dynamo, tableName: executionsTable }),
    load: new DynamoLoadStore({ client: clients.dynamo, tableName: executionsTable }),
    pauses: new DynamoPauseStore({ client: clients.dynamo, tableName: executionsTable }),
    events: publisher,
    registry: new RegistryService({ store: getDefaultRegistryStore(), events: publisher }),
    drift: new DynamoDriftStore({ client: clients.dynamo, tableName: registryTable }),
    ...(process.env.AWS_REGION === undefined ? {} : { region: process.env.AWS_REGION }),
    peers: peersFromEnv(),
    dlq,
    inputValidator: new InputValidator(),
    logger,
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

/**
 * The workflows table and the Step Functions deployer, when the stack configured them. At a
 * container's start the deployed workflows (the bundled catalogue) are synced into the table's
 * version history (idempotent; a newer deploy goes live), then the table is read.
 */
async function openControlPlane(
  catalogue: WorkflowCatalogue,
  clients: ReturnType<typeof getClients>,
): Promise<ControlPlaneDeps | undefined> {
  const tableName = process.env[ENV.workflowsTable];
  if (tableName === undefined || tableName === "") return undefined;
  const store = new DynamoWorkflowStore({ client: clients.dynamo, tableName });
  const deployer = new SfnWorkflowDeployer({
    client: clients.sfn,
    stateMachineArnPrefix: requireEnv(ENV.stateMachineArnPrefix),
    roleArn: requireEnv(ENV.runtimeRoleArn),
    serviceCallArn: requireEnv(ENV.serviceCallArn),
    awaitSignalArn: requireEnv(ENV.awaitSignalArn),
    eventBusName: requireEnv(ENV.eventBus),
  });
  await syncDeployed(
    { store, deployer, catalogue },
    catalogue.list().map((entry) => ({ entry })),
    logger,
  );
  await refreshCatalogue();
  return { store, deployer };
}

/** One API request in AWS: 503 (with the reason in the log) while the environment is incomplete. */
export async function handleWithDefaults(
  event: ApiEvent,
  log: Logger,
  /** No default: a default would bundle every API route into the publish function too. */
  router: Router<ApiDeps>,
  /** Adds what only this function's routes use (the publish function's templates). */
  extend: (deps: ApiDeps) => ApiDeps = (deps) => deps,
): Promise<ApiResponse> {
  let deps: ApiDeps;
  try {
    deps = await getDefaultApiDeps();
  } catch (error) {
    log.error("API not configured", { error: String(error) });
    return problemResponse(
      new HttpProblem(
        503,
        "unavailable",
        "Service unavailable",
        "The API is not configured; see the logs.",
      ),
    );
  }
  try {
    await refreshCatalogue();
  } catch (error) {
    // A stale catalogue still serves: the next request tries the table again.
    log.warn("workflow catalogue not refreshed", { error: String(error) });
  }
  return handleRequest(router, event, extend(deps));
}
