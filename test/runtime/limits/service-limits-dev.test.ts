/**
 * Service limits in `baton dev` (registry `limits`, shared through dynalite): calls over the
 * concurrency limit wait instead of failing, a rate limit spaces calls out, and bad `limits` are
 * refused with the field and the reason.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../../lib/local/server.ts";
import type { ExecutionDocument } from "../../../lib/runtime/records/document.ts";
import { type GateService, startGateService } from "../../support/gate-service.ts";

const WORKFLOW = `workflow: calls
steps:
  - id: work
    call: gate POST /work
    with: { tag: "{{ input.tag }}" }
    idempotent: true
    timeout: 20
    retry: false
`;

let dir: string;
let gate: GateService;
let server: DevServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-service-limits-"));
  gate = await startGateService();
  const workflows = join(dir, "workflows");
  await mkdir(workflows);
  await writeFile(join(workflows, "calls.yaml"), WORKFLOW);
  server = await startDevServer({
    port: 0,
    workflowsDir: workflows,
    dataDir: join(dir, "data"),
    log: () => {},
    out: () => {},
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await gate?.close();
  await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

async function api<T>(method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === "" ? null : JSON.parse(text)) as T };
}

const register = (limits: unknown) =>
  api<{ errors?: { path: string; message: string }[] }>("PUT", "/services/gate", {
    instances: [{ id: "gate-1", url: gate.url }],
    health: { path: "/health", intervalSeconds: 3600 },
    ...(limits === undefined ? {} : { limits }),
  });

async function finished(ids: readonly string[]): Promise<ExecutionDocument[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const docs = await Promise.all(
      ids.map(async (id) => (await api<ExecutionDocument>("GET", `/executions/${id}`)).body),
    );
    if (docs.every((d) => d.status !== "RUNNING")) return docs;
    if (Date.now() > deadline)
      throw new Error(`still running: ${JSON.stringify(docs.map((d) => d.status))}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("service limits", () => {
  it("refuses invalid limits with the field and the reason", async () => {
    const zero = await register({ concurrency: 0 });
    expect(zero.status).toBe(400);
    expect(zero.body.errors).toContainEqual({
      path: "/limits/concurrency",
      message: "must be between 1 and 10000, got 0",
    });
    const empty = await register({});
    expect(empty.status).toBe(400);
    expect(empty.body.errors?.[0]?.path).toBe("/limits");
    const unknown = await register({ rate: 5 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors?.[0]?.message).toContain('unknown field "rate"');
    const slow = await register({ ratePerSecond: -1 });
    expect(slow.body.errors?.[0]?.path).toBe("/limits/ratePerSecond");
  });

  it("makes calls over the concurrency limit wait, none failing", async () => {
    expect((await register({ concurrency: 2 })).status).toBeLessThan(300);
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // the registry cache
    gate.passThrough(false);
    gate.resetMax();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(
        (await api<ExecutionDocument>("POST", "/workflows/calls/executions", { tag: `c${i}` })).body
          .id,
      );
    await gate.waitForHeld(2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(gate.held).toHaveLength(2); // the other three wait for a slot
    gate.passThrough(true);
    const docs = await finished(ids);
    expect(docs.map((d) => d.status)).toEqual(Array(5).fill("SUCCEEDED"));
    expect(gate.maxInFlight()).toBe(2);
    gate.passThrough(false);
  }, 60_000);

  it("spaces calls out to the rate limit", async () => {
    expect((await register({ ratePerSecond: 2 })).status).toBeLessThan(300);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    gate.passThrough(true);
    // The registry is served stale while one read refreshes it: the first call after the cache's
    // second may still see the service without its limit. One call first, so the six see it.
    const warmUp = await api<ExecutionDocument>("POST", "/workflows/calls/executions", {
      tag: "warm-up",
    });
    await finished([warmUp.body.id]);
    const before = gate.arrivals.length;
    const t0 = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++)
      ids.push(
        (await api<ExecutionDocument>("POST", "/workflows/calls/executions", { tag: `r${i}` })).body
          .id,
      );
    const docs = await finished(ids);
    expect(docs.map((d) => d.status)).toEqual(Array(6).fill("SUCCEEDED"));
    expect(gate.arrivals.length - before).toBe(6);
    // 6 calls at 2 per fixed 1 s window span at least two window boundaries.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000);
    gate.passThrough(false);
  }, 60_000);
});
