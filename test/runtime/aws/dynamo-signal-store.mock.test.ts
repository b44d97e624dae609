import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ThrottlingException,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { DynamoSignalStore } from "../../../lib/runtime/aws/dynamo-signal-store.ts";
import { RetriesExhaustedError } from "../../../lib/runtime/throttling.ts";

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
const throttled = () => new ThrottlingException({ message: "Rate exceeded", $metadata: {} });

describe("DynamoSignalStore with a mocked client", () => {
  const dynamo = mockClient(DynamoDBClient);
  afterAll(() => dynamo.restore());
  const store = new DynamoSignalStore({
    client: new DynamoDBClient({ region: "us-east-1" }),
    tableName: "executions",
    clock: () => new Date("2026-11-22T10:00:00.000Z"),
    retry: { maxAttempts: 3, sleep: async () => {} },
  });

  beforeEach(() => dynamo.reset());

  it("parks a waiter unless a signal is pending", async () => {
    // Prepare
    dynamo.on(PutItemCommand).resolves({});

    // Act
    const result = await store.registerWaiter("e1", "approved", {
      taskToken: "t",
      stepId: "s",
      timeoutSeconds: 60,
    });

    // Assess
    const put = dynamo.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect([
      result,
      put?.Item?.pk,
      put?.Item?.sk,
      put?.Item?.state,
      put?.ConditionExpression,
    ]).toEqual([
      { kind: "waiting" },
      { S: "EXEC#e1" },
      { S: "SIGNAL#approved" },
      { S: "WAITING" },
      "attribute_not_exists(pk) OR NOT (#state IN (:pending, :delivering))",
    ]);
  });

  it("claims a pending signal for a late waiter", async () => {
    // Prepare
    dynamo.on(PutItemCommand).rejects(conditionFailed());
    dynamo.on(UpdateItemCommand).resolves({ Attributes: { payload: { S: '{"ok":true}' } } });

    // Act
    const result = await store.registerWaiter("e1", "approved", {
      taskToken: "t",
      stepId: "s",
      timeoutSeconds: 60,
    });

    // Assess
    expect(result).toEqual({ kind: "early", payload: { ok: true } });
    expect(dynamo.commandCalls(UpdateItemCommand)[0]?.args[0].input.ConditionExpression).toEqual(
      "#state = :pending",
    );
  });

  it("retries a throttled delivery, then claims the waiter", async () => {
    // Prepare
    dynamo
      .on(UpdateItemCommand)
      .rejectsOnce(throttled())
      .resolves({ Attributes: { taskToken: { S: "token" }, stepId: { S: "approve" } } });

    // Act
    const result = await store.deliver("e1", "approved", { ok: true }, { acceptEarly: false });

    // Assess
    expect([result, dynamo.commandCalls(UpdateItemCommand).length]).toEqual([
      { kind: "waiter", taskToken: "token", stepId: "approve" },
      2,
    ]);
  });

  it("reports a signal already delivered when the waiter was claimed", async () => {
    // Prepare
    dynamo.on(UpdateItemCommand).rejects(conditionFailed());
    dynamo.on(GetItemCommand).resolves({ Item: { state: { S: "DELIVERED" } } });

    // Act
    const result = await store.deliver("e1", "approved", null, { acceptEarly: true });

    // Assess
    expect(result).toEqual({ kind: "already-delivered" });
  });

  it("gives up with RetriesExhaustedError when throttled every time", async () => {
    // Prepare
    dynamo.on(UpdateItemCommand).rejects(throttled());

    // Act
    const delivering = store.deliver("e1", "approved", null, { acceptEarly: true });

    // Assess
    await expect(delivering).rejects.toBeInstanceOf(RetriesExhaustedError);
  });

  it("ignores a lost race when marking a delivery done", async () => {
    // Prepare
    dynamo.on(UpdateItemCommand).rejects(conditionFailed());

    // Act
    const marking = store.markDelivered("e1", "approved", "old-token");

    // Assess
    await expect(marking).resolves.toBeUndefined();
  });
});
