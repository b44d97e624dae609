import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoExecutionStore } from "../../../lib/runtime/aws/dynamo-execution-store.ts";
import { DynamoSignalStore } from "../../../lib/runtime/aws/dynamo-signal-store.ts";
import { ensureTable, executionsTable } from "../../../lib/runtime/aws/table-schema.ts";
import { toDocument } from "../../../lib/runtime/records/derive.ts";
import { InvalidCursorError } from "../../../lib/runtime/records/execution-store.ts";
import { cancelDelta, observe, startDelta } from "../../../lib/runtime/records/observe.ts";
import { merge, type RecordState } from "../../../lib/runtime/records/state.ts";
import { applyEvent } from "../../../lib/runtime/records/updater.ts";
import {
  at,
  catalogue,
  failedSagaEvents,
  orderWorkflow,
  sfnStatus,
  startDynalite,
} from "../records/fixtures.ts";

const TABLE = "baton-executions";

describe("records on a real DynamoDB (dynalite)", () => {
  let db: { client: DynamoDBClient; close(): Promise<void> };
  let store: DynamoExecutionStore;
  let signals: DynamoSignalStore;

  beforeAll(async () => {
    db = await startDynalite(TABLE);
    const retry = { maxAttempts: 60, baseDelayMs: 2 };
    store = new DynamoExecutionStore({ client: db.client, tableName: TABLE, catalogue, retry });
    signals = new DynamoSignalStore({ client: db.client, tableName: TABLE, retry });
  });
  afterAll(async () => {
    await db.close();
  });

  it("creates the table idempotently", async () => {
    // Act / Assess
    await expect(ensureTable(db.client, executionsTable(TABLE))).resolves.toBeUndefined();
  });

  it("converges under concurrent, shuffled, duplicated delivery", async () => {
    // Prepare
    const events = failedSagaEvents("conc-1");
    let expected: RecordState = { id: "conc-1" };
    for (const event of events) {
      const o = observe(event, catalogue);
      if (o.kind === "observed") expected = merge(expected, o.delta);
    }
    const shuffled = fc.sample(
      fc.shuffledSubarray([...events, ...events.slice(0, 6)], { minLength: events.length + 6 }),
      {
        numRuns: 1,
        seed: 42,
      },
    )[0];

    // Act
    await Promise.all((shuffled ?? []).map((event) => applyEvent(event, { store, catalogue })));

    // Assess
    expect(await store.get("conc-1")).toEqual(toDocument(expected, orderWorkflow));
    const page = await store.listEvents("conc-1", { limit: 100 });
    expect(page.items.map((e) => e.type)).toEqual(events.map((e) => e["detail-type"]));
  });

  it("lists a workflow's executions newest first, filtered and paginated", async () => {
    // Prepare
    for (let i = 0; i < 5; i++) {
      const id = `list-${i}`;
      await store.merge(id, startDelta(id, orderWorkflow, { n: i }, at(60_000 * (i + 1))));
      if (i % 2 === 0) {
        const o = observe(
          sfnStatus(id, {
            status: "SUCCEEDED",
            startMs: 60_000 * (i + 1),
            stopMs: 60_000 * (i + 1) + 5,
          }),
          catalogue,
        );
        if (o.kind === "observed") await store.merge(id, o.delta);
      }
    }

    // Act
    const first = await store.list("order-fulfillment", { limit: 2, status: "SUCCEEDED" });
    const second = await store.list("order-fulfillment", {
      limit: 2,
      status: "SUCCEEDED",
      cursor: first.cursor ?? "",
    });
    const running = await store.list("order-fulfillment", { limit: 10, status: "RUNNING" });

    // Assess
    expect(first.items.map((d) => d.id)).toEqual(["list-4", "list-2"]);
    expect(second.items.map((d) => d.id)).toEqual(["list-0"]);
    expect(running.items.map((d) => d.id)).toEqual(["list-3", "list-1"]);
  });

  it("lists executions started since a time for stats", async () => {
    // Act
    const { items, truncated } = await store.listSince("order-fulfillment", at(3 * 60_000), 100);

    // Assess
    expect([items.map((d) => d.id), truncated]).toEqual([["list-4", "list-3", "list-2"], false]);
  });

  it("fails with InvalidCursorError for an events cursor of another execution", async () => {
    // Prepare
    const page = await store.listEvents("conc-1", { limit: 1 });

    // Act
    const listing = store.listEvents("list-1", { limit: 1, cursor: page.cursor ?? "" });

    // Assess
    await expect(listing).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it("claims an idempotency key once", async () => {
    // Act
    const first = await store.claimIdempotencyKey("order-fulfillment", "k", {
      executionId: "a",
      requestHash: "h",
    });
    const second = await store.claimIdempotencyKey("order-fulfillment", "k", {
      executionId: "b",
      requestHash: "h",
    });

    // Assess
    expect([first, second]).toEqual([
      { claimed: true },
      { claimed: false, executionId: "a", requestHash: "h" },
    ]);
  });

  it("hands a waiting step's token to exactly one signal", async () => {
    // Prepare
    await signals.registerWaiter("sig-1", "approved", {
      taskToken: "token-1",
      stepId: "approve",
      timeoutSeconds: 60,
    });

    // Act
    const results = await Promise.all([
      signals.deliver("sig-1", "approved", { ok: true }, { acceptEarly: true }),
      signals.deliver("sig-1", "approved", { ok: false }, { acceptEarly: true }),
    ]);

    // Assess
    expect(results.map((r) => r.kind).sort()).toEqual(["already-delivered", "waiter"]);
    expect(results.find((r) => r.kind === "waiter")).toEqual({
      kind: "waiter",
      taskToken: "token-1",
      stepId: "approve",
    });
    expect(await signals.waiting("sig-1")).toEqual([]);
  });

  it("keeps an early signal and hands it to the waiter that registers later", async () => {
    // Prepare
    const stored = await signals.deliver("sig-2", "approved", { by: "ops" }, { acceptEarly: true });

    // Act
    const registered = await signals.registerWaiter("sig-2", "approved", {
      taskToken: "token-2",
      stepId: "approve",
      timeoutSeconds: 60,
    });
    await signals.markDelivered("sig-2", "approved", "token-2");
    const again = await signals.deliver("sig-2", "approved", { by: "ops" }, { acceptEarly: true });

    // Assess
    expect([stored, registered, again]).toEqual([
      { kind: "stored" },
      { kind: "early", payload: { by: "ops" } },
      { kind: "already-delivered" },
    ]);
  });

  it("refuses a signal nobody waits for unless the execution will wait for it", async () => {
    // Act
    const refused = await signals.deliver("sig-3", "approved", null, { acceptEarly: false });

    // Assess
    expect(refused).toEqual({ kind: "not-waiting" });
  });

  it("gives a claimed waiter back after a failed resume, and lists it as waiting", async () => {
    // Prepare
    await signals.registerWaiter("sig-4", "go", {
      taskToken: "token-4",
      stepId: "wait_go",
      timeoutSeconds: 5,
    });
    await signals.deliver("sig-4", "go", 1, { acceptEarly: true });

    // Act
    await signals.release("sig-4", "go", "token-4");

    // Assess
    expect(await signals.waiting("sig-4")).toEqual([
      { signal: "go", taskToken: "token-4", stepId: "wait_go" },
    ]);
  });

  it("restores an early signal whose resume failed, for the next try of the await step", async () => {
    // Prepare
    await signals.deliver("sig-5", "go", { n: 5 }, { acceptEarly: true });
    await signals.registerWaiter("sig-5", "go", {
      taskToken: "token-5a",
      stepId: "wait_go",
      timeoutSeconds: 5,
    });

    // Act
    await signals.restorePending("sig-5", "go", "token-5a");
    const retried = await signals.registerWaiter("sig-5", "go", {
      taskToken: "token-5b",
      stepId: "wait_go",
      timeoutSeconds: 5,
    });

    // Assess
    expect(retried).toEqual({ kind: "early", payload: { n: 5 } });
  });

  it("as the sole writer, reads what it keeps and ends as a plain store reads it", async () => {
    // Prepare: a store that keeps what it read, counting its Queries
    const sole = new DynamoExecutionStore({
      client: db.client,
      tableName: TABLE,
      catalogue,
      retry: { maxAttempts: 60, baseDelayMs: 2 },
      soleWriter: true,
    });
    const events = failedSagaEvents("sole-1");
    const shuffled = fc.sample(
      fc.shuffledSubarray([...events, ...events.slice(0, 6)], { minLength: events.length + 6 }),
      { numRuns: 1, seed: 7 },
    )[0];

    // Act: concurrent, shuffled, duplicated delivery, then a read as a plain store does it
    await Promise.all(
      (shuffled ?? []).map((event) => applyEvent(event, { store: sole, catalogue })),
    );
    const first = await sole.get("sole-1");
    let requests = 0;
    db.client.middlewareStack.add(
      (next) => (args) => {
        requests++;
        return next(args);
      },
      { step: "initialize", name: "countSoleWriterRequests" },
    );
    const kept = await sole.get("sole-1");
    db.client.middlewareStack.remove("countSoleWriterRequests");

    // Assess: what the table holds, then kept in memory (no request)
    expect([first, kept, requests]).toEqual([await store.get("sole-1"), first, 0]);
    expect(kept?.status).toBe("FAILED");
  });

  it("as the sole writer, queries nothing for an execution it created, and ends as the table holds it", async () => {
    // Prepare
    const sole = new DynamoExecutionStore({
      client: db.client,
      tableName: TABLE,
      catalogue,
      soleWriter: true,
    });
    let queries = 0;
    db.client.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === "QueryCommand") queries++;
        return next(args);
      },
      { step: "initialize", name: "countCreatedQueries" },
    );

    // Act: created, then recorded through the sole writer
    sole.created("sole-3");
    const empty = await sole.read("sole-3");
    for (const event of failedSagaEvents("sole-3"))
      await applyEvent(event, { store: sole, catalogue });
    const kept = await sole.get("sole-3");
    db.client.middlewareStack.remove("countCreatedQueries");

    // Assess
    expect([empty.head, empty.rev, queries]).toEqual([undefined, 0, 0]);
    expect(kept).toEqual(await store.get("sole-3"));
  });

  it("as the sole writer, drops what it kept when a head write loses, and reads again", async () => {
    // Prepare: kept at rev 1; another writer then changes the head
    const sole = new DynamoExecutionStore({
      client: db.client,
      tableName: TABLE,
      catalogue,
      soleWriter: true,
    });
    await sole.merge("sole-2", startDelta("sole-2", orderWorkflow, { n: 1 }, at(0)));
    const kept = await sole.read("sole-2");
    await store.merge("sole-2", cancelDelta("sole-2", true));

    // Act
    const won = await sole.writeHead("sole-2", kept.head ?? { id: "sole-2" }, kept.rev);

    // Assess
    expect([won, (await sole.read("sole-2")).rev]).toEqual([false, kept.rev + 1]);
  });
});
