/** The local DynamoDB (dynalite in a worker) and the SDK client `baton dev` reaches it with. */
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalDynamo, startLocalDynamo } from "../../lib/local/dynamo.ts";

const TABLE = "baton-local-registry";
let db: LocalDynamo;

beforeAll(async () => {
  db = await startLocalDynamo({ tables: { registry: TABLE } });
}, 60_000);
afterAll(async () => {
  await db.close();
});

const put = (pk: string) =>
  db.client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: pk }, sk: { S: "x" } } }));

describe("localDynamoClient", () => {
  it("runs a middleware added after its first requests, and stops running it once removed", async () => {
    // Prepare: the handler chains of both commands resolved (and cached) before the middleware
    await put("before");
    await db.client.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: "before" }, sk: { S: "x" } } }),
    );
    const seen: string[] = [];
    db.client.middlewareStack.add(
      (next, context) => (args) => {
        seen.push(context.commandName ?? "");
        return next(args);
      },
      { step: "initialize", name: "countLocalRequests" },
    );

    // Act
    await put("during");
    await db.client.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: "during" }, sk: { S: "x" } } }),
    );
    db.client.middlewareStack.remove("countLocalRequests");
    await put("after");

    // Assess
    expect(seen).toEqual(["PutItemCommand", "GetItemCommand"]);
  });
});
