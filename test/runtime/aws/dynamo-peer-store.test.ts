/** Peer heartbeats on a real dynalite registry table, beside the services they must not disturb. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoPeerStore } from "../../../lib/runtime/aws/dynamo-peer-store.ts";
import { DynamoRegistryStore } from "../../../lib/runtime/aws/dynamo-registry-store.ts";
import { serviceEntry } from "../test-server.ts";
import { type Dynalite, startDynalite } from "./dynalite.ts";

describe("DynamoPeerStore on dynalite", () => {
  let db: Dynalite;
  let peers: DynamoPeerStore;
  let registry: DynamoRegistryStore;
  beforeAll(async () => {
    db = await startDynalite();
    await db.createTable("registry");
    peers = new DynamoPeerStore({ client: db.client, tableName: "registry" });
    registry = new DynamoRegistryStore({ client: db.client, tableName: "registry" });
  });
  afterAll(async () => {
    await db.close();
  });

  it("keeps each Region's latest heartbeat and lists them by Region", async () => {
    // Act
    await peers.put({ region: "us-east-1", apiUrl: "https://us/v1", lastSeen: 1 });
    await peers.put({ region: "eu-west-1", apiUrl: "https://eu/v1", lastSeen: 2 });
    await peers.put({ region: "us-east-1", apiUrl: "https://us2/v1", lastSeen: 3 });
    // Assess
    expect(await peers.list()).toStrictEqual([
      { region: "eu-west-1", apiUrl: "https://eu/v1", lastSeen: 2 },
      { region: "us-east-1", apiUrl: "https://us2/v1", lastSeen: 3 },
    ]);
  });

  it("is no service to the registry that shares its table", async () => {
    await registry.putService(serviceEntry({ name: "payments" }));
    expect((await registry.listServices()).map((s) => s.name)).toEqual(["payments"]);
  });
});
