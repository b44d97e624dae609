/**
 * Workflow concurrency slots in the executions table, with conditional writes only (no
 * transactions: dynalite has none), so `baton dev` runs the same code as AWS.
 *
 * - Semaphore `pk=SEMAPHORE#<workflow>#<key>, sk=SEMAPHORE`: `holders` (map execution id → epoch
 *   ms), `n` (their count), `reapedAt`. Acquire is one UpdateItem conditioned on `n < limit` and
 *   the holder being absent; release removes the holder conditioned on its presence, so a
 *   duplicate release (EventBridge delivers at least once) never frees a second slot.
 * - Queue `pk=QUEUE#<semaphore>, sk=<queuedAt>#<id>`: the waiting starts in arrival order, with
 *   their input; `claimed` once a drainer starts one (a cancel then no longer removes it).
 * - Pointer `pk=QUEUED#<id>, sk=QUEUED`: where an execution's queued start is, for cancel.
 */
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { Json } from "../../core/model.ts";
import type {
  AcquireResult,
  QueuedStart,
  SemaphoreHolders,
  SlotStore,
} from "../limits/slot-store.ts";
import { isConditionalCheckFailed, type RetryOptions, retrying } from "../throttling.ts";

export interface DynamoSlotStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly retry?: RetryOptions;
}

const SEMAPHORE_SK = "SEMAPHORE";
const QUEUED_SK = "QUEUED";
const semaphorePk = (semaphore: string): string => `SEMAPHORE#${semaphore}`;
const queuePk = (semaphore: string): string => `QUEUE#${semaphore}`;
const pointerPk = (executionId: string): string => `QUEUED#${executionId}`;

