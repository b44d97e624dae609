/**
 * Service limits in the executions table (it has TTL; `limits/service-limiter.ts`), UpdateItem with
 * conditions only (the service-call role may do nothing else there):
 * - slot `pk=LIMIT#<service>, sk=SLOT#<n>`: `holder`, `leaseUntil`; taken when absent, expired or
 *   released (`leaseUntil = 0`);
 * - rate window `pk=LIMIT#<service>, sk=RATE#<window start ms>`: `n`, ADD 1 while `n < capacity`,
 *   with `expiresAt` for TTL.
 */
import { type DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { TTL_ATTRIBUTE } from "../../core/wire.ts";
import type { ServiceLimitStore } from "../limits/service-limiter.ts";
import { isConditionalCheckFailed } from "../throttling.ts";

export interface DynamoServiceLimitStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

export class DynamoServiceLimitStore implements ServiceLimitStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;

  constructor(options: DynamoServiceLimitStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  async takeSlot(
    service: string,
    slot: number,
    holder: string,
    leaseUntil: number,
    now: number,
  ): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { pk: { S: `LIMIT#${service}` }, sk: { S: `SLOT#${slot}` } },
          UpdateExpression: "SET holder = :me, leaseUntil = :until, #ttl = :ttl",
          ConditionExpression:
            "attribute_not_exists(leaseUntil) OR leaseUntil < :now OR holder = :me",
          ExpressionAttributeNames: { "#ttl": TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ":now": { N: String(now) },
            ":me": { S: holder },
            ":until": { N: String(leaseUntil) },
            ":ttl": { N: String(Math.ceil(leaseUntil / 1000) + 3600) },
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async releaseSlot(service: string, slot: number, holder: string): Promise<void> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { pk: { S: `LIMIT#${service}` }, sk: { S: `SLOT#${slot}` } },
          UpdateExpression: "SET leaseUntil = :zero",
          ConditionExpression: "holder = :me",
          ExpressionAttributeValues: { ":me": { S: holder }, ":zero": { N: "0" } },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async takeToken(
    service: string,
    windowStart: number,
    capacity: number,
    expiresAt: number,
  ): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { pk: { S: `LIMIT#${service}` }, sk: { S: `RATE#${windowStart}` } },
          UpdateExpression: "ADD #n :one SET #ttl = :ttl",
          ConditionExpression: "attribute_not_exists(#n) OR #n < :capacity",
          ExpressionAttributeNames: { "#n": "n", "#ttl": TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ":one": { N: "1" },
            ":capacity": { N: String(capacity) },
            ":ttl": { N: String(expiresAt) },
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}
