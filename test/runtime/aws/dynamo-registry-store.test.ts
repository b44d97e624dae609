import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DynamoRegistryStore } from "../../../lib/runtime/aws/dynamo-registry-store.ts";
import { ManualClock } from "../../../lib/runtime/circuit/clock.ts";
import { UnknownServiceError } from "../../../lib/runtime/errors.ts";
import { CLOSED_CIRCUIT, INITIAL_HEALTH } from "../../../lib/runtime/registry/registry-model.ts";
import { serviceEntry } from "../test-server.ts";
import { type Dynalite, startDynalite } from "./dynalite.ts";

const conditionFailed = (): ConditionalCheckFailedException =>
  new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
const throttled = (): ProvisionedThroughputExceededException =>
  new ProvisionedThroughputExceededException({ message: "Rate exceeded", $metadata: {} });

describe("DynamoRegistryStore with a mocked client", () => {
  const dynamo = mockClient(DynamoDBClient);
  // The mock patches every DynamoDBClient; release it for the dynalite tests below.
  afterAll(() => dynamo.restore());
  const store = new DynamoRegistryStore({
    client: new DynamoDBClient({ region: "us-east-1" }),
    tableName: "registry",
    clock: new ManualClock(1_000),
  });

  beforeEach(() => dynamo.reset());

  it("writes the circuit only if nobody has, for the first transition", async () => {
    // Prepare
    dynamo.on(PutItemCommand).resolves({});
    const next = { ...CLOSED_CIRCUIT, countsFrom: 5, version: 1 };

    // Act
    const written = await store.writeCircuit("payments", next, 0);

    // Assess
    const input = dynamo.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect([
      written,
      input?.ConditionExpression,
      input?.Item?.pk,
      input?.Item?.sk,
      input?.Item?.countsFrom,
    ]).toEqual([
      true,
      "attribute_not_exists(pk)",
      { S: "SERVICE#payments" },
      { S: "CIRCUIT" },
      { N: "5" },
    ]);
  });

  it("writes the circuit on the expected version and reports a lost race as false", async () => {
    // Prepare
    dynamo.on(PutItemCommand).rejects(conditionFailed());

    // Act
    const written = await store.writeCircuit("payments", { ...CLOSED_CIRCUIT, version: 4 }, 3);

    // Assess
    const input = dynamo.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect([written, input?.ConditionExpression, input?.ExpressionAttributeValues]).toEqual([
      false,
      "#version = :expected",
      { ":expected": { N: "3" } },
    ]);
  });

  it("lets throttling on a circuit write propagate (the breaker decides)", async () => {
    // Prepare
    dynamo.on(PutItemCommand).rejects(throttled());

    // Act
    const write = store.writeCircuit("payments", { ...CLOSED_CIRCUIT, version: 1 }, 0);

    // Assess
    await expect(write).rejects.toThrow(ProvisionedThroughputExceededException);
  });

  it("returns false when health is written for an instance deleted meanwhile", async () => {
    // Prepare
    dynamo.on(UpdateItemCommand).rejects(conditionFailed());

    // Act
    const written = await store.setInstanceHealth("payments", "p-1", INITIAL_HEALTH);

    // Assess
    const input = dynamo.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect([written, input?.ConditionExpression, input?.Key]).toEqual([
      false,
      "attribute_exists(pk)",
      { pk: { S: "SERVICE#payments" }, sk: { S: "INSTANCE#p-1" } },
    ]);
  });

  it("propagates throttling from a health write", async () => {
    // Prepare
    dynamo.on(UpdateItemCommand).rejects(throttled());

    // Act
    const write = store.setInstanceHealth("payments", "p-1", INITIAL_HEALTH);

    // Assess
    await expect(write).rejects.toThrow("Rate exceeded");
  });

  it("returns false when deleting an instance that does not exist", async () => {
    // Prepare
    dynamo.on(DeleteItemCommand).rejects(conditionFailed());

    // Act
    const deleted = await store.deleteInstance("payments", "p-9");

    // Assess
    expect([
      deleted,
      dynamo.commandCalls(DeleteItemCommand)[0]?.args[0].input.ConditionExpression,
    ]).toEqual([false, "attribute_exists(pk)"]);
  });

  it("refuses an instance for a service that is not registered", async () => {
    // Prepare
    dynamo.on(GetItemCommand).resolves({});

    // Act
    const put = store.putInstance("payments", { id: "p-1", url: "https://p.example", weight: 1 });

    // Assess
    await expect(put).rejects.toThrow(UnknownServiceError);
    expect(dynamo.commandCalls(UpdateItemCommand).length).toEqual(0);
  });

  it("propagates throttling from a lookup", async () => {
    // Prepare
    dynamo.on(QueryCommand).rejects(throttled());

    // Act
    const lookup = store.getService("payments");

    // Assess
    await expect(lookup).rejects.toThrow(ProvisionedThroughputExceededException);
  });

  it("follows Query pagination", async () => {
    // Prepare
    dynamo
      .on(QueryCommand)
      .resolvesOnce({
        Items: [
          {
            pk: { S: "SERVICE#payments" },
            sk: { S: "INSTANCE#p-1" },
            id: { S: "p-1" },
            url: { S: "https://p" },
          },
        ],
        LastEvaluatedKey: { pk: { S: "SERVICE#payments" }, sk: { S: "INSTANCE#p-1" } },
      })
      .resolvesOnce({
        Items: [{ pk: { S: "SERVICE#payments" }, sk: { S: "META" }, name: { S: "payments" } }],
      });

    // Act
    const service = await store.getService("payments");

    // Assess
    expect([
      service?.name,
      service?.instances.map((i) => i.id),
      dynamo.commandCalls(QueryCommand).length,
    ]).toEqual(["payments", ["p-1"], 2]);
  });
});

