/**
 * Load counters in the executions table (it has TTL; `load/load-store.ts`): one item per service,
 * minute slot and instance, `pk=LOAD#<service>, sk=<slot, 10 digits>#<instance>`, with `calls`,
 * `inFlight` and `failures` changed by ADD (no read before a write) and `expiresAt` an hour after
 * the longest window the load route reads. A read is one eventually consistent Query from a slot.
 */
import { type DynamoDBClient, QueryCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { TTL_ATTRIBUTE } from "../../core/wire.ts";
import {
  type InstanceLoadStore,
  type LoadCounter,
  MAX_WINDOW_SECONDS,
  SLOT_MS,
} from "../load/load-store.ts";
import { allItems } from "./dynamo-pages.ts";

export interface DynamoLoadStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

const slotKey = (slot: number): string => String(slot).padStart(10, "0");

export class DynamoLoadStore implements InstanceLoadStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;

  constructor(options: DynamoLoadStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  started(service: string, instanceId: string, slot: number): Promise<void> {
    return this.#add(service, instanceId, slot, "ADD calls :one, inFlight :one", { ":one": "1" });
  }

  finished(service: string, instanceId: string, slot: number, failed: boolean): Promise<void> {
    return failed
      ? this.#add(service, instanceId, slot, "ADD inFlight :minus, failures :one", {
          ":minus": "-1",
          ":one": "1",
        })
      : this.#add(service, instanceId, slot, "ADD inFlight :minus", { ":minus": "-1" });
  }

  async read(service: string, fromSlot: number): Promise<readonly LoadCounter[]> {
    const items = await allItems((start) =>
      this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: "pk = :pk AND sk >= :from",
          ExpressionAttributeValues: {
            ":pk": { S: `LOAD#${service}` },
            ":from": { S: slotKey(fromSlot) },
          },
          ProjectionExpression: "sk, calls, inFlight, failures",
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      ),
    );
    return items.flatMap((item) => {
      const sk = item.sk?.S ?? "";
      const cut = sk.indexOf("#");
      if (cut < 0) return [];
      return [
        {
          slot: Number(sk.slice(0, cut)),
          instanceId: sk.slice(cut + 1),
          calls: Number(item.calls?.N ?? 0),
          inFlight: Number(item.inFlight?.N ?? 0),
          failures: Number(item.failures?.N ?? 0),
        },
      ];
    });
  }

  async #add(
    service: string,
    instanceId: string,
    slot: number,
    update: string,
    values: Readonly<Record<string, string>>,
  ): Promise<void> {
    const expiresAt = Math.ceil(((slot + 1) * SLOT_MS) / 1000) + MAX_WINDOW_SECONDS + 3600;
    await this.#client.send(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: { pk: { S: `LOAD#${service}` }, sk: { S: `${slotKey(slot)}#${instanceId}` } },
        UpdateExpression: `${update} SET #ttl = :ttl`,
        ExpressionAttributeNames: { "#ttl": TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ...Object.fromEntries(Object.entries(values).map(([k, n]) => [k, { N: n }])),
          ":ttl": { N: String(expiresAt) },
        },
      }),
    );
  }
}
