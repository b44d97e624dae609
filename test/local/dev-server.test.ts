/**
 * `baton dev` end to end over real HTTP: a dev server on loopback running the test workflows in
 * test/local/fixtures/workflows against the demo services, driven only through the API (and the
 * local bus for the event trigger). Retry and Wait pauses are zeroed (`skipDelays`).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DemoServiceCall } from "../../lib/local/demo/service.ts";
import { type DemoServices, startDemoServices } from "../../lib/local/demo/services.ts";
import { createHarness } from "../../lib/local/harness.ts";
import { type DevServer, startDevServer } from "../../lib/local/server.ts";
import type { ExecutionDocument, ExecutionEvent } from "../../lib/runtime/records/document.ts";

const WORKFLOWS = join(import.meta.dirname, "fixtures", "workflows");

let dir: string;
let demo: DemoServices;
let server: DevServer;

async function boot(): Promise<DevServer> {
  return startDevServer({
    port: 0,
    workflowsDir: WORKFLOWS,
    servicesFile: join(dir, "services.yaml"),
    dataDir: join(dir, "data"),
    skipDelays: true,
    log: () => {},
    out: () => {},
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-dev-test-"));
  demo = await startDemoServices({ basePort: 0 });
  await writeFile(join(dir, "services.yaml"), demo.servicesYaml());
  server = await boot();
});

afterAll(async () => {
  await server?.stop();
  await demo?.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  for (const service of demo.services.values()) {
    await fetch(`${service.url}/__control`, {
      method: "POST",
      body: JSON.stringify({ reset: true }),
    });
  }
});

interface Reply<T = unknown> {
  readonly status: number;
  readonly type: string;
  readonly body: T;
}

async function api<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get("content-type") ?? "",
    body: (text === "" ? null : JSON.parse(text)) as T,
  };
}

const start = (workflow: string, input: unknown, headers: Record<string, string> = {}) =>
  api<ExecutionDocument>("POST", `/workflows/${workflow}/executions`, input, headers);

async function finished(id: string, timeoutMs = 15_000): Promise<ExecutionDocument> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api<ExecutionDocument>("GET", `/executions/${id}`);
    const settled = body.status !== "RUNNING" && body.compensation !== "RUNNING";
    if (settled) {
      await server.runtime.idle();
      return (await api<ExecutionDocument>("GET", `/executions/${id}`)).body;
    }
    if (Date.now() > deadline) throw new Error(`execution ${id} still ${body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const document = async (id: string): Promise<ExecutionDocument> =>
  (await api<ExecutionDocument>("GET", `/executions/${id}`)).body;

async function until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function parked(id: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await server.signals.waiting(id)).length === 0) {
    if (Date.now() > deadline) throw new Error(`execution ${id} never reached its await step`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const control = (service: string, settings: object) =>
  fetch(`${demo.services.get(service)?.url}/__control`, {
    method: "POST",
    body: JSON.stringify(settings),
  });

/** Every call the demo services received, in arrival order, as `service METHOD path`. */
function received(): string[] {
  return [...demo.services.values()]
    .flatMap((s) => s.calls())
    .sort((a: DemoServiceCall, b: DemoServiceCall) => a.seq - b.seq)
    .map(
      (c) =>
        `${c.service} ${c.method} ${c.path.replace(/\/(inventory|payments|shipping)-\d+$/, "/:id")}`,
    );
}

const stepSummary = (doc: ExecutionDocument) =>
  doc.steps.map((s) => `${s.id}:${s.status}:${s.attempts}`);

