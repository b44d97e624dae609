import { gunzipSync } from "node:zlib";
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { DynamoExecutionStore } from "../../../lib/runtime/aws/dynamo-execution-store.ts";
import { InvalidCursorError } from "../../../lib/runtime/records/execution-store.ts";
import { observe } from "../../../lib/runtime/records/observe.ts";
import { merge, type RecordState } from "../../../lib/runtime/records/state.ts";
import { RetriesExhaustedError } from "../../../lib/runtime/throttling.ts";
import { catalogue, sfnStatus, stepEvent } from "../records/fixtures.ts";

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
const throttled = () =>
  new ProvisionedThroughputExceededException({ message: "Rate exceeded", $metadata: {} });

function deltaOf(event: unknown): RecordState {
  const o = observe(event, catalogue);
  if (o.kind !== "observed") throw new Error(o.reason);
  return o.delta;
}

const running = deltaOf(sfnStatus("e1", { status: "RUNNING" }));
const reserveStarted = stepEvent("Step Started", "e1", { stepId: "reserve", startMs: 10 });
const headItem = (state: RecordState, rev: number) => ({
  pk: { S: "EXEC#e1" },
  sk: { S: "META" },
  rev: { N: String(rev) },
  head: { S: JSON.stringify(state) },
});
/** A log item as written before log items were gzipped (still read). */
const loggedItem = (event: ReturnType<typeof stepEvent>) => {
  const o = observe(event, catalogue);
  if (o.kind !== "observed") throw new Error(o.reason);
  return {
    pk: { S: "EXEC#e1" },
    sk: { S: `EVENT#${o.order}#h` },
    events: { S: JSON.stringify([{ order: o.order, event: o.event }]) },
  };
};

