/**
 * Workflow concurrency limits in `baton dev`, through the HTTP API, on dynalite: at most `limit`
 * executions run at once, more starts are QUEUED and start in arrival order as slots free, and
 * every terminal status frees its slot (success, failure, cancel, timeout): no slot leaks and the
 * queues end empty. The gate service holds each call until the test lets it go.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../../lib/local/server.ts";
import type { ExecutionDocument } from "../../../lib/runtime/records/document.ts";
import {
  type GateService,
  gateServicesYaml,
  gateWorkflow,
  startGateService,
} from "../../support/gate-service.ts";

const WORKFLOWS: Record<string, string> = {
  "limited.yaml": gateWorkflow("limited", "concurrency: { limit: 2 }\n"),
  "keyed.yaml": gateWorkflow(
    "keyed",
    'concurrency: { limit: 1, key: "{{ input.tenant }}" }\ninput: { type: object, required: [tenant, tag] }\n',
  ),
  "pinq.yaml": gateWorkflow("pinq", "concurrency: { limit: 1 }\n"),
  "timed.yaml": gateWorkflow("timed", "timeout: 2\nconcurrency: { limit: 1 }\n"),
};

let dir: string;
let gate: GateService;
let server: DevServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-limits-"));
  gate = await startGateService();
  const workflows = join(dir, "workflows");
  await import("node:fs/promises").then((fs) => fs.mkdir(workflows));
  for (const [file, text] of Object.entries(WORKFLOWS))
    await writeFile(join(workflows, file), text);
  await writeFile(join(dir, "services.yaml"), gateServicesYaml(gate.url));
  server = await startDevServer({
    port: 0,
    workflowsDir: workflows,
    servicesFile: join(dir, "services.yaml"),
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

async function api<T>(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === "" ? null : JSON.parse(text)) as T };
}

const start = (workflow: string, input: Record<string, string>) =>
  api<ExecutionDocument>("POST", `/workflows/${workflow}/executions`, input);

async function until(
  id: string,
  statuses: readonly string[],
  timeoutMs = 20_000,
): Promise<ExecutionDocument> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api<ExecutionDocument>("GET", `/executions/${id}`);
    if (statuses.includes(body.status)) return body;
    if (Date.now() > deadline)
      throw new Error(`${id} is ${body.status}, expected one of ${statuses.join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function expectNoSlotsHeld(semaphore: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { holders } = await server.slots.holders(semaphore);
    const queue = await server.slots.head(semaphore, 10);
    if (Object.keys(holders).length === 0 && queue.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `${semaphore} still holds ${JSON.stringify(holders)} with ${queue.length} queued`,
      );
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("workflow concurrency limit", () => {
  it("queues over the limit, starts in arrival order, frees slots on success, failure and cancel", async () => {
    gate.resetMax();
    const tags = ["a", "b", "c", "d", "e", "f"];
    const started: ExecutionDocument[] = [];
    for (const tag of tags) {
      const reply = await start("limited", { tag });
      expect(reply.status).toBe(201);
      started.push(reply.body);
    }
    const id = (tag: string): string => started[tags.indexOf(tag)]?.id ?? "";
    expect(started.map((d) => d.status)).toEqual([
      "RUNNING",
      "RUNNING",
      "QUEUED",
      "QUEUED",
      "QUEUED",
      "QUEUED",
    ]);
    await gate.waitForHeld(2);
    expect(gate.held.map((r) => r.tag).sort()).toEqual(["a", "b"]);
    expect((await api<ExecutionDocument>("GET", `/executions/${id("c")}`)).body.status).toBe(
      "QUEUED",
    );

    // Cancel of a queued start removes it: it never runs.
    const cancelled = await api<{ execution: ExecutionDocument }>(
      "POST",
      `/executions/${id("d")}/cancel`,
      {},
    );
    expect(cancelled.status).toBe(202);
    expect(cancelled.body.execution.status).toBe("CANCELLED");

    // Success frees a slot: the oldest queued start (c) runs next.
    gate.held.find((r) => r.tag === "a")?.release();
    await until(id("a"), ["SUCCEEDED"]);
    await until(id("c"), ["RUNNING"]);
    await gate.waitForHeld(2);
    expect(gate.held.map((r) => r.tag).sort()).toEqual(["b", "c"]);

    // A failure frees its slot: e runs.
    gate.held.find((r) => r.tag === "b")?.release(500);
    await until(id("b"), ["FAILED"]);
    await until(id("e"), ["RUNNING"]);

    // A cancel of a running execution frees its slot: f runs.
    await gate.waitForHeld(2);
    const stop = await api("POST", `/executions/${id("c")}/cancel`, {});
    expect(stop.status).toBe(202);
    await until(id("c"), ["CANCELLED"]);
    await until(id("f"), ["RUNNING"]);

    gate.passThrough(true);
    for (const tag of ["e", "f"]) await until(id(tag), ["SUCCEEDED"]);
    gate.passThrough(false);
    expect(gate.maxInFlight()).toBeLessThanOrEqual(2);
    expect(gate.arrivals.filter((t) => tags.includes(t))).not.toContain("d");
    const d = await api<ExecutionDocument>("GET", `/executions/${id("d")}`);
    expect(d.body.status).toBe("CANCELLED");
    expect(d.body.steps.every((s) => s.status === "PENDING")).toBe(true);
    await expectNoSlotsHeld("limited");
  }, 90_000);

  it("limits per key value: other keys are not held back", async () => {
    const t1 = await start("keyed", { tenant: "t1", tag: "k1" });
    const t1b = await start("keyed", { tenant: "t1", tag: "k2" });
    const t2 = await start("keyed", { tenant: "t2", tag: "k3" });
    expect([t1.body.status, t1b.body.status, t2.body.status]).toEqual([
      "RUNNING",
      "QUEUED",
      "RUNNING",
    ]);
    gate.passThrough(true);
    for (const reply of [t1, t1b, t2]) await until(reply.body.id, ["SUCCEEDED"]);
    gate.passThrough(false);
    await expectNoSlotsHeld("keyed#t1");
    await expectNoSlotsHeld("keyed#t2");
  }, 60_000);

  it("refuses a start whose key reads an absent input value", async () => {
    const reply = await api<{ detail: string }>("POST", "/workflows/keyed/executions", {
      tag: "x",
    });
    expect(reply.status).toBe(400);
  });

  it("a timed-out execution frees its slot", async () => {
    const first = await start("timed", { tag: "slow" });
    const second = await start("timed", { tag: "next" });
    expect([first.body.status, second.body.status]).toEqual(["RUNNING", "QUEUED"]);
    await until(first.body.id, ["TIMED_OUT"], 30_000);
    await until(second.body.id, ["RUNNING", "TIMED_OUT"], 30_000);
    gate.releaseAll();
    await until(second.body.id, ["SUCCEEDED", "TIMED_OUT"], 30_000);
    await expectNoSlotsHeld("timed");
  }, 60_000);

  it("a queued start runs the version it was started with, not the one live when a slot frees", async () => {
    const first = await start("pinq", { tag: "v1-running" });
    await gate.waitForHeld(1);
    const pinned = await api<ExecutionDocument>("POST", "/workflows/pinq/executions?version=1", {
      tag: "v1-queued",
    });
    const published = await api("PUT", "/workflows/pinq", {
      workflow: "pinq",
      concurrency: { limit: 1 },
      steps: [
        {
          id: "work2",
          call: "gate POST /work",
          with: { tag: "{{ input.tag }}" },
          idempotent: true,
          retry: false,
        },
      ],
    });
    const unpinned = await start("pinq", { tag: "v2-queued" });
    expect([first.body.status, pinned.body.status, unpinned.body.status]).toEqual([
      "RUNNING",
      "QUEUED",
      "QUEUED",
    ]);
    expect([published.status, published.body]).toMatchObject([200, { version: 2 }]);
    gate.passThrough(true);
    gate.releaseAll();
    const ran = await until(pinned.body.id, ["SUCCEEDED", "FAILED"], 30_000);
    const later = await until(unpinned.body.id, ["SUCCEEDED", "FAILED"], 30_000);
    gate.passThrough(false);
    expect([ran.status, ran.version, ran.versionPinned]).toEqual(["SUCCEEDED", 1, true]);
    expect(ran.steps.map((s) => [s.id, s.status])).toEqual([["work", "SUCCEEDED"]]);
    expect([later.status, later.version]).toEqual(["SUCCEEDED", 2]);
    expect(later.steps.map((s) => [s.id, s.status])).toEqual([["work2", "SUCCEEDED"]]);
    await expectNoSlotsHeld("pinq");
  }, 90_000);
});
