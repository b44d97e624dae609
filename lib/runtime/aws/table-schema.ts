/**
 * Table definitions for dynalite and tests, from the names in `lib/core/wire.ts` that the CDK stack
 * uses too, so every environment agrees on keys, the `byWorkflow` index and the TTL attribute.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { BY_WORKFLOW_INDEX, TABLE_KEYS, TTL_ATTRIBUTE } from "../../core/wire.ts";

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
        { AttributeName: TABLE_KEYS.partitionKey, AttributeType: "S" },
        { AttributeName: TABLE_KEYS.sortKey, AttributeType: "S" },
        { AttributeName: BY_WORKFLOW_INDEX.partitionKey, AttributeType: "S" },
        { AttributeName: BY_WORKFLOW_INDEX.sortKey, AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: "HASH" },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: BY_WORKFLOW_INDEX.name,
          KeySchema: [
            { AttributeName: BY_WORKFLOW_INDEX.partitionKey, KeyType: "HASH" },
            { AttributeName: BY_WORKFLOW_INDEX.sortKey, KeyType: "RANGE" },
          ],
          Projection: {
            ProjectionType: "INCLUDE",
            NonKeyAttributes: [...BY_WORKFLOW_INDEX.projected],
          },
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
        { AttributeName: TABLE_KEYS.partitionKey, AttributeType: "S" },
        { AttributeName: TABLE_KEYS.sortKey, AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: "HASH" },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: "RANGE" },
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

/** The workflows table (`lib/runtime/aws/dynamo-workflow-store.ts`): `pk`/`sk` strings, no index, no TTL. */
export function workflowsTable(tableName: string): TableDefinition {
  return registryTable(tableName);
}

/** The bus history (`lib/runtime/aws/dynamo-event-history.ts`): `pk`/`sk` strings, TTL, no index. */
export function eventsTable(tableName: string): TableDefinition {
  return { ...registryTable(tableName), ttlAttribute: TTL_ATTRIBUTE };
}