describe("DynamoExecutionStore with a mocked client", () => {
  const dynamo = mockClient(DynamoDBClient);
  afterAll(() => dynamo.restore());
  const store = new DynamoExecutionStore({
    client: new DynamoDBClient({ region: "us-east-1" }),
    tableName: "executions",
    catalogue,
    retentionDays: 30,
    clock: () => new Date("2026-11-22T12:00:00.000Z"),
    retry: { maxAttempts: 4, sleep: async () => {} },
  });

  beforeEach(() => dynamo.reset());

  it("creates the head only if absent, with index keys and TTL, without reading first", async () => {
    // Prepare
    dynamo.on(PutItemCommand).resolves({});

    // Act
    const result = await store.merge("e1", running);

    // Assess
    const put = dynamo.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(put?.ConditionExpression).toEqual("attribute_not_exists(pk)");
    expect({
      pk: put?.Item?.pk,
      sk: put?.Item?.sk,
      rev: put?.Item?.rev,
      status: put?.Item?.status,
      gsi1pk: put?.Item?.gsi1pk,
      gsi1sk: put?.Item?.gsi1sk,
      expiresAt: put?.Item?.expiresAt,
    }).toEqual({
      pk: { S: "EXEC#e1" },
      sk: { S: "META" },
      rev: { N: "1" },
      status: { S: "RUNNING" },
      gsi1pk: { S: "WORKFLOW#order-fulfillment" },
      gsi1sk: { S: "2026-11-22T10:00:00.000Z#e1" },
      expiresAt: { N: String(Date.parse("2026-11-22T12:00:00.000Z") / 1000 + 30 * 86_400) },
    });
    expect([
      result.changed,
      result.document.status,
      dynamo.commandCalls(QueryCommand).length,
    ]).toEqual([true, "RUNNING", 0]);
  });

  it("re-reads and merges into the winner's head and log after ConditionalCheckFailedException", async () => {
    // Prepare: the head exists, and a step event is already logged
    dynamo
      .on(QueryCommand)
      .resolves({ Items: [loggedItem(reserveStarted), headItem({ id: "e1" }, 1)] });
    dynamo.on(PutItemCommand).rejectsOnce(conditionFailed()).resolves({});

    // Act
    const result = await store.merge("e1", running);

    // Assess
    const puts = dynamo.commandCalls(PutItemCommand).map((c) => c.args[0].input);
    expect(
      puts.map((p) => [p.ConditionExpression, p.ExpressionAttributeValues, p.Item?.rev]),
    ).toEqual([
      ["attribute_not_exists(pk)", undefined, { N: "1" }],
      ["rev = :rev", { ":rev": { N: "1" } }, { N: "2" }],
    ]);
    expect(JSON.parse(puts[1]?.Item?.head?.S ?? "{}").steps).toBeUndefined();
    expect(result.document.steps.find((s) => s.id === "reserve")?.status).toEqual("RUNNING");
    expect(result.document.startedAt).toEqual("2026-11-22T10:00:00.000Z");
  });

  it("retries throttled reads and then writes", async () => {
    // Prepare
    dynamo
      .on(QueryCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({ Items: [] });
    dynamo.on(PutItemCommand).rejectsOnce(conditionFailed()).resolves({});

    // Act
    const result = await store.merge("e1", running);

    // Assess
    expect([
      dynamo.commandCalls(QueryCommand).length,
      dynamo.commandCalls(PutItemCommand).length,
    ]).toEqual([3, 2]);
    expect(result.changed).toEqual(true);
  });

  it("fails with RetriesExhaustedError when throttling outlasts every attempt", async () => {
    // Prepare
    dynamo.on(PutItemCommand).rejects(throttled());

    // Act
    const merging = store.merge("e1", running);

    // Assess
    await expect(merging).rejects.toBeInstanceOf(RetriesExhaustedError);
    expect(dynamo.commandCalls(PutItemCommand).length).toEqual(4);
  });

  it("fails with RetriesExhaustedError when every compare-and-set is lost", async () => {
    // Prepare
    dynamo.on(QueryCommand).resolves({ Items: [headItem({ id: "e1" }, 1)] });
    dynamo.on(PutItemCommand).rejects(conditionFailed());

    // Act
    const merging = store.merge("e1", running);

    // Assess
    await expect(merging).rejects.toThrow(
      /gave up after 4 attempts, concurrent writers kept winning/,
    );
  });

  it("does not retry other errors", async () => {
    // Prepare
    const invalid = Object.assign(new Error("One or more parameter values were invalid"), {
      name: "ValidationException",
    });
    dynamo.on(PutItemCommand).rejects(invalid);

    // Act
    const merging = store.merge("e1", running);

    // Assess
    await expect(merging).rejects.toThrow("One or more parameter values were invalid");
    expect(dynamo.commandCalls(PutItemCommand).length).toEqual(1);
  });

  it("skips the write for a delta the head already holds", async () => {
    // Prepare
    dynamo.on(PutItemCommand).rejects(conditionFailed());
    dynamo.on(QueryCommand).resolves({ Items: [headItem(merge({ id: "e1" }, running), 3)] });

    // Act
    const result = await store.merge("e1", running);

    // Assess: only the optimistic create was tried
    expect([result.changed, dynamo.commandCalls(PutItemCommand).length]).toEqual([false, 1]);
  });

  it("appends a batch of events as one log item, keyed by the batch", async () => {
    // Prepare
    dynamo.on(PutItemCommand).resolves({});
    const o = observe(reserveStarted, catalogue);
    if (o.kind !== "observed") throw new Error(o.reason);

    // Act
    await store.append("e1", [{ order: o.order, event: o.event }]);
    await store.append("e1", [{ order: o.order, event: o.event }]);

    // Assess: the same batch lands on the same item
    const items = dynamo.commandCalls(PutItemCommand).map((c) => c.args[0].input.Item);
    expect(items.map((i) => i?.sk?.S)).toEqual([items[0]?.sk?.S, items[0]?.sk?.S]);
    expect(items[0]?.sk?.S?.startsWith(`EVENT#${o.order}#`)).toEqual(true);
    const zipped = items[0]?.z?.B ?? new Uint8Array();
    expect(JSON.parse(gunzipSync(zipped).toString("utf8"))).toEqual([
      { order: o.order, event: o.event },
    ]);
  });

  it("returns the existing claim of an idempotency key", async () => {
    // Prepare
    dynamo.on(PutItemCommand).rejects(conditionFailed());
    dynamo
      .on(GetItemCommand)
      .resolves({ Item: { executionId: { S: "first" }, requestHash: { S: "h1" } } });

    // Act
    const claim = await store.claimIdempotencyKey("order-fulfillment", "key-1", {
      executionId: "second",
      requestHash: "h2",
    });

    // Assess
    expect(claim).toEqual({ claimed: false, executionId: "first", requestHash: "h1" });
    expect(dynamo.commandCalls(PutItemCommand)[0]?.args[0].input.Item?.pk).toEqual({
      S: "IDEMPOTENCY#order-fulfillment#key-1",
    });
  });

  it("keeps querying filtered pages until the limit and returns a cursor", async () => {
    // Prepare
    const item = (id: string) => ({ pk: { S: `EXEC#${id}` }, sk: { S: "META" } });
    const head = (id: string) => ({
      pk: { S: `EXEC#${id}` },
      sk: { S: "META" },
      head: { S: JSON.stringify(merge({ id }, { ...running, id })) },
    });
    const key = (id: string) => ({
      pk: { S: `EXEC#${id}` },
      sk: { S: "META" },
      gsi1pk: { S: "WORKFLOW#order-fulfillment" },
      gsi1sk: { S: `2026-11-22T10:00:00.000Z#${id}` },
    });
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [item("a")], LastEvaluatedKey: key("x") })
      .resolvesOnce({ Items: [], LastEvaluatedKey: key("y") })
      .resolvesOnce({ Items: [item("b")], LastEvaluatedKey: key("b") })
      .resolvesOnce({ Items: [head("a")] })
      .resolvesOnce({ Items: [head("b")] });

    // Act
    const page = await store.list("order-fulfillment", { limit: 2, status: "RUNNING" });

    // Assess
    const queries = dynamo
      .commandCalls(QueryCommand)
      .map((c) => c.args[0].input)
      .filter((q) => q.IndexName !== undefined);
    expect(
      queries.map((q) => [q.Limit, q.FilterExpression, q.ScanIndexForward, q.IndexName]),
    ).toEqual([
      [2, "#status = :status", false, "byWorkflow"],
      [1, "#status = :status", false, "byWorkflow"],
      [1, "#status = :status", false, "byWorkflow"],
    ]);
    expect(page.items.map((d) => d.id)).toEqual(["a", "b"]);
    expect(JSON.parse(Buffer.from(page.cursor ?? "", "base64url").toString())).toEqual({
      pk: "EXEC#b",
      sk: "META",
      gsi1pk: "WORKFLOW#order-fulfillment",
      gsi1sk: "2026-11-22T10:00:00.000Z#b",
    });
  });

  it("retries a throttled query", async () => {
    // Prepare
    dynamo.on(QueryCommand).rejectsOnce(throttled()).resolves({ Items: [] });

    // Act
    const page = await store.listEvents("e1", { limit: 10 });

    // Assess
    expect([page, dynamo.commandCalls(QueryCommand).length]).toEqual([{ items: [] }, 2]);
  });

  it("passes a returned cursor back as the start key", async () => {
    // Prepare
    const cursor = Buffer.from(
      JSON.stringify({
        pk: "EXEC#b",
        sk: "META",
        gsi1pk: "WORKFLOW#order-fulfillment",
        gsi1sk: "t#b",
      }),
    ).toString("base64url");
    dynamo.on(QueryCommand).resolves({ Items: [] });

    // Act
    await store.list("order-fulfillment", { limit: 5, cursor });

    // Assess
    expect(dynamo.commandCalls(QueryCommand)[0]?.args[0].input.ExclusiveStartKey).toEqual({
      pk: { S: "EXEC#b" },
      sk: { S: "META" },
      gsi1pk: { S: "WORKFLOW#order-fulfillment" },
      gsi1sk: { S: "t#b" },
    });
  });

  it.each([
    ["not base64url", "%%%"],
    ["not JSON", Buffer.from("nope").toString("base64url")],
    [
      "another workflow's",
      Buffer.from(
        JSON.stringify({ pk: "EXEC#b", sk: "META", gsi1pk: "WORKFLOW#other", gsi1sk: "t#b" }),
      ).toString("base64url"),
    ],
    ["missing keys", Buffer.from(JSON.stringify({ pk: "EXEC#b" })).toString("base64url")],
  ])("fails with InvalidCursorError for a cursor that is %s", async (_what, cursor) => {
    // Act
    const listing = store.list("order-fulfillment", { limit: 5, cursor });

    // Assess
    await expect(listing).rejects.toBeInstanceOf(InvalidCursorError);
    expect(dynamo.commandCalls(QueryCommand).length).toEqual(0);
  });
});
