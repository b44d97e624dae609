import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoLoadStore } from "../../../lib/runtime/aws/dynamo-load-store.ts";
import { type Dynalite, startDynalite } from "./dynalite.ts";

let db: Dynalite;
let store: DynamoLoadStore;

beforeAll(async () => {
  db = await startDynalite();
  await db.createTable("executions");
  store = new DynamoLoadStore({ client: db.client, tableName: "executions" });
}, 30_000);
afterAll(() => db.close());

describe("DynamoLoadStore on dynalite", () => {
  it("adds calls, in-flight and failures per service, slot and instance, and reads from a slot", async () => {
    // Prepare / Act
    await store.started("svc", "a", 100);
    await store.started("svc", "a", 100);
    await store.started("svc", "b.2", 101);
    await store.finished("svc", "a", 100, true);
    await store.started("other", "a", 101);
    await store.started("svc", "a", 99);
    // Assess
    const counters = await store.read("svc", 100);
    expect(counters).toStrictEqual([
      { slot: 100, instanceId: "a", calls: 2, inFlight: 1, failures: 1 },
      { slot: 101, instanceId: "b.2", calls: 1, inFlight: 1, failures: 0 },
    ]);
  });

  it("takes a call out of flight without counting it as a failure", async () => {
    await store.started("svc2", "a", 5);
    await store.finished("svc2", "a", 5, false);
    expect(await store.read("svc2", 0)).toStrictEqual([
      { slot: 5, instanceId: "a", calls: 1, inFlight: 0, failures: 0 },
    ]);
  });
});
