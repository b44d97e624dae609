/**
 * Drift in `baton dev`, over real HTTP: a service registered with a contract URL is judged by the
 * dev server's contract timer; when the service changes its contract under a served workflow,
 * `GET /drift` and `GET /services/{name}` show it and `Contract Drift Detected` is on the local bus;
 * when it changes back, the drift clears (`Contract Drift Cleared`). No refresh is requested.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../lib/local/server.ts";

const WORKFLOW = `workflow: pay
steps:
  - id: charge
    call: payments POST /charges
    with: { orderId: "{{ input.orderId }}" }
    idempotent: true
`;

const contract = (required: string[]) => ({
  openapi: "3.1.0",
  info: { title: "payments", version: required.join("+") },
  paths: {
    "/charges": {
      post: {
        requestBody: { content: { "application/json": { schema: { type: "object", required } } } },
        responses: { "201": { description: "charged" } },
      },
    },
  },
});

interface DriftItem {
  readonly service: string;
  readonly region: string;
  readonly workflows: readonly { readonly workflow: string; readonly steps: readonly string[] }[];
}

let dir: string;
let server: DevServer;
let contracts: Server;
let served = contract(["orderId"]);
const announced: string[] = [];

async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, body: (await response.json()) as T };
}

/** Polls until `done` holds (the contract timer runs every second); generous for a loaded machine. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-drift-dev-"));
  await writeFile(join(dir, "pay.yaml"), WORKFLOW);
  contracts = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(served));
  });
  await new Promise<void>((r) => contracts.listen(0, "127.0.0.1", r));
  server = await startDevServer({
    port: 0,
    workflowsDir: dir,
    dataDir: join(dir, "data"),
    contractRefreshSeconds: 1,
    log: () => {},
    out: () => {},
  });
  server.runtime.bus.addRule(
    "drift-test",
    { source: ["baton"], "detail-type": [{ prefix: "Contract Drift" }] },
    async (event) => {
      announced.push(event["detail-type"]);
    },
  );
});

afterAll(async () => {
  await server?.stop();
  await new Promise((r) => contracts?.close(r));
  await rm(dir, { recursive: true, force: true });
});

describe("drift in baton dev", () => {
  it("shows the drift a contract change causes on the contract timer, and clears it when the change is undone", async () => {
    // Prepare
    const url = `http://127.0.0.1:${(contracts.address() as AddressInfo).port}/openapi.json`;
    const registered = await fetch(`${server.url}/services/payments`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ instances: [{ id: "p-a", url: "http://127.0.0.1:9" }], openapi: url }),
    });
    expect(registered.status).toBe(201);
    // Act: the service starts requiring a currency the workflow never sends
    served = contract(["orderId", "currency"]);
    const broken = await until(
      () => get<{ items: DriftItem[] }>("/drift"),
      (r) => r.body.items.length > 0,
    );
    const service = await get<{ drift: DriftItem[] }>("/services/payments");
    served = contract(["orderId"]);
    const fixed = await until(
      () => get<{ items: DriftItem[] }>("/drift"),
      (r) => r.body.items.length === 0,
    );
    const events = await until(
      async () => [...announced],
      (a) => a.includes("Contract Drift Cleared"),
    );
    // Assess
    const summary = (items: readonly DriftItem[]) =>
      items.map(
        (i) => `${i.service}/${i.region}: ${i.workflows.map((w) => `${w.workflow}[${w.steps}]`)}`,
      );
    expect([broken.status, summary(broken.body.items)]).toEqual([
      200,
      ["payments/local: pay[charge]"],
    ]);
    expect(summary(service.body.drift)).toEqual(["payments/local: pay[charge]"]);
    expect([fixed.status, fixed.body.items]).toEqual([200, []]);
    expect(events).toEqual(["Contract Drift Detected", "Contract Drift Cleared"]);
  });
});