describe("baton dev over HTTP", () => {
  it("runs a saga to success", async () => {
    // Act
    const started = await start("test-saga", { orderId: "o-1", amount: 10 });
    const done = await finished(started.body.id);
    // Assess
    expect(started.status).toEqual(201);
    expect(done.status).toEqual("SUCCEEDED");
    expect(stepSummary(done)).toEqual([
      "reserve:SUCCEEDED:1",
      "charge:SUCCEEDED:1",
      "ship:SUCCEEDED:1",
    ]);
    expect(Object.keys(done.output as object)).toEqual(["reservation", "charge", "shipment"]);
    expect(received()).toEqual([
      "inventory POST /reservations",
      "payments POST /charges",
      "shipping POST /shipments",
    ]);
  });

  it("retries a step that fails with 503 and records the attempt count", async () => {
    // Prepare
    await control("payments", { failNext: 2 });
    // Act
    const done = await finished((await start("test-saga", { orderId: "o-2", amount: 10 })).body.id);
    // Assess
    expect(done.status).toEqual("SUCCEEDED");
    expect(stepSummary(done)).toEqual([
      "reserve:SUCCEEDED:1",
      "charge:SUCCEEDED:3",
      "ship:SUCCEEDED:1",
    ]);
    expect(received().filter((c) => c.startsWith("payments"))).toEqual([
      "payments POST /charges",
      "payments POST /charges",
      "payments POST /charges",
    ]);
  });

  it("stamps compensation events after the failure they follow, not at the execution's start", async () => {
    // Prepare
    await control("shipping", { failNext: 1, failStatus: 400 });
    const started = await start("test-saga", { orderId: "o-8", amount: 10 });
    await finished(started.body.id);

    // Act
    const events = (
      await api<{ items: ExecutionEvent[] }>(
        "GET",
        `/executions/${started.body.id}/events?limit=500`,
      )
    ).body.items;

    // Assess: Baton's compensation events carry the time their state was entered
    const at = (type: string, stepId?: string) =>
      events.find((e) => e.type === type && (stepId === undefined || e.stepId === stepId))?.time ??
      "";
    const failed = at("Step Failed", "ship");
    expect(failed).not.toEqual("");
    for (const type of ["Compensation Started", "Compensation Completed"])
      expect(at(type) >= failed, `${type} at ${at(type)}, ship failed at ${failed}`).toBe(true);
    expect(at("Step Compensated", "reserve") >= at("Step Compensated", "charge")).toBe(true);
  });

  it("compensates succeeded steps in reverse order when a later step fails", async () => {
    // Prepare
    await control("shipping", { failNext: 1, failStatus: 400 });
    // Act
    const done = await finished((await start("test-saga", { orderId: "o-3", amount: 10 })).body.id);
    // Assess
    expect([done.status, done.compensation, done.error?.name, done.error?.step]).toEqual([
      "FAILED",
      "COMPLETED",
      "Baton.ClientError",
      "ship",
    ]);
    expect(stepSummary(done)).toEqual([
      "reserve:COMPENSATED:1",
      "charge:COMPENSATED:1",
      "ship:FAILED:1",
    ]);
    expect(received()).toEqual([
      "inventory POST /reservations",
      "payments POST /charges",
      "shipping POST /shipments",
      "payments POST /refunds",
      "inventory DELETE /reservations/:id",
    ]);
  });

  it("does not retry a non-retryable error", async () => {
    // Prepare
    await control("payments", { failNext: 1, failStatus: 422 });
    // Act
    const done = await finished((await start("test-saga", { orderId: "o-4", amount: 10 })).body.id);
    // Assess
    expect([done.status, done.error?.name, done.error?.step]).toEqual([
      "FAILED",
      "Baton.ClientError",
      "charge",
    ]);
    expect(stepSummary(done)).toEqual([
      "reserve:COMPENSATED:1",
      "charge:FAILED:1",
      "ship:PENDING:0",
    ]);
    expect(received()).toEqual([
      "inventory POST /reservations",
      "payments POST /charges",
      "inventory DELETE /reservations/:id",
    ]);
  });

  it("compensates the succeeded sibling when a parallel branch fails", async () => {
    // Prepare
    await control("payments", { failNext: 1, failStatus: 400 });
    // Act
    const done = await finished((await start("test-fanout", { amount: 5 })).body.id);
    // Assess
    expect([done.status, done.compensation, done.error?.step]).toEqual([
      "FAILED",
      "COMPLETED",
      "pay",
    ]);
    expect(stepSummary(done).filter((s) => !s.startsWith("both:"))).toEqual([
      "hold:COMPENSATED:1",
      "pay:FAILED:1",
    ]);
    expect(received().filter((c) => c.startsWith("inventory"))).toEqual([
      "inventory POST /holds",
      "inventory POST /holds/release",
    ]);
  });

  it("cancels an execution parked at an await step and compensates it", async () => {
    // Prepare
    const started = await start("test-approval", {});
    await parked(started.body.id);
    // Act
    const cancelled = await api<{ compensation: string }>(
      "POST",
      `/executions/${started.body.id}/cancel`,
      { compensate: true },
    );
    const done = await finished(started.body.id);
    // Assess
    expect([cancelled.status, cancelled.body.compensation]).toEqual([202, "in-workflow"]);
    expect([done.status, done.compensation]).toEqual(["CANCELLED", "COMPLETED"]);
    expect(received()).toEqual([
      "inventory POST /reservations",
      "inventory DELETE /reservations/:id",
    ]);
  });

  it("cancels a saga while a step runs: aborts the call, compensates the succeeded steps in reverse order, and reports the unconfirmed one", async () => {
    // Prepare
    await control("shipping", { latencyMs: 4_000 });
    const started = await start("test-saga", { orderId: "o-7", amount: 10 });
    const id = started.body.id;
    await until(async () =>
      (await document(id)).steps.some((s) => s.id === "ship" && s.status === "RUNNING"),
    );
    const began = Date.now();
    // Act
    const cancelled = await api<{ compensation: string }>("POST", `/executions/${id}/cancel`, {
      compensate: true,
    });
    const answeredMs = Date.now() - began;
    await until(async () =>
      ["COMPLETED", "FAILED", "UNCERTAIN"].includes((await document(id)).compensation),
    );
    await server.runtime.idle();
    const done = await document(id);
    const listed = await api<{ items: ExecutionDocument[] }>(
      "GET",
      "/workflows/test-saga/executions?limit=100",
    );
    // The demo service notes the aborted request only after its latency: let it land here.
    await until(async () => received().includes("shipping POST /shipments"), 15_000);
    // Assess: ship's request was aborted (no 4 s wait); it has no compensate, so its effect, if
    // any, cannot be undone: compensation UNCERTAIN
    expect([cancelled.status, cancelled.body.compensation, answeredMs < 3_000]).toEqual([
      202,
      "running",
      true,
    ]);
    expect([done.status, done.compensation, done.error?.name]).toEqual([
      "CANCELLED",
      "UNCERTAIN",
      "Baton.Cancelled",
    ]);
    expect(stepSummary(done)).toEqual([
      "reserve:COMPENSATED:1",
      "charge:COMPENSATED:1",
      "ship:FAILED:1",
    ]);
    expect(done.steps[2]?.error?.name).toEqual("Baton.Cancelled");
    expect(received().filter((c) => !c.startsWith("shipping"))).toEqual([
      "inventory POST /reservations",
      "payments POST /charges",
      "payments POST /refunds",
      "inventory DELETE /reservations/:id",
    ]);
    expect(listed.body.items.filter((e) => e.id.startsWith(id)).map((e) => e.id)).toEqual([id]);
  });

  it("refuses to redrive a saga whose steps a cancel compensated", async () => {
    // Prepare
    await control("shipping", { latencyMs: 2_000 });
    const started = await start("test-saga", { orderId: "o-8", amount: 10 });
    const id = started.body.id;
    await until(async () =>
      (await document(id)).steps.some((s) => s.id === "ship" && s.status === "RUNNING"),
    );
    await api("POST", `/executions/${id}/cancel`, { compensate: true });
    await until(
      async () => (await document(id)).steps.filter((s) => s.status === "COMPENSATED").length === 2,
    );
    // Act
    const redrive = await api<{ detail: string }>("POST", `/executions/${id}/redrive`);
    await until(async () => received().includes("shipping POST /shipments"), 15_000);
    // Assess
    expect([redrive.status, redrive.type]).toEqual([409, "application/problem+json"]);
    expect(redrive.body.detail).toContain("steps reserve, charge were compensated");
  });

  it("cancels an execution without compensation when not asked to", async () => {
    // Prepare
    const started = await start("test-approval", {});
    await parked(started.body.id);
    // Act
    const cancelled = await api<{ compensation: string }>(
      "POST",
      `/executions/${started.body.id}/cancel`,
      {},
    );
    const done = await finished(started.body.id);
    // Assess
    expect([cancelled.status, cancelled.body.compensation]).toEqual([202, "none"]);
    expect([done.status, done.compensation, done.error?.name]).toEqual([
      "CANCELLED",
      "NONE",
      "Baton.Cancelled",
    ]);
    expect(received()).toEqual(["inventory POST /reservations"]);
  });

  it("resumes an await step with the signal's payload", async () => {
    // Prepare
    const started = await start("test-approval", {});
    await parked(started.body.id);
    // Act
    const signal = await api("POST", `/executions/${started.body.id}/signals/approval`, {
      amount: 7,
    });
    const done = await finished(started.body.id);
    // Assess
    expect(signal.status).toEqual(200);
    expect(done.status).toEqual("SUCCEEDED");
    const charge = demo.services.get("payments")?.calls()[0];
    expect(charge?.body).toEqual({ amount: 7 });
  });

  it("resumes each map item's await on its own, addressed with ?item=<index>", async () => {
    // Prepare: three lines, each parked at its own await.
    const started = await start("test-approval-each", { lines: ["a", "b", "c"] });
    const id = started.body.id;
    await until(async () => (await server.signals.waiting(id)).length === 3);

    // Act
    const unaddressed = await api("POST", `/executions/${id}/signals/approval`, { amount: 1 });
    const answers = [];
    for (const [item, amount] of [
      [2, 30],
      [0, 10],
      [1, 20],
    ] as const) {
      answers.push(
        (await api("POST", `/executions/${id}/signals/approval?item=${item}`, { amount })).status,
      );
    }
    const done = await finished(id);

    // Assess
    expect([unaddressed.status, answers, done.status]).toEqual([400, [200, 200, 200], "SUCCEEDED"]);
    const charges = demo.services.get("payments")?.calls() ?? [];
    expect(
      charges.map((c) => `${c.headers["idempotency-key"]} ${JSON.stringify(c.body)}`).sort(),
    ).toEqual([
      `${id}:lines[0].charge_line {"amount":10}`,
      `${id}:lines[1].charge_line {"amount":20}`,
      `${id}:lines[2].charge_line {"amount":30}`,
    ]);
  });

  it("fails an await step that gets no signal with Baton.SignalTimeout and compensates", async () => {
    // Act
    const done = await finished((await start("test-approval-timeout", {})).body.id);
    // Assess
    expect([done.status, done.compensation, done.error?.name, done.error?.step]).toEqual([
      "FAILED",
      "COMPLETED",
      "Baton.SignalTimeout",
      "approve",
    ]);
    expect(received()).toEqual([
      "inventory POST /reservations",
      "inventory DELETE /reservations/:id",
    ]);
  });

  it("starts a workflow from a matching event put with POST /events, and from it only", async () => {
    // Act
    const put = await api<{ entries: { eventId: string }[] }>("POST", "/events", {
      entries: [
        {
          source: "shop.orders",
          detailType: "Order Placed",
          detail: { orderId: "low-1", priority: "low" },
        },
        {
          source: "shop.orders",
          "detail-type": "Order Placed",
          detail: { orderId: "high-1", priority: "high-now" },
        },
      ],
    });
    const forged = await api("POST", "/events", {
      source: "baton",
      detailType: "Execution Succeeded",
      detail: { executionId: "x" },
    });
    await server.runtime.idle();
    let list = await api<{ items: ExecutionDocument[] }>(
      "GET",
      "/workflows/test-triggered/executions",
    );
    for (const item of list.body.items) await finished(item.id);
    list = await api<{ items: ExecutionDocument[] }>("GET", "/workflows/test-triggered/executions");
    // Assess
    expect(put.status).toBe(202);
    expect(put.body.entries).toHaveLength(2);
    expect(new Set(put.body.entries.map((e) => e.eventId)).size).toBe(2);
    expect(forged.status).toBe(400);
    expect(list.body.items.map((e) => [e.status, e.input, e.startedBy])).toEqual([
      ["SUCCEEDED", { orderId: "high-1", priority: "high-now" }, "event:shop.orders"],
    ]);
    expect(
      demo.services
        .get("email")
        ?.calls()
        .map((c) => c.body),
    ).toEqual([{ to: "ops@example.com", order: "high-1" }]);
  });

  it("serves undeliverable events on GET /dlq and redelivers them on POST /dlq/redrive", async () => {
    // Prepare
    let healthy = false;
    server.runtime.bus.addRule("test-flaky-target", { source: ["test.dlq"] }, () => {
      if (!healthy) throw new Error("target unavailable");
    });
    server.runtime.bus.put([{ source: "test.dlq", detailType: "Ping", detail: { n: 1 } }]);
    await server.runtime.idle();
    // Act
    const listed = await api<{
      items: { detailType: string; reason: string }[];
      approximateCount: number;
    }>("GET", "/dlq");
    healthy = true;
    const redriven = await api("POST", "/dlq/redrive", { max: 10 });
    const after = await api<{ approximateCount: number }>("GET", "/dlq");
    server.runtime.bus.removeRule("test-flaky-target");
    // Assess
    expect(listed.body.items.map((l) => [l.detailType, l.reason])).toEqual([
      ["Ping", "rule test-flaky-target: Error: target unavailable"],
    ]);
    expect([redriven.status, redriven.body, after.body.approximateCount]).toEqual([
      200,
      { redriven: 1, failed: [] },
      0,
    ]);
  });

  it("serves the seeded registry with instance health from the health checks", async () => {
    // Act
    const reply = await api<{
      name: string;
      instances: { id: string; healthy: boolean; lastCheckedAt: number | null }[];
    }>("GET", "/services/inventory");
    // Assess
    expect(reply.status).toEqual(200);
    expect(reply.body.instances.map((i) => [i.id, i.healthy, i.lastCheckedAt !== null])).toEqual([
      ["inventory-a", true, true],
    ]);
  });

  it("returns the same execution for a repeated Idempotency-Key", async () => {
    // Prepare
    const headers = { "idempotency-key": `key-${Date.now()}` };
    // Act
    const first = await start("test-saga", { orderId: "o-5", amount: 10 }, headers);
    const second = await start("test-saga", { orderId: "o-5", amount: 10 }, headers);
    const other = await start("test-saga", { orderId: "o-6", amount: 10 }, headers);
    await finished(first.body.id);
    // Assess
    expect([first.status, second.status, second.body.id, other.status]).toEqual([
      201,
      200,
      first.body.id,
      422,
    ]);
    expect(received().filter((c) => c.startsWith("inventory"))).toEqual([
      "inventory POST /reservations",
    ]);
  });
});

