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

describe("the local client's Authorization header", () => {
  it("is well formed without a computed signature, and dynalite takes it", async () => {
    // Prepare: the header as it leaves (deserialize runs after signing)
    const headers: Record<string, string>[] = [];
    db.client.middlewareStack.add(
      (next) => (args) => {
        headers.push({ ...(args.request as { headers: Record<string, string> }).headers });
        return next(args);
      },
      { step: "deserialize", name: "seeAuthorization" },
    );

    // Act
    await put("signed");
    const read = await db.client.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: "signed" }, sk: { S: "x" } } }),
    );
    db.client.middlewareStack.remove("seeAuthorization");

    // Assess
    expect(read.Item?.pk).toEqual({ S: "signed" });
    expect(headers).toHaveLength(2);
    for (const sent of headers) {
      expect(sent["x-amz-date"]).toMatch(/^\d{8}T\d{6}Z$/);
      expect(sent.authorization).toBe(
        `AWS4-HMAC-SHA256 Credential=baton-local/${sent["x-amz-date"]?.slice(0, 8)}/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=${"0".repeat(64)}`,
      );
    }
  });
});
