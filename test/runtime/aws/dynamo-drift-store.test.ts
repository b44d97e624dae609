/** Stored drift on a real dynalite registry table: one item per (service, Region), beside the service. */
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDriftStore } from "../../../lib/runtime/aws/dynamo-drift-store.ts";
import { DynamoRegistryStore } from "../../../lib/runtime/aws/dynamo-registry-store.ts";
import type { ContractCheckRecord } from "../../../lib/runtime/contracts/drift-store.ts";
import { serviceEntry } from "../test-server.ts";
import { type Dynalite, startDynalite } from "./dynalite.ts";

const record = (service: string, region: string, problems: number): ContractCheckRecord => ({
  service,
  region,
  source: "https://payments.example.com/openapi.json",
  sourceHash: "h",
  fingerprint: "f",
  etag: '"v1"',
  checkedAt: "2026-12-04T09:00:00.000Z",
  ...(problems === 0 ? {} : { driftSince: "2026-12-04T08:00:00.000Z" }),
  drift:
    problems === 0
      ? []
      : [
          {
            workflow: "pay",
            version: 1,
            steps: ["charge"],
            problems: Array.from({ length: problems }, (_, i) => ({
              code: "E_CONTRACT_BODY",
              severity: "error" as const,
              path: `/steps/${i}/with`,
              message: "missing currency",
            })),
          },
        ],
});

describe("DynamoDriftStore on dynalite", () => {
  let db: Dynalite;
  let drift: DynamoDriftStore;
  let registry: DynamoRegistryStore;
  beforeAll(async () => {
    db = await startDynalite();
    await db.createTable("registry");
    drift = new DynamoDriftStore({ client: db.client, tableName: "registry" });
    registry = new DynamoRegistryStore({ client: db.client, tableName: "registry" });
  });
  afterAll(async () => {
    await db.close();
  });

  it("keeps one record per service and Region, lists them sorted, and leaves the service record as it was", async () => {
    // Prepare
    await registry.putService(
      serviceEntry({
        name: "payments",
        instances: [{ id: "payments-a", url: "http://127.0.0.1:9", weight: 1 }],
      }),
    );
    // Act
    await drift.put(record("payments", "us-east-1", 2));
    await drift.put(record("payments", "eu-west-1", 0));
    await drift.put(record("billing", "us-east-1", 1));
    await drift.put(record("payments", "us-east-1", 1)); // replaces
    const listed = await drift.list();
    const one = await drift.get("payments", "us-east-1");
    const service = await registry.getService("payments");
    // Assess
    expect(
      listed.map((r) => `${r.service}/${r.region}:${r.drift[0]?.problems.length ?? 0}`),
    ).toEqual(["billing/us-east-1:1", "payments/eu-west-1:0", "payments/us-east-1:1"]);
    expect(one).toEqual(record("payments", "us-east-1", 1));
    expect(await drift.get("payments", "ap-south-1")).toBeUndefined();
    expect(service?.instances.map((i) => i.id)).toEqual(["payments-a"]);
    expect((await registry.listServices()).map((s) => s.name)).toEqual(["payments"]);
  });

  it("loses a service's drift with the service, and skips an item that is not a record", async () => {
    // Prepare
    await registry.putService(serviceEntry({ name: "orders" }));
    await drift.put(record("orders", "us-east-1", 1));
    await db.client.send(
      new PutItemCommand({
        TableName: "registry",
        Item: { pk: { S: "SERVICE#junk" }, sk: { S: "DRIFT#us-east-1" }, record: { S: "{" } },
      }),
    );
    // Act
    await registry.deleteService("orders");
    // Assess
    expect(await drift.get("orders", "us-east-1")).toBeUndefined();
    expect(await drift.get("junk", "us-east-1")).toBeUndefined();
    expect((await drift.list()).map((r) => r.service)).not.toContain("orders");
  });

  it("stores a record too big for one item as its first problems, marked truncated", async () => {
    // Act
    await drift.put(record("payments", "sa-east-1", 5_000));
    const stored = await drift.get("payments", "sa-east-1");
    // Assess
    expect([stored?.truncated, stored?.drift[0]?.problems.length]).toEqual([true, 200]);
  });
});
