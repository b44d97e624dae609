/**
 * The registry on DynamoDB (table `BATON_REGISTRY_TABLE`, keys `pk`/`sk`). Plain items and
 * conditional writes only: no transactions, no PartiQL. Also the circuit store, since the circuit
 * lives in the same partition (`sk = CIRCUIT`) and `getService` reads it with one Query.
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { CallCounts, CircuitStore } from "../circuit/circuit-store.ts";
import { type Clock, systemClock } from "../circuit/clock.ts";
import { UnknownServiceError } from "../errors.ts";
import {
  type CallBucket,
  type CircuitRecord,
  INITIAL_HEALTH,
  type InstanceEntry,
  type InstanceHealth,
  type InstanceRecord,
  type ServiceEntry,
  type ServiceRecord,
  settingsOf,
} from "../registry/registry-model.ts";
import type { PutResult, RegistryStore } from "../registry/registry-store.ts";
import { BOOL, type Item, N, NULL, S } from "./dynamo-attributes.ts";
import { allItems } from "./dynamo-pages.ts";
import {
  CALLS_PREFIX,
  CIRCUIT_SK,
  circuitFromItem,
  circuitItem,
  INSTANCE_PREFIX,
  instanceFromItem,
  instanceSk,
  key,
  META_SK,
  metaFromItem,
  servicePk,
  settingsAttributes,
} from "./registry-items.ts";

/** `bucket` is a DynamoDB reserved word; the counters are named alike for symmetry. */
const CALL_NAMES = { "#bucket": "bucket", "#calls": "calls", "#failures": "failures" } as const;

export interface DynamoRegistryStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly clock?: Clock;
}

