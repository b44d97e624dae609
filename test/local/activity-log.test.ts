/**
 * What `baton dev` prints while it runs: the line for each kind of bus event, and the lines a real
 * dev server prints for a saga that fails and compensates.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activityLine, attachActivityLog, HOLD_MS } from "../../lib/local/activity-log.ts";
import { type DemoServices, startDemoServices } from "../../lib/local/demo/services.ts";
import { type BusEvent, LocalEventBus } from "../../lib/local/event-bus.ts";
import { type DevServer, startDevServer } from "../../lib/local/server.ts";

const WORKFLOWS = join(import.meta.dirname, "fixtures", "workflows");

function event(detailType: string, detail: object, source = "baton"): BusEvent {
  return {
    version: "0",
    id: "e1",
    "detail-type": detailType,
    source,
    account: "000000000000",
    time: "2026-12-04T06:00:00Z",
    region: "local",
    resources: [],
    detail: detail as BusEvent["detail"],
  };
}

const run = { workflow: "order", executionId: "ex-1" };

describe("activityLine", () => {
  it.each([
    ["Execution Started", run, "order ex-1 started"],
    ["Execution Succeeded", { ...run, durationMs: 1234 }, "order ex-1 SUCCEEDED in 1.23 s"],
    [
      "Execution Failed",
      {
        ...run,
        durationMs: 500,
        error: { name: "Baton.ServiceError", message: "payments answered 503" },
        compensation: "COMPLETED",
      },
      "order ex-1 FAILED in 0.50 s: Baton.ServiceError: payments answered 503 (compensation COMPLETED)",
    ],
    [
      "Step Failed",
      {
        ...run,
        stepId: "charge",
        service: "payments",
        attempt: 2,
        error: { name: "Baton.ServiceError", message: "503", retryable: true },
      },
      "order ex-1 step charge [payments] attempt 2 failed: Baton.ServiceError: 503 (will retry if attempts remain)",
    ],
    [
      "Step Retried",
      { ...run, stepId: "charge", itemPath: "[3]", service: "payments", attempt: 3 },
      "order ex-1 step charge[3] [payments] retry, attempt 3",
    ],
    [
      "Step Compensated",
      { ...run, stepId: "reserve", mode: "compensate", service: "inventory" },
      "order ex-1 step reserve undone",
    ],
    [
      "Compensation Failed",
      { ...run, error: { Error: "Baton.ServiceError", Cause: '{"errorMessage":"gone"}' } },
      "order ex-1 compensation FAILED: Baton.ServiceError: gone",
    ],
    [
      "Service Registered",
      { service: "payments", instances: ["p1", "p2"] },
      "registry: payments registered (instances p1, p2)",
    ],
    [
      "Instance Health Changed",
      { service: "payments", instance: "p1", healthy: false, reason: "503 from /health" },
      "health: payments/p1 UNHEALTHY (503 from /health)",
    ],
    [
      "Circuit Opened",
      { service: "payments", state: "OPEN" },
      "circuit: payments OPEN: calls fail fast until the cooldown ends",
    ],
  ])("%s", (detailType, detail, expected) => {
    expect(activityLine(event(detailType, detail))?.text).toBe(expected);
  });

  it("says nothing of step starts, successes and events from other sources", () => {
    expect([
      activityLine(event("Step Started", { ...run, stepId: "a" })),
      activityLine(event("Step Succeeded", { ...run, stepId: "a" })),
      activityLine(event("Execution Started", run, "shop.orders")),
    ]).toEqual([undefined, undefined, undefined]);
  });

  it("prints each line with the time, and stops when detached", () => {
    const bus = new LocalEventBus();
    const lines: string[] = [];
    const detach = attachActivityLog(bus, {
      write: (line) => lines.push(line),
      now: () => new Date("2026-12-04T06:07:08Z"),
    });

    bus.put([{ source: "baton", detailType: "Execution Started", detail: run }]);
    detach();
    bus.put([{ source: "baton", detailType: "Execution Started", detail: run }]);

    expect(lines).toEqual(["06:07:08 order ex-1 started"]);
  });
});

describe("activity lines of an execution whose start has not been announced yet", () => {
  it("wait for its start line, then come in the order they arrived", () => {
    const bus = new LocalEventBus();
    const lines: string[] = [];
    attachActivityLog(bus, { write: (line) => lines.push(line.slice(9)), now: () => new Date() });
    const failed = { ...run, stepId: "ship", attempt: 1, error: { name: "Baton.ClientError" } };

    bus.put([{ source: "baton", detailType: "Step Failed", detail: failed }]);
    bus.put([{ source: "baton", detailType: "Compensation Started", detail: run }]);
    const before = [...lines];
    bus.put([{ source: "baton", detailType: "Execution Started", detail: run }]);

    expect([before, lines]).toEqual([
      [],
      [
        "order ex-1 started",
        "order ex-1 step ship attempt 1 failed: Baton.ClientError",
        "order ex-1 compensation started",
      ],
    ]);
  });

  it("are printed after HOLD_MS when no start line comes (an execution resumed after a restart)", async () => {
    const bus = new LocalEventBus();
    const lines: string[] = [];
    attachActivityLog(bus, { write: (line) => lines.push(line.slice(9)), now: () => new Date() });

    bus.put([{ source: "baton", detailType: "Compensation Started", detail: run }]);
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS + 200));
    bus.put([{ source: "baton", detailType: "Compensation Completed", detail: run }]);

    expect(lines).toEqual(["order ex-1 compensation started", "order ex-1 compensation completed"]);
  });
});

describe("baton dev activity", () => {
  let dir: string;
  let demo: DemoServices;
  let server: DevServer;
  const lines: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "baton-activity-"));
    demo = await startDemoServices({ basePort: 0 });
    await writeFile(join(dir, "services.yaml"), demo.servicesYaml());
    server = await startDevServer({
      port: 0,
      workflowsDir: WORKFLOWS,
      servicesFile: join(dir, "services.yaml"),
      dataDir: join(dir, "data"),
      skipDelays: true,
      log: () => {},
      out: () => {},
      activity: (line) => lines.push(line.slice(9)),
    });
  });

  afterAll(async () => {
    await server?.stop();
    await demo?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("tells the story of a saga that fails and compensates, one line each", async () => {
    // Prepare: shipping refuses every attempt with a client error (not retried)
    await fetch(`${demo.services.get("shipping")?.url}/__control`, {
      method: "POST",
      body: JSON.stringify({ failNext: 10, failStatus: 400 }),
    });

    // Act
    const response = await fetch(`${server.url}/workflows/test-saga/executions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ orderId: "o-1", amount: 5 }),
    });
    const { id } = (await response.json()) as { id: string };
    const deadline = Date.now() + 30_000;
    while (!lines.some((line) => line.startsWith(`test-saga ${id} FAILED`))) {
      if (Date.now() > deadline) throw new Error(`no end line; got:\n${lines.join("\n")}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await server.runtime.idle();

    // Assess
    const story = lines
      .filter((line) => line.startsWith(`test-saga ${id}`))
      .map((line) => line.slice(`test-saga ${id} `.length).replace(/ in \d+\.\d\d s/, ""));
    expect(lines).toEqual(
      expect.arrayContaining([
        "registry: inventory registered (instances inventory-a)",
        "registry: payments registered (instances payments-a)",
      ]),
    );
    expect(story).toEqual([
      "started",
      expect.stringMatching(
        /^step ship \[shipping\] attempt 1 failed: Baton\.ClientError: HTTP 400/,
      ),
      "compensation started",
      "step charge undone",
      "step reserve undone",
      "compensation completed",
      expect.stringMatching(/^FAILED: Baton\.ClientError.*\(compensation COMPLETED\)$/),
    ]);
  });
});
