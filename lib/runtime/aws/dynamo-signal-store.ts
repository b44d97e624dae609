/**
 * Signal waiters of `await` steps: item `pk=EXEC#<id>, sk=SIGNAL#<name>` in the executions table.
 *
 * States: `WAITING` (an await step parked its task token), `PENDING` (the signal arrived before the
 * waiter; its payload is kept), `DELIVERING` (claimed by one API call that is resuming the task),
 * `DELIVERED`, `EXPIRED` (the task was gone when the signal came). Every transition is a
 * conditional write, so two concurrent signals resume a step at most once.
 */

import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { Json } from "../../core/model.ts";
import { TTL_ATTRIBUTE } from "../../core/wire.ts";
import { executionPk, expiresAt, SIGNAL_PREFIX, signalSk } from "../records/keys.ts";
import type {
  DeliverResult,
  RegisterResult,
  SignalState,
  SignalStore,
  Waiter,
} from "../records/signal-store.ts";
import { isConditionalCheckFailed, type RetryOptions, retrying } from "../throttling.ts";

export interface DynamoSignalStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** @default 30 */
  readonly retentionDays?: number;
  readonly clock?: () => Date;
  readonly retry?: RetryOptions;
}

export class DynamoSignalStore implements SignalStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #retentionDays: number;
  readonly #clock: () => Date;
  readonly #retry: RetryOptions;

  constructor(options: DynamoSignalStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#retentionDays = options.retentionDays ?? 30;
    this.#clock = options.clock ?? (() => new Date());
    this.#retry = options.retry ?? {};
  }

  registerWaiter(executionId: string, signal: string, waiter: Waiter): Promise<RegisterResult> {
    return retrying(
      `Registering waiter for signal ${signal}`,
      async (): Promise<RegisterResult | undefined> => {
        const now = this.#clock();
        try {
          // A previous waiter (redrive, loop) or a consumed signal is replaced; a pending signal is not.
          await this.#client.send(
            new PutItemCommand({
              TableName: this.#table,
              Item: {
                ...this.#key(executionId, signal),
                state: { S: "WAITING" },
                taskToken: { S: waiter.taskToken },
                stepId: { S: waiter.stepId },
                updatedAt: { S: now.toISOString() },
                [TTL_ATTRIBUTE]: {
                  N: String(expiresAt(now, this.#retentionDays) + waiter.timeoutSeconds),
                },
              },
              ConditionExpression:
                "attribute_not_exists(pk) OR NOT (#state IN (:pending, :delivering))",
              ExpressionAttributeNames: { "#state": "state" },
              ExpressionAttributeValues: {
                ":pending": { S: "PENDING" },
                ":delivering": { S: "DELIVERING" },
              },
            }),
          );
          return { kind: "waiting" };
        } catch (error) {
          if (!isConditionalCheckFailed(error)) throw error;
        }
        try {
          const result = await this.#client.send(
            new UpdateItemCommand({
              TableName: this.#table,
              Key: this.#key(executionId, signal),
              UpdateExpression:
                "SET #state = :delivering, taskToken = :token, stepId = :step, updatedAt = :now",
              ConditionExpression: "#state = :pending",
              ExpressionAttributeNames: { "#state": "state" },
              ExpressionAttributeValues: {
                ":delivering": { S: "DELIVERING" },
                ":pending": { S: "PENDING" },
                ":token": { S: waiter.taskToken },
                ":step": { S: waiter.stepId },
                ":now": { S: now.toISOString() },
              },
              ReturnValues: "ALL_OLD",
            }),
          );
          return { kind: "early", payload: parsePayload(result.Attributes?.payload) };
        } catch (error) {
          if (isConditionalCheckFailed(error)) return undefined; // changed meanwhile: start over
          throw error;
        }
      },
      this.#retry,
    );
  }

  deliver(
    executionId: string,
    signal: string,
    payload: Json,
    options: { acceptEarly: boolean },
  ): Promise<DeliverResult> {
    return retrying(
      `Delivering signal ${signal}`,
      async (): Promise<DeliverResult | undefined> => {
        const now = this.#clock().toISOString();
        try {
          const result = await this.#client.send(
            new UpdateItemCommand({
              TableName: this.#table,
              Key: this.#key(executionId, signal),
              UpdateExpression: "SET #state = :delivering, payload = :payload, updatedAt = :now",
              ConditionExpression: "#state = :waiting",
              ExpressionAttributeNames: { "#state": "state" },
              ExpressionAttributeValues: {
                ":delivering": { S: "DELIVERING" },
                ":waiting": { S: "WAITING" },
                ":payload": { S: JSON.stringify(payload) },
                ":now": { S: now },
              },
              ReturnValues: "ALL_NEW",
            }),
          );
          return {
            kind: "waiter",
            taskToken: result.Attributes?.taskToken?.S ?? "",
            stepId: result.Attributes?.stepId?.S ?? "",
          };
        } catch (error) {
          if (!isConditionalCheckFailed(error)) throw error;
        }
        const existing = await this.#client.send(
          new GetItemCommand({
            TableName: this.#table,
            Key: this.#key(executionId, signal),
            ConsistentRead: true,
          }),
        );
        const state = existing.Item?.state?.S;
        if (state === "WAITING") return undefined; // registered meanwhile: claim it
        if (state !== undefined && state !== "EXPIRED") return { kind: "already-delivered" };
        if (!options.acceptEarly) return { kind: "not-waiting" };
        try {
          await this.#client.send(
            new PutItemCommand({
              TableName: this.#table,
              Item: {
                ...this.#key(executionId, signal),
                state: { S: "PENDING" },
                payload: { S: JSON.stringify(payload) },
                updatedAt: { S: now },
                [TTL_ATTRIBUTE]: { N: String(expiresAt(this.#clock(), this.#retentionDays)) },
              },
              ConditionExpression: "attribute_not_exists(pk) OR #state = :expired",
              ExpressionAttributeNames: { "#state": "state" },
              ExpressionAttributeValues: { ":expired": { S: "EXPIRED" } },
            }),
          );
          return { kind: "stored" };
        } catch (error) {
          if (isConditionalCheckFailed(error)) return undefined;
          throw error;
        }
      },
      this.#retry,
    );
  }

  markDelivered(executionId: string, signal: string, taskToken: string): Promise<void> {
    return this.#transition(executionId, signal, taskToken, "DELIVERED");
  }

  markExpired(executionId: string, signal: string, taskToken: string): Promise<void> {
    return this.#transition(executionId, signal, taskToken, "EXPIRED");
  }

  release(executionId: string, signal: string, taskToken: string): Promise<void> {
    return this.#transition(executionId, signal, taskToken, "WAITING");
  }

  restorePending(executionId: string, signal: string, taskToken: string): Promise<void> {
    return this.#transition(executionId, signal, taskToken, "PENDING");
  }

  async waiting(
    executionId: string,
  ): Promise<{ signal: string; taskToken: string; stepId: string }[]> {
    const result = await retrying(
      "Listing signal waiters",
      () =>
        this.#client.send(
          new QueryCommand({
            TableName: this.#table,
            KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
            FilterExpression: "#state = :waiting",
            ExpressionAttributeNames: { "#state": "state" },
            ExpressionAttributeValues: {
              ":pk": { S: executionPk(executionId) },
              ":prefix": { S: SIGNAL_PREFIX },
              ":waiting": { S: "WAITING" },
            },
            ConsistentRead: true,
          }),
        ),
      this.#retry,
    );
    return (result.Items ?? []).map((item) => ({
      signal: (item.sk?.S ?? "").slice(SIGNAL_PREFIX.length),
      taskToken: item.taskToken?.S ?? "",
      stepId: item.stepId?.S ?? "",
    }));
  }

  /** Moves a claimed delivery on; a token mismatch means a newer waiter replaced it (nothing to do). */
  async #transition(
    executionId: string,
    signal: string,
    taskToken: string,
    state: SignalState,
  ): Promise<void> {
    await retrying(
      `Marking signal ${signal} ${state}`,
      async () => {
        try {
          await this.#client.send(
            new UpdateItemCommand({
              TableName: this.#table,
              Key: this.#key(executionId, signal),
              UpdateExpression:
                state === "WAITING"
                  ? "SET #state = :state, updatedAt = :now REMOVE payload"
                  : "SET #state = :state, updatedAt = :now",
              ConditionExpression: "#state = :delivering AND taskToken = :token",
              ExpressionAttributeNames: { "#state": "state" },
              ExpressionAttributeValues: {
                ":state": { S: state },
                ":delivering": { S: "DELIVERING" },
                ":token": { S: taskToken },
                ":now": { S: this.#clock().toISOString() },
              },
            }),
          );
        } catch (error) {
          if (!isConditionalCheckFailed(error)) throw error;
        }
        return true;
      },
      this.#retry,
    );
  }

  #key(executionId: string, signal: string): Record<string, AttributeValue> {
    return { pk: { S: executionPk(executionId) }, sk: { S: signalSk(signal) } };
  }
}

function parsePayload(value: AttributeValue | undefined): Json {
  if (value?.S === undefined) return null;
  try {
    return JSON.parse(value.S) as Json;
  } catch {
    return null;
  }
}