describe("DynamoRegistryStore on dynalite", () => {
  let dynalite: Dynalite;
  let store: DynamoRegistryStore;
  let clock: ManualClock;
  let tables = 0;

  beforeAll(async () => {
    dynalite = await startDynalite();
  });
  afterAll(() => dynalite.close());

  beforeEach(async () => {
    tables += 1;
    const tableName = `registry-${tables}`;
    await dynalite.createTable(tableName);
    clock = new ManualClock(1_000);
    store = new DynamoRegistryStore({ client: dynalite.client, tableName, clock });
  });

  it("stores a service and reads it back with defaults, health and circuit", async () => {
    // Prepare
    const entry = serviceEntry({ headers: { "x-api-key": "{{ secret:inv }}" } });

    // Act
    const first = await store.putService(entry);
    const again = await store.putService(entry);
    const service = await store.getService("inventory");

    // Assess
    expect([first.created, again.created]).toEqual([true, false]);
    expect(service).toEqual({
      name: "inventory",
      balancing: "round_robin",
      health: entry.health,
      circuit: entry.circuit,
      timeout: 10,
      headers: { "x-api-key": "{{ secret:inv }}" },
      instances: [
        {
          id: "inventory-a",
          url: "http://127.0.0.1:9",
          weight: 1,
          ...INITIAL_HEALTH,
          registeredAt: 1_000,
          lastHeartbeatAt: 1_000,
        },
      ],
      circuitState: CLOSED_CIRCUIT,
      createdAt: 1_000,
      updatedAt: 1_000,
    });
  });

  it("keeps a service's contract source, a URL or an inline document", async () => {
    // Prepare
    const inline = { openapi: "3.1.0", paths: { "/x": { get: { responses: {} } } } };
    // Act
    await store.putService(serviceEntry({ openapi: "https://inventory.example.com/openapi.json" }));
    await store.putService(serviceEntry({ name: "billing", openapi: inline }));
    // Assess
    expect([
      (await store.getService("inventory"))?.openapi,
      (await store.getService("billing"))?.openapi,
    ]).toEqual(["https://inventory.example.com/openapi.json", inline]);
  });

  it("replaces instances on re-registration, keeping the health of those that stay", async () => {
    // Prepare
    await store.putService(
      serviceEntry({
        instances: [
          { id: "a", url: "http://127.0.0.1:1", weight: 1 },
          { id: "b", url: "http://127.0.0.1:2", weight: 1 },
        ],
      }),
    );
    const down = {
      ...INITIAL_HEALTH,
      healthy: false,
      consecutiveFailures: 2,
      lastCheckedAt: 900,
      lastReason: "HTTP 503",
    };
    await store.setInstanceHealth("inventory", "a", down);
    clock.advance(500);

    // Act
    await store.putService(
      serviceEntry({
        instances: [
          { id: "a", url: "http://127.0.0.1:1", weight: 3 },
          { id: "c", url: "http://127.0.0.1:3", weight: 1 },
        ],
      }),
    );

    // Assess
    const service = await store.getService("inventory");
    expect(
      service?.instances.map((i) => [i.id, i.url, i.weight, i.healthy, i.lastHeartbeatAt]),
    ).toEqual([
      ["a", "http://127.0.0.1:1", 3, false, 1_500],
      ["c", "http://127.0.0.1:3", 1, true, 1_500],
    ]);
    expect([service?.createdAt, service?.updatedAt]).toEqual([1_000, 1_500]);
  });

  it("registers, heartbeats and deregisters an instance", async () => {
    // Prepare
    await store.putService(serviceEntry({ instances: [] }));

    // Act
    const registered = await store.putInstance("inventory", {
      id: "x",
      url: "http://127.0.0.1:5",
      weight: 2,
    });
    clock.advance(100);
    const heartbeat = await store.putInstance("inventory", {
      id: "x",
      url: "http://127.0.0.1:5",
      weight: 2,
    });
    const afterHeartbeat = (await store.getService("inventory"))?.instances[0];
    const deleted = await store.deleteInstance("inventory", "x");
    const deletedAgain = await store.deleteInstance("inventory", "x");

    // Assess
    expect([
      registered.created,
      heartbeat.created,
      afterHeartbeat?.registeredAt,
      afterHeartbeat?.lastHeartbeatAt,
    ]).toEqual([true, false, 1_000, 1_100]);
    expect([deleted, deletedAgain, (await store.getService("inventory"))?.instances]).toEqual([
      true,
      false,
      [],
    ]);
  });

  it("keeps an instance's health on a heartbeat but resets it when the instance moves", async () => {
    // Prepare: an instance marked unhealthy
    await store.putService(serviceEntry({ instances: [] }));
    const at = (url: string) => ({ id: "x", url, weight: 1 });
    await store.putInstance("inventory", at("http://127.0.0.1:5"));
    const unhealthy = { healthy: false, consecutiveFailures: 3, consecutiveSuccesses: 0 };
    await store.setInstanceHealth("inventory", "x", {
      ...unhealthy,
      lastCheckedAt: 1_000,
      lastReason: "HTTP 503",
    });

    // Act
    await store.putInstance("inventory", at("http://127.0.0.1:5"));
    const afterHeartbeat = (await store.getService("inventory"))?.instances[0]?.healthy;
    await store.putInstance("inventory", at("http://127.0.0.1:6"));
    const afterMove = (await store.getService("inventory"))?.instances[0]?.healthy;

    // Assess
    expect([afterHeartbeat, afterMove]).toEqual([false, true]);
  });

  it("does not resurrect a deleted instance when its health is written", async () => {
    // Prepare
    await store.putService(serviceEntry());
    await store.deleteInstance("inventory", "inventory-a");

    // Act
    const written = await store.setInstanceHealth("inventory", "inventory-a", INITIAL_HEALTH);

    // Assess
    expect([written, (await store.getService("inventory"))?.instances]).toEqual([false, []]);
  });

  it("lists services by name and deletes a service with its instances and circuit", async () => {
    // Prepare
    await store.putService(serviceEntry({ name: "shipping" }));
    await store.putService(serviceEntry({ name: "billing" }));
    await store.writeCircuit("billing", { ...CLOSED_CIRCUIT, version: 1 }, 0);

    // Act
    const before = (await store.listServices()).map((s) => s.name);
    const deleted = await store.deleteService("billing");
    const deletedAgain = await store.deleteService("billing");

    // Assess
    expect([
      before,
      deleted,
      deletedAgain,
      (await store.listServices()).map((s) => s.name),
    ]).toEqual([["billing", "shipping"], true, false, ["shipping"]]);
    expect(await store.readCircuit("billing")).toEqual(CLOSED_CIRCUIT);
  });
});
