/**
 * Pause state in the executions table: item `pk=PAUSE#<id>, sk=PAUSE` with `paused`, `version`
 * (ADD 1 per change) and `bounces` (map step key → count, ADD per turned-away attempt). The
 * service-call handler reads it once per call attempt (eventually consistent: 0.5 RCU).
 */
import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import type { PauseState, PauseStore } from "../pause/pause-store.ts";

export interface DynamoPauseStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

const key = (executionId: string) => ({ pk: { S: `PAUSE#${executionId}` }, sk: { S: "PAUSE" } });

export class DynamoPauseStore implements PauseStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;

  constructor(options: DynamoPauseStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  async get(executionId: string): Promise<PauseState | undefined> {
    const result = await this.#client.send(
      new GetItemCommand({ TableName: this.#table, Key: key(executionId) }),
    );
    return result.Item === undefined ? undefined : toState(result.Item);
  }

  async set(executionId: string, paused: boolean): Promise<PauseState> {
    const result = await this.#client.send(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: key(executionId),
        UpdateExpression:
          "SET paused = :paused, bounces = if_not_exists(bounces, :none) ADD version :one",
        ExpressionAttributeValues: {
          ":paused": { BOOL: paused },
          ":none": { M: {} },
          ":one": { N: "1" },
        },
        ReturnValues: "ALL_NEW",
      }),
    );
    return toState(result.Attributes ?? {});
  }

  async bounce(executionId: string, stepKey: string): Promise<void> {
    await this.#client.send(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: key(executionId),
        UpdateExpression: "ADD bounces.#k :one",
        ConditionExpression: "attribute_exists(bounces)",
        ExpressionAttributeNames: { "#k": stepKey },
        ExpressionAttributeValues: { ":one": { N: "1" } },
      }),
    );
  }
}

function toState(
  item: Record<string, import("@aws-sdk/client-dynamodb").AttributeValue>,
): PauseState {
  const bounces: Record<string, number> = {};
  for (const [step, value] of Object.entries(item.bounces?.M ?? {}))
    bounces[step] = Number(value.N ?? 0);
  return {
    paused: item.paused?.BOOL === true,
    version: Number(item.version?.N ?? 0),
    bounces,
  };
}
