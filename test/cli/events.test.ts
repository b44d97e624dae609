/**
 * `baton events put` against an HTTP server that records what it is sent and answers as the API
 * would (the API side, triggers included, is tested end to end in test/local/dev-server.test.ts).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../lib/cli/main.ts";

interface Received {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

const received: Received[] = [];
let answer: { status: number; body: unknown } = { status: 202, body: {} };
let server: Server;
let url: string;

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

async function baton(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    cwd: import.meta.dirname,
  });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

beforeAll(async () => {
  server = createServer(async (request, response) => {
    received.push({
      method: request.method ?? "",
      path: request.url ?? "",
      body: await readBody(request),
    });
    response.writeHead(answer.status, { "content-type": "application/json" });
    response.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("baton events put", () => {
  it("posts the event to the API's /events and prints its id", async () => {
    // Prepare
    received.length = 0;
    answer = { status: 202, body: { entries: [{ eventId: "ev-1" }] } };
    // Act
    const result = await baton([
      "events",
      "put",
      "--source",
      "shop.orders",
      "--detail-type",
      "Order Placed",
      "--detail",
      '{"orderId":"o-1"}',
      "--api",
      `${url}/`,
    ]);
    // Assess
    expect(result).toEqual({ code: 0, stdout: "event ev-1 put on the bus\n", stderr: "" });
    expect(received).toEqual([
      {
        method: "POST",
        path: "/events",
        body: { source: "shop.orders", detailType: "Order Placed", detail: { orderId: "o-1" } },
      },
    ]);
  });

  it("exits 1 with the API's problems when the event is refused", async () => {
    // Prepare
    answer = {
      status: 400,
      body: {
        detail: "Validation failed",
        errors: [{ path: "/source", message: '"baton" is reserved' }],
      },
    };
    // Act
    const result = await baton([
      "events",
      "put",
      "--source",
      "baton",
      "--detail-type",
      "X",
      "--api",
      url,
    ]);
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `baton events: ${url} answered 400: Validation failed\n  /source: "baton" is reserved\n`,
    );
  });

  it("is a usage error without --source, with an unknown action, or when nothing listens", async () => {
    // Act
    const missing = await baton(["events", "put", "--detail-type", "X", "--api", url]);
    const action = await baton(["events", "get", "--api", url]);
    const closed = await baton([
      "events",
      "put",
      "--source",
      "s",
      "--detail-type",
      "X",
      "--api",
      "http://127.0.0.1:1",
    ]);
    // Assess
    expect([missing.code, action.code, closed.code]).toEqual([2, 2, 2]);
    expect(missing.stderr).toContain("events put needs --source and --detail-type");
    expect(action.stderr).toContain('unknown events action "get" (actions: put)');
    expect(closed.stderr).toContain("is baton dev running?");
  });
});
