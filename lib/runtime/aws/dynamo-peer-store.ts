/**
 * Peer heartbeats on the registry table, one partition for all Regions: `pk = PEERS`,
 * `sk = PEER#<region>`. The table is global with peers, so each Region writes only its own item
 * and reads every Region's with one Query. The partition has no `META` item, so the registry's
 * scans (`listServices`) never take it for a service.
 */
import { type DynamoDBClient, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import type { PeerHeartbeat, PeerStore } from "../peers/peer-store.ts";
import { type Item, N, readNullableN, readNullableS, S } from "./dynamo-attributes.ts";
import { allItems } from "./dynamo-pages.ts";

export const PEERS_PK = "PEERS";
export const PEER_PREFIX = "PEER#";

export interface DynamoPeerStoreOptions {
  readonly client: DynamoDBClient;
  /** The registry table. */
  readonly tableName: string;
}

export class DynamoPeerStore implements PeerStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;

  constructor(options: DynamoPeerStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  async put(heartbeat: PeerHeartbeat): Promise<void> {
    await this.#client.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: {
          pk: S(PEERS_PK),
          sk: S(`${PEER_PREFIX}${heartbeat.region}`),
          region: S(heartbeat.region),
          apiUrl: S(heartbeat.apiUrl),
          lastSeen: N(heartbeat.lastSeen),
        },
      }),
    );
  }

  async list(): Promise<PeerHeartbeat[]> {
    const items = await allItems((start) =>
      this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": S(PEERS_PK) },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      ),
    );
    return items
      .flatMap((item) => heartbeatOf(item) ?? [])
      .sort((a, b) => a.region.localeCompare(b.region));
  }
}

/** The heartbeat; undefined for an item that is not one (written by hand, say). */
function heartbeatOf(item: Item): PeerHeartbeat | undefined {
  const region = readNullableS(item, "region");
  const apiUrl = readNullableS(item, "apiUrl");
  const lastSeen = readNullableN(item, "lastSeen");
  if (region === null || apiUrl === null || lastSeen === null) return undefined;
  return { region, apiUrl, lastSeen };
}