export class DynamoSlotStore implements SlotStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #retry: RetryOptions;

  constructor(options: DynamoSlotStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#retry = options.retry ?? {};
  }

  acquire(semaphore: string, holder: string, limit: number, now: number): Promise<AcquireResult> {
    return retrying(
      `Taking a slot of ${semaphore}`,
      async (): Promise<AcquireResult | undefined> => {
        try {
          await this.#client.send(
            new UpdateItemCommand({
              TableName: this.#table,
              Key: this.#semaphoreKey(semaphore),
              UpdateExpression: "SET holders.#h = :now ADD #n :one",
              ConditionExpression:
                "attribute_exists(holders) AND attribute_not_exists(holders.#h) AND #n < :limit",
              ExpressionAttributeNames: { "#h": holder, "#n": "n" },
              ExpressionAttributeValues: {
                ":now": { N: String(now) },
                ":one": { N: "1" },
                ":limit": { N: String(limit) },
              },
            }),
          );
          return "acquired";
        } catch (error) {
          if (!isConditionalCheckFailed(error)) throw error;
        }
        const item = await this.#getSemaphore(semaphore);
        if (item === undefined) {
          await this.#createSemaphore(semaphore);
          return undefined; // created (by us or a concurrent caller): try again
        }
        if (item.holders[holder] !== undefined) return "held";
        if (Object.keys(item.holders).length >= limit) return "full";
        return undefined; // a slot was freed between the write and the read
      },
      this.#retry,
    );
  }

  async release(semaphore: string, holder: string): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: this.#semaphoreKey(semaphore),
          UpdateExpression: "REMOVE holders.#h ADD #n :minus",
          ConditionExpression: "attribute_exists(holders.#h)",
          ExpressionAttributeNames: { "#h": holder, "#n": "n" },
          ExpressionAttributeValues: { ":minus": { N: "-1" } },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async holders(semaphore: string): Promise<SemaphoreHolders> {
    return (await this.#getSemaphore(semaphore)) ?? { holders: {}, reapedAt: 0 };
  }

  async markReaped(semaphore: string, now: number, notBefore: number): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: this.#semaphoreKey(semaphore),
          UpdateExpression: "SET reapedAt = :now",
          ConditionExpression: "attribute_exists(pk) AND reapedAt <= :notBefore",
          ExpressionAttributeValues: {
            ":now": { N: String(now) },
            ":notBefore": { N: String(notBefore) },
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async enqueue(start: QueuedStart): Promise<void> {
    // The pointer first: a queue item is never without the pointer a cancel needs.
    await this.#client.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: {
          pk: { S: pointerPk(start.executionId) },
          sk: { S: QUEUED_SK },
          semaphore: { S: start.semaphore },
          position: { S: start.position },
        },
      }),
    );
    await this.#client
      .send(
        new PutItemCommand({
          TableName: this.#table,
          Item: {
            pk: { S: queuePk(start.semaphore) },
            sk: { S: start.position },
            executionId: { S: start.executionId },
            workflow: { S: start.workflow },
            version: { N: String(start.version) },
            input: { S: JSON.stringify(start.input) },
            queuedAt: { S: start.queuedAt },
            claimed: { BOOL: false },
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionalCheckFailed(error)) throw error; // a repeated enqueue
      });
  }

  async head(semaphore: string, max: number): Promise<readonly QueuedStart[]> {
    const result = await this.#client.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": { S: queuePk(semaphore) } },
        ConsistentRead: true,
        Limit: max,
      }),
    );
    return (result.Items ?? []).map((item) => toQueuedStart(semaphore, item));
  }

  async queuedOf(executionId: string): Promise<QueuedStart | undefined> {
    const pointer = await this.#client.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: { pk: { S: pointerPk(executionId) }, sk: { S: QUEUED_SK } },
        ConsistentRead: true,
      }),
    );
    const semaphore = pointer.Item?.semaphore?.S;
    const position = pointer.Item?.position?.S;
    if (semaphore === undefined || position === undefined) return undefined;
    const item = await this.#client.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: { pk: { S: queuePk(semaphore) }, sk: { S: position } },
        ConsistentRead: true,
      }),
    );
    return item.Item === undefined ? undefined : toQueuedStart(semaphore, item.Item);
  }

  async claim(start: QueuedStart): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { pk: { S: queuePk(start.semaphore) }, sk: { S: start.position } },
          UpdateExpression: "SET claimed = :true",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":true": { BOOL: true } },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async remove(start: QueuedStart, options: { readonly unclaimedOnly: boolean }): Promise<boolean> {
    try {
      await this.#client.send(
        new DeleteItemCommand({
          TableName: this.#table,
          Key: { pk: { S: queuePk(start.semaphore) }, sk: { S: start.position } },
          ConditionExpression: options.unclaimedOnly
            ? "attribute_exists(pk) AND claimed = :false"
            : "attribute_exists(pk)",
          ...(options.unclaimedOnly
            ? { ExpressionAttributeValues: { ":false": { BOOL: false } } }
            : {}),
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
    await this.#client.send(
      new DeleteItemCommand({
        TableName: this.#table,
        Key: { pk: { S: pointerPk(start.executionId) }, sk: { S: QUEUED_SK } },
      }),
    );
    return true;
  }

  #semaphoreKey(semaphore: string): Record<string, AttributeValue> {
    return { pk: { S: semaphorePk(semaphore) }, sk: { S: SEMAPHORE_SK } };
  }

  async #getSemaphore(semaphore: string): Promise<SemaphoreHolders | undefined> {
    const result = await this.#client.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: this.#semaphoreKey(semaphore),
        ConsistentRead: true,
      }),
    );
    if (result.Item === undefined) return undefined;
    const holders: Record<string, number> = {};
    for (const [id, value] of Object.entries(result.Item.holders?.M ?? {}))
      holders[id] = Number(value.N ?? 0);
    return { holders, reapedAt: Number(result.Item.reapedAt?.N ?? 0) };
  }

  async #createSemaphore(semaphore: string): Promise<void> {
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: {
            ...this.#semaphoreKey(semaphore),
            holders: { M: {} },
            n: { N: "0" },
            reapedAt: { N: "0" },
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}

function toQueuedStart(semaphore: string, item: Record<string, AttributeValue>): QueuedStart {
  let input: Json = null;
  try {
    input = JSON.parse(item.input?.S ?? "null") as Json;
  } catch {
    input = null;
  }
  return {
    semaphore,
    position: item.sk?.S ?? "",
    executionId: item.executionId?.S ?? "",
    workflow: item.workflow?.S ?? "",
    version: Number(item.version?.N ?? 0),
    input,
    queuedAt: item.queuedAt?.S ?? "",
    claimed: item.claimed?.BOOL === true,
  };
}