export class DynamoRegistryStore implements RegistryStore, CircuitStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #clock: Clock;

  constructor(options: DynamoRegistryStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#clock = options.clock ?? systemClock;
  }

  async getService(name: string): Promise<ServiceRecord | undefined> {
    const items = await this.#queryPartition(name);
    return toServiceRecord(items);
  }

  async listServices(): Promise<ServiceRecord[]> {
    const partitions = new Map<string, Item[]>();
    const items = await allItems((start) =>
      this.#client.send(
        new ScanCommand({ TableName: this.#table, ExclusiveStartKey: start, ConsistentRead: true }),
      ),
    );
    for (const item of items) {
      const pk = item.pk?.S;
      if (pk === undefined) continue;
      const list = partitions.get(pk) ?? [];
      list.push(item);
      partitions.set(pk, list);
    }
    const services = [...partitions.values()].flatMap((items) => toServiceRecord(items) ?? []);
    return services.sort((a, b) => a.name.localeCompare(b.name));
  }

  async putService(entry: ServiceEntry): Promise<PutResult> {
    const now = this.#clock.now();
    const meta = await this.#client.send(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: key(entry.name, META_SK),
        ...updateExpression(
          { ...settingsAttributes(settingsOf(entry)), updatedAt: N(now) },
          { createdAt: N(now) },
        ),
        ReturnValues: "UPDATED_OLD",
      }),
    );
    const keep = new Set(entry.instances.map((instance) => instance.id));
    const existing = await this.#queryPartition(entry.name);
    await Promise.all([
      ...entry.instances.map((instance) => this.#upsertInstance(entry.name, instance, now)),
      ...existing
        .map((item) => item.sk?.S ?? "")
        .filter(
          (sk) => sk.startsWith(INSTANCE_PREFIX) && !keep.has(sk.slice(INSTANCE_PREFIX.length)),
        )
        .map((sk) =>
          this.#client.send(
            new DeleteItemCommand({ TableName: this.#table, Key: key(entry.name, sk) }),
          ),
        ),
    ]);
    return { created: meta.Attributes?.createdAt === undefined };
  }

  async deleteService(name: string): Promise<boolean> {
    const existed = await this.#deleteIfExists(key(name, META_SK));
    // META goes first so the service disappears at once; then its instances and circuit.
    const rest = await this.#queryPartition(name);
    await Promise.all(
      rest.map((item) =>
        this.#client.send(
          new DeleteItemCommand({ TableName: this.#table, Key: key(name, item.sk?.S ?? "") }),
        ),
      ),
    );
    return existed;
  }

  async putInstance(service: string, instance: InstanceEntry): Promise<PutResult> {
    const meta = await this.#client.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: key(service, META_SK),
        ProjectionExpression: "pk",
        ConsistentRead: true,
      }),
    );
    if (meta.Item === undefined) {
      throw new UnknownServiceError(
        `Service ${service} is not registered; PUT /services/${service} first.`,
      );
    }
    return this.#upsertInstance(service, instance, this.#clock.now());
  }

  deleteInstance(service: string, instanceId: string): Promise<boolean> {
    return this.#deleteIfExists(key(service, instanceSk(instanceId)));
  }

  async setInstanceHealth(
    service: string,
    instanceId: string,
    health: InstanceHealth,
  ): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: key(service, instanceSk(instanceId)),
          ...updateExpression(healthAttributes(health), {}),
          ConditionExpression: "attribute_exists(pk)",
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async readCircuit(service: string): Promise<CircuitRecord> {
    const result = await this.#client.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: key(service, CIRCUIT_SK),
        ConsistentRead: true,
      }),
    );
    return circuitFromItem(result.Item);
  }

  async writeCircuit(
    service: string,
    next: CircuitRecord,
    expectedVersion: number,
  ): Promise<boolean> {
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: circuitItem(service, next),
          ...(expectedVersion === 0
            ? { ConditionExpression: "attribute_not_exists(pk)" }
            : {
                ConditionExpression: "#version = :expected",
                ExpressionAttributeNames: { "#version": "version" },
                ExpressionAttributeValues: { ":expected": N(expectedVersion) },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async countCalls(
    service: string,
    bucket: number,
    slots: number,
    counts: CallCounts,
  ): Promise<void> {
    const slotKey = key(service, `${CALLS_PREFIX}${bucket % slots}`);
    const values = { ":bucket": N(bucket), ":one": N(counts.calls), ":failed": N(counts.failures) };
    // Two tries of add-then-reset settle every race: a reset lost to another caller's reset of the
    // same bucket is followed by an add that then succeeds.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        await this.#client.send(
          new UpdateItemCommand({
            TableName: this.#table,
            Key: slotKey,
            UpdateExpression: "ADD #calls :one, #failures :failed",
            ConditionExpression: "#bucket = :bucket",
            ExpressionAttributeNames: CALL_NAMES,
            ExpressionAttributeValues: values,
          }),
        );
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      try {
        await this.#client.send(
          new PutItemCommand({
            TableName: this.#table,
            Item: {
              ...slotKey,
              bucket: N(bucket),
              calls: N(counts.calls),
              failures: N(counts.failures),
            },
            ConditionExpression: "attribute_not_exists(pk) OR #bucket < :bucket",
            ExpressionAttributeNames: { "#bucket": "bucket" },
            ExpressionAttributeValues: { ":bucket": N(bucket) },
          }),
        );
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    // The slot holds a newer bucket: this call is older than the window and does not count.
  }

  async readCalls(service: string): Promise<readonly CallBucket[]> {
    const result = await this.#client.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": S(servicePk(service)), ":prefix": S(CALLS_PREFIX) },
        ConsistentRead: true,
      }),
    );
    return (result.Items ?? []).map((item) => ({
      bucket: Number(item.bucket?.N ?? 0),
      calls: Number(item.calls?.N ?? 0),
      failures: Number(item.failures?.N ?? 0),
    }));
  }

  async #upsertInstance(service: string, instance: InstanceEntry, now: number): Promise<PutResult> {
    const result = await this.#client.send(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: key(service, instanceSk(instance.id)),
        ...updateExpression(
          {
            id: S(instance.id),
            url: S(instance.url),
            weight: N(instance.weight),
            lastHeartbeatAt: N(now),
          },
          { registeredAt: N(now), ...healthAttributes(INITIAL_HEALTH) },
        ),
        ReturnValues: "UPDATED_OLD",
      }),
    );
    const previousUrl = result.Attributes?.url?.S;
    if (previousUrl !== undefined && previousUrl !== instance.url) {
      await this.#resetHealth(service, instance);
    }
    return { created: result.Attributes?.registeredAt === undefined };
  }

  /**
   * An instance that moved to another URL starts with fresh health: what was probed was the old
   * address. Conditional on the new URL, so a later move is not overwritten.
   */
  async #resetHealth(service: string, instance: InstanceEntry): Promise<void> {
    const update = updateExpression(healthAttributes(INITIAL_HEALTH), {});
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: key(service, instanceSk(instance.id)),
          ...update,
          ConditionExpression: "#url = :url",
          ExpressionAttributeNames: { ...update.ExpressionAttributeNames, "#url": "url" },
          ExpressionAttributeValues: {
            ...update.ExpressionAttributeValues,
            ":url": S(instance.url),
          },
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== "ConditionalCheckFailedException") throw error;
    }
  }

  async #deleteIfExists(itemKey: Item): Promise<boolean> {
    try {
      await this.#client.send(
        new DeleteItemCommand({
          TableName: this.#table,
          Key: itemKey,
          ConditionExpression: "attribute_exists(pk)",
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async #queryPartition(name: string): Promise<Item[]> {
    return allItems((start) =>
      this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": S(servicePk(name)) },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      ),
    );
  }
}

function healthAttributes(health: InstanceHealth): Item {
  return {
    healthy: BOOL(health.healthy),
    consecutiveFailures: N(health.consecutiveFailures),
    consecutiveSuccesses: N(health.consecutiveSuccesses),
    lastCheckedAt: health.lastCheckedAt === null ? NULL : N(health.lastCheckedAt),
    lastReason: health.lastReason === null ? NULL : S(health.lastReason),
  };
}

/** `SET #a = :a, #b = if_not_exists(#b, :b)` with every name and value as a placeholder. */
function updateExpression(
  set: Item,
  setIfMissing: Item,
): {
  UpdateExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Item;
} {
  const names: Record<string, string> = {};
  const values: Item = {};
  const clauses: string[] = [];
  let index = 0;
  const add = (attribute: string, value: AttributeValue, ifMissing: boolean): void => {
    const name = `#a${index}`;
    const placeholder = `:v${index}`;
    index += 1;
    names[name] = attribute;
    values[placeholder] = value;
    clauses.push(
      ifMissing ? `${name} = if_not_exists(${name}, ${placeholder})` : `${name} = ${placeholder}`,
    );
  };
  for (const [attribute, value] of Object.entries(set)) add(attribute, value, false);
  for (const [attribute, value] of Object.entries(setIfMissing)) add(attribute, value, true);
  return {
    UpdateExpression: `SET ${clauses.join(", ")}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

function toServiceRecord(items: readonly Item[]): ServiceRecord | undefined {
  const metaItem = items.find((item) => item.sk?.S === META_SK);
  if (metaItem === undefined) return undefined;
  const meta = metaFromItem(metaItem);
  const instances: InstanceRecord[] = items
    .filter((item) => item.sk?.S?.startsWith(INSTANCE_PREFIX) === true)
    .map(instanceFromItem)
    .sort((a, b) => a.id.localeCompare(b.id));
  const circuitState = circuitFromItem(items.find((item) => item.sk?.S === CIRCUIT_SK));
  return {
    ...meta.settings,
    instances,
    circuitState,
    createdAt: meta.createdAt,
    updatedAt: meta.updatedAt,
  };
}