describe("baton dev input errors", () => {
  const problems: readonly [string, string, unknown, number][] = [
    ["GET", "/workflows/no-such-workflow", undefined, 404],
    ["POST", "/workflows/no-such-workflow/executions", {}, 404],
    ["POST", "/workflows/test-saga/executions", "{not json", 400],
    ["POST", "/workflows/test-saga/executions", { amount: -1 }, 400],
    ["GET", "/workflows/test-saga/executions?status=BOGUS", undefined, 400],
    ["GET", "/workflows/test-saga/executions?limit=0", undefined, 400],
    ["GET", "/workflows/test-saga/executions?cursor=garbage", undefined, 400],
    ["GET", "/workflows/test-saga/stats?since=yesterday", undefined, 400],
    ["GET", "/executions/bad%20id", undefined, 400],
    ["GET", "/executions/no-such-execution", undefined, 404],
    ["GET", "/executions/no-such-execution/events", undefined, 404],
    ["POST", "/executions/no-such-execution/cancel", {}, 404],
    ["POST", "/executions/no-such-execution/cancel", [1], 400],
    ["POST", "/executions/no-such-execution/redrive", undefined, 404],
    ["POST", "/executions/no-such-execution/signals/approval", {}, 404],
    ["GET", "/services/no-such-service", undefined, 404],
    ["PUT", "/services/new-service", { instances: "nope" }, 400],
    ["PUT", "/services/no-such-service/instances/i-1", { url: "http://127.0.0.1:1" }, 404],
    ["PUT", "/services/inventory/instances/i-1", { url: "ftp://example.com" }, 400],
    ["DELETE", "/services/no-such-service", undefined, 404],
    ["POST", "/dlq/redrive", { max: 0 }, 400],
    ["GET", "/no-such-route", undefined, 404],
  ];

  it.each(problems)(
    "answers %s %s with body %j by problem+json %i",
    async (method, path, body, status) => {
      // Act
      const reply = await api<{ status: number; title: string; type: string; detail: string }>(
        method,
        path,
        body,
      );
      // Assess
      expect([reply.status, reply.type, reply.body.status]).toEqual([
        status,
        "application/problem+json",
        status,
      ]);
      expect(typeof reply.body.title === "string" && typeof reply.body.detail === "string").toEqual(
        true,
      );
    },
  );

  it("refuses a body nested 5,000 levels deep with 400 and keeps serving", async () => {
    // Prepare: 10 KB of nesting (this took the server down from its journal before)
    const deep = `{"x":${"[".repeat(5000)}${"]".repeat(5000)}}`;

    // Act
    const reply = await api<{ type: string; detail: string }>(
      "POST",
      "/workflows/test-fanout/executions",
      deep,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const health = await api("GET", "/health");

    // Assess
    expect([reply.status, reply.body.type]).toEqual([400, "urn:baton:problem:too-deep"]);
    expect(reply.body.detail).toContain("more than 64 levels");
    expect(health.status).toEqual(200);
  });

  it("accepts a body nested 64 levels deep", async () => {
    // Prepare: the deepest accepted body is an input like any other
    const body = { x: Array.from({ length: 62 }).reduce<unknown>((inner) => [inner], 1) };

    // Act
    const reply = await api<{ id: string }>("POST", "/workflows/test-fanout/executions", body);

    // Assess
    expect(reply.status).toEqual(201);
    const done = await finished(reply.body.id);
    expect(done.input).toEqual(body);
  });

  it("answers any random body with a status below 500 and never goes down", async () => {
    const routes = [
      ["POST", "/workflows/test-saga/executions"],
      ["POST", "/workflows/test-fanout/executions"],
      ["POST", "/executions/no-such-execution/cancel"],
      ["POST", "/executions/no-such-execution/signals/approval"],
      ["PUT", "/services/fuzzed"],
      ["POST", "/dlq/redrive"],
    ] as const;
    const nested = fc
      .tuple(fc.integer({ min: 1, max: 3000 }), fc.constantFrom("[", '{"a":'))
      .map(([depth, open]) => `${open.repeat(depth)}1${(open === "[" ? "]" : "}").repeat(depth)}`);
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v) ?? "null"),
      nested,
      fc.string({ maxLength: 200 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), body, async ([method, path], text) => {
        const response = await fetch(`${server.url}${path}`, {
          method,
          headers: { "content-type": "application/json" },
          body: text,
        });
        await response.text();
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
    expect((await api("GET", "/health")).status).toEqual(200);
  }, 120_000);

  it("lists every schema violation of a start request", async () => {
    // Act
    const reply = await api<{ errors: { path: string }[] }>(
      "POST",
      "/workflows/test-saga/executions",
      { amount: -1 },
    );
    // Assess
    expect(reply.body.errors.map((e) => e.path).sort()).toEqual([
      "/input/amount",
      "/input/orderId",
    ]);
  });
});

/**
 * Event types in order: the execution's own, then each step's. Events of one millisecond order by
 * type (records cannot see which of two steps' events came first), so how different steps'
 * events interleave depends on speed and is left out.
 */
function inOrder(events: readonly ExecutionEvent[]) {
  const steps: Record<string, string[]> = {};
  for (const e of events) {
    if (e.stepId !== undefined) steps[e.stepId] = [...(steps[e.stepId] ?? []), e.type];
  }
  return { execution: events.filter((e) => e.stepId === undefined).map((e) => e.type), steps };
}

describe("the harness and baton dev", () => {
  it("fails when the harness's event list differs from baton dev's for the same runs", async () => {
    // Prepare: the harness calls the same demo services baton dev calls
    const services = Object.fromEntries(
      [...demo.services.values()].map((service) => [service.name, service.url]),
    );
    const harness = await createHarness({ file: join(WORKFLOWS, "saga.yaml"), services });
    const input = { orderId: "o-9", amount: 10 };
    const devEvents = async (id: string): Promise<readonly ExecutionEvent[]> =>
      (await api<{ items: ExecutionEvent[] }>("GET", `/executions/${id}/events?limit=500`)).body
        .items;
    try {
      // Act: one run that succeeds and one that compensates, each way
      const devSucceeded = await finished((await start("test-saga", input)).body.id);
      await control("shipping", { failNext: 1, failStatus: 400 });
      const devCompensated = await finished((await start("test-saga", input)).body.id);
      const harnessSucceeded = await harness.run(input);
      const harnessCompensated = await harness.run(input, {
        faults: [{ step: "ship", status: 400 }],
      });
      // Assess
      expect([devSucceeded.status, devCompensated.compensation]).toEqual([
        "SUCCEEDED",
        "COMPLETED",
      ]);
      const succeeded = inOrder(await devEvents(devSucceeded.id));
      expect(succeeded.execution).toStrictEqual([
        "Step Functions Execution Status Change",
        "Execution Started",
        "Step Functions Execution Status Change",
        "Execution Succeeded",
      ]);
      expect(inOrder(harnessSucceeded.events)).toStrictEqual(succeeded);
      expect(inOrder(harnessCompensated.events)).toStrictEqual(
        inOrder(await devEvents(devCompensated.id)),
      );
    } finally {
      await harness.close();
    }
  }, 60_000);
});

describe("baton dev restart", () => {
  it("keeps records across a restart and resumes executions it interrupted, without a redrive", async () => {
    // Prepare
    const done = await finished((await start("test-saga", { orderId: "o-7", amount: 10 })).body.id);
    const waiting = await start("test-approval", {});
    await parked(waiting.body.id);
    await server.stop();
    // Act
    server = await boot();
    const kept = await api<ExecutionDocument>("GET", `/executions/${done.id}`);
    await parked(waiting.body.id);
    await api("POST", `/executions/${waiting.body.id}/signals/approval`, { amount: 3 });
    const resumed = await finished(waiting.body.id);
    // Assess
    expect([kept.status, kept.body.status]).toEqual([200, "SUCCEEDED"]);
    expect(resumed.status).toEqual("SUCCEEDED");
    expect(received().filter((c) => c.includes("/reservations"))).toEqual([
      "inventory POST /reservations",
      "inventory POST /reservations",
    ]);
  }, 60_000);
});
