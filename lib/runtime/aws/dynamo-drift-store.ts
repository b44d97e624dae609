/**
 * Stored drift on the registry table, beside the service it is about: `pk = SERVICE#<name>`,
 * `sk = DRIFT#<region>`, the record as JSON text. Deregistering a service deletes its partition,
 * its drift with it; with peer Regions the table is global, so every Region reads every Region's
 * drift and each writes only its own key.
 */
import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import { type ContractCheckRecord, type DriftStore, storable } from "../contracts/drift-store.ts";
import { type Item, readS, S } from "./dynamo-attributes.ts";
import { allItems } from "./dynamo-pages.ts";
import { key } from "./registry-items.ts";

export const DRIFT_PREFIX = "DRIFT#";

export interface DynamoDriftStoreOptions {
  readonly client: DynamoDBClient;
  /** The registry table. */
  readonly tableName: string;
}

export class DynamoDriftStore implements DriftStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;

  constructor(options: DynamoDriftStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  async get(service: string, region: string): Promise<ContractCheckRecord | undefined> {
    const result = await this.#client.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: key(service, `${DRIFT_PREFIX}${region}`),
        ConsistentRead: true,
      }),
    );
    return result.Item === undefined ? undefined : recordOf(result.Item);
  }

  async list(): Promise<ContractCheckRecord[]> {
    const items = await allItems((start) =>
      this.#client.send(
        new ScanCommand({
          TableName: this.#table,
          FilterExpression: "begins_with(sk, :drift)",
          ExpressionAttributeValues: { ":drift": S(DRIFT_PREFIX) },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      ),
    );
    return items
      .flatMap((item) => recordOf(item) ?? [])
      .sort((a, b) => a.service.localeCompare(b.service) || a.region.localeCompare(b.region));
  }

  async put(record: ContractCheckRecord): Promise<void> {
    await this.#client.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: {
          ...key(record.service, `${DRIFT_PREFIX}${record.region}`),
          record: S(JSON.stringify(storable(record))),
        },
      }),
    );
  }
}

/** The stored record; undefined for an item that is not one (written by hand, say). */
function recordOf(item: Item): ContractCheckRecord | undefined {
  try {
    const value = JSON.parse(readS(item, "record", "")) as Partial<ContractCheckRecord>;
    if (typeof value.service !== "string" || typeof value.region !== "string") return undefined;
    if (!Array.isArray(value.drift) || typeof value.checkedAt !== "string") return undefined;
    return value as ContractCheckRecord;
  } catch {
    return undefined;
  }
}
