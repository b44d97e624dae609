/**
 * Table definitions shared by the CDK stack, the local runtime (dynalite) and tests, so every
 * environment agrees on keys, the `byWorkflow` index and the TTL attribute.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";

/** Key attributes of the executions table (`pk`/`sk`, both strings). */
export const EXECUTIONS_KEYS = { partitionKey: "pk", sortKey: "sk" } as const;

/** Global secondary index listing a workflow's executions newest first. */
export const BY_WORKFLOW_INDEX = {
  name: "byWorkflow",
  partitionKey: "gsi1pk",
  sortKey: "gsi1sk",
} as const;

/** Epoch seconds after which DynamoDB deletes the item. */
export const TTL_ATTRIBUTE = "expiresAt";

export interface TableDefinition {
  readonly create: CreateTableCommandInput;
  /** TTL attribute to enable after creation, if any. */
  readonly ttlAttribute?: string;
}

export function executionsTable(tableName: string): TableDefinition {
  return {
    create: {
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: EXECUTIONS_KEYS.partitionKey, AttributeType: "S" },
        { AttributeName: EXECUTIONS_KEYS.sortKey, AttributeType: "S" },
        { AttributeName: BY_WORKFLOW_INDEX.partitionKey, AttributeType: "S" },
        { AttributeName: BY_WORKFLOW_INDEX.sortKey, AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: EXECUTIONS_KEYS.partitionKey, KeyType: "HASH" },
        { AttributeName: EXECUTIONS_KEYS.sortKey, KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: BY_WORKFLOW_INDEX.name,
          KeySchema: [
            { AttributeName: BY_WORKFLOW_INDEX.partitionKey, KeyType: "HASH" },
            { AttributeName: BY_WORKFLOW_INDEX.sortKey, KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
      ],
    },
    ttlAttribute: TTL_ATTRIBUTE,
  };
}

/** The registry table (`lib/runtime/aws/dynamo-registry-store.ts`): `pk`/`sk` strings, no index, no TTL. */
export function registryTable(tableName: string): TableDefinition {
  return {
    create: {
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
    },
  };
}

/**
 * Creates a table unless it exists (local runtime and tests). DynamoDB Local-style emulators that do
 * not support TTL are tolerated: TTL only matters in AWS, where CDK enables it.
 */
export async function ensureTable(
  client: DynamoDBClient,
  definition: TableDefinition,
): Promise<void> {
  try {
    await client.send(new CreateTableCommand(definition.create));
  } catch (error) {
    if (
      !(error instanceof ResourceInUseException) &&
      (error as Error).name !== "ResourceInUseException"
    )
      throw error;
    return;
  }
  if (definition.ttlAttribute === undefined) return;
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: definition.create.TableName,
        TimeToLiveSpecification: { AttributeName: definition.ttlAttribute, Enabled: true },
      }),
    );
  } catch {
    // Emulators without TTL support: items simply never expire locally.
  }
}
