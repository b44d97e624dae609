/**
 * The bus history and replay in `baton dev`, over HTTP: `GET /events` lists every event the local
 * bus carried (registry, health and circuit ones included) from the dynalite store, which survives
 * a restart; `POST /events/replay` puts a window back on the bus marked `replay-name`, and neither
 * starts an execution twice nor records anything twice.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoServices, startDemoServices } from "../../lib/local/demo/services.ts";
import type { BusEvent } from "../../lib/local/event-bus.ts";
import { type DevServer, startDevServer } from "../../lib/local/server.ts";
import type { HistoryEvent } from "../../lib/runtime/history/bus-history.ts";
import type { ExecutionDocument, ExecutionEvent } from "../../lib/runtime/records/document.ts";

const WORKFLOWS = join(import.meta.dirname, "fixtures", "workflows");

let dir: string;
let demo: DemoServices;
let server: DevServer;

const boot = (): Promise<DevServer> =>
  startDevServer({
    port: 0,
    workflowsDir: WORKFLOWS,
    servicesFile: join(dir, "services.yaml"),
    dataDir: join(dir, "data"),
    skipDelays: true,
    healthCheckSeconds: 1,
    log: () => {},
    out: () => {},
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-dev-events-"));
  demo = await startDemoServices({ basePort: 0 });
  await writeFile(join(dir, "services.yaml"), demo.servicesYaml());
  server = await boot();
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await demo?.close();
  await rm(dir, { recursive: true, force: true });
});

interface Reply<T> {
  readonly status: number;
  readonly body: T;
}

async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<Reply<T>> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === "" ? null : JSON.parse(text)) as T };
}

interface EventsPage {
  readonly items: HistoryEvent[];
  readonly nextCursor?: string;
}

/** Every stored event of the query, following cursors. */
async function allEvents(query: string): Promise<HistoryEvent[]> {
  const items: HistoryEvent[] = [];
  let cursor: string | undefined;
  do {
    const suffix = cursor === undefined ? "" : `&cursor=${cursor}`;
    const page = await api<EventsPage>("GET", `/events?${query}${suffix}`);
    expect(page.status).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor !== undefined);
  return items;
}

async function until(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const triggered = async (): Promise<ExecutionDocument[]> =>
  (await api<{ items: ExecutionDocument[] }>("GET", "/workflows/test-triggered/executions")).body
    .items;

const settled = async (id: string): Promise<boolean> => {
  const doc = (await api<ExecutionDocument>("GET", `/executions/${id}`)).body;
  return doc.status !== "RUNNING" && doc.compensation !== "RUNNING";
};

const types = (events: readonly HistoryEvent[]): string[] => [
  ...new Set(events.map((e) => e.detailType)),
];

describe("POST /events/replay in baton dev", () => {
  it("puts the window back on the bus marked replay-name, without starting or recording anything twice", async () => {
    // Prepare: an event starts one execution, which finishes.
    const from = new Date().toISOString();
    const before = (await triggered()).length;
    const put = await api<{ entries: { eventId: string }[] }>("POST", "/events", {
      source: "shop.orders",
      detailType: "Order Placed",
      detail: { orderId: "replay-1", priority: "high" },
    });
    await until(async () => (await triggered()).length === before + 1);
    const started = (await triggered())[0] as ExecutionDocument;
    await until(() => settled(started.id));
    await server.runtime.idle();
    const to = new Date().toISOString();
    const recorded = await api<{ items: ExecutionEvent[] }>(
      "GET",
      `/executions/${started.id}/events`,
    );
    const stored = await allEvents(`since=${from}&until=${to}`);
    const replayed: BusEvent[] = [];
    const stop = server.runtime.bus.listen((event) => {
      if (event["replay-name"] !== undefined) replayed.push(event);
    });
    // Act
    const replay = await api<{ name: string; state: string; events: number }>(
      "POST",
      "/events/replay",
      { from, to },
    );
    await server.runtime.idle();
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // a second start would show by now
    await server.runtime.idle();
    stop();
    // Assess
    expect(replay.status).toBe(202);
    expect(replay.body.state).toBe("COMPLETED");
    expect(replay.body.events).toBe(stored.length);
    expect(replayed.map((e) => e.id).sort()).toEqual(stored.map((e) => e.id).sort());
    expect(new Set(replayed.map((e) => e["replay-name"]))).toEqual(new Set([replay.body.name]));
    const original = replayed.find((e) => e.id === put.body.entries[0]?.eventId);
    expect(original).toMatchObject({ source: "shop.orders", detail: { orderId: "replay-1" } });
    // The trigger saw the replayed event and answered the execution it had started.
    expect((await triggered()).length).toBe(before + 1);
    const after = await api<{ items: ExecutionEvent[] }>("GET", `/executions/${started.id}/events`);
    expect(after.body.items).toEqual(recorded.body.items);
    expect((await api<ExecutionDocument>("GET", `/executions/${started.id}`)).body.status).toBe(
      "SUCCEEDED",
    );
    // The history holds the originals once: replays are not stored again.
    expect((await allEvents(`since=${from}&until=${to}`)).map((e) => e.id)).toEqual(
      stored.map((e) => e.id),
    );
  }, 90_000);

  it("replays only the given type", async () => {
    // Prepare
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date().toISOString();
    const expected = await allEvents(`since=${from}&until=${to}&type=Service%20Registered`);
    const replayed: BusEvent[] = [];
    const stop = server.runtime.bus.listen((event) => {
      if (event["replay-name"] !== undefined) replayed.push(event);
    });
    const replay = await api<{ events: number }>("POST", "/events/replay", {
      from,
      to,
      type: "Service Registered",
    });
    await server.runtime.idle();
    stop();
    expect(replay.status).toBe(202);
    expect(expected.length).toBeGreaterThan(0);
    expect(replay.body.events).toBe(expected.length);
    expect(replayed.every((e) => e["detail-type"] === "Service Registered")).toBe(true);
    expect(replayed).toHaveLength(expected.length);
  }, 60_000);

  it("refuses a bad window with every problem at once", async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const reply = await api<{ errors: { path: string }[] }>("POST", "/events/replay", {
      from: "yesterday",
      to: future,
      type: "",
      extra: 1,
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors.map((e) => e.path).sort()).toEqual([
      "/extra",
      "/from",
      "/to",
      "/type",
    ]);
  });
});

describe("GET /events in baton dev", () => {
  it("lists the registry, health, circuit and execution events of the bus, newest first, with type filter and cursors", async () => {
    // Prepare: one instance goes unhealthy, the email service gets a circuit that opens at once.
    const since = new Date(Date.now() - 60_000).toISOString();
    await fetch(`${demo.services.get("inventory")?.url}/__control`, {
      method: "POST",
      body: JSON.stringify({ healthy: false }),
    });
    const email = demo.services.get("email")?.url as string;
    const registered = await api("PUT", "/services/email", {
      instances: [{ id: "email-1", url: email }],
      circuit: { failureThreshold: 1, windowSeconds: 30, cooldownSeconds: 30 },
    });
    await fetch(`${email}/__control`, {
      method: "POST",
      body: JSON.stringify({ failNext: 20, failStatus: 503 }),
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the registry cache (1 s)
    // Act
    await api("POST", "/events", {
      source: "shop.orders",
      detailType: "Order Placed",
      detail: { orderId: "circuit-1", priority: "high" },
    });
    await until(async () => {
      const names = types(await allEvents(`since=${since}`));
      return names.includes("Circuit Opened") && names.includes("Instance Health Changed");
    });
    await server.runtime.idle();
    const newest = await allEvents(`since=${since}`);
    const oldest = await allEvents(`since=${since}&order=oldest`);
    const paged = await allEvents(`since=${since}&limit=2`);
    const opened = await api<EventsPage>("GET", `/events?since=${since}&type=Circuit%20Opened`);
    // Assess
    expect(registered.status).toBeLessThan(300);
    expect(types(newest)).toEqual(
      expect.arrayContaining([
        "Service Registered",
        "Instance Health Changed",
        "Circuit Opened",
        "Order Placed",
        "Execution Started",
        "Step Failed",
      ]),
    );
    const times = newest.map((e) => e.time);
    expect(times).toEqual([...times].sort().reverse());
    expect(oldest.map((e) => e.id)).toEqual(newest.map((e) => e.id).reverse());
    expect(paged.map((e) => e.id)).toEqual(newest.map((e) => e.id));
    expect(opened.body.items.length).toBeGreaterThan(0);
    expect(opened.body.items.every((e) => e.detailType === "Circuit Opened")).toBe(true);
    expect(opened.body.items[0]?.detail).toMatchObject({ service: "email" });
    const caller = newest.find((e) => e.detailType === "Order Placed");
    expect(caller).toMatchObject({ source: "shop.orders", detail: { orderId: "circuit-1" } });
    // Step Functions' own status changes are not bus events in AWS (default bus): not listed.
    expect(newest.some((e) => e.source === "aws.states")).toBe(false);
    await fetch(`${demo.services.get("inventory")?.url}/__control`, {
      method: "POST",
      body: JSON.stringify({ reset: true }),
    });
    await fetch(`${email}/__control`, { method: "POST", body: JSON.stringify({ reset: true }) });
  }, 90_000);

  it("refuses a bad query with 400 and the parameter", async () => {
    const bad = await Promise.all([
      api<{ errors: { path: string }[] }>("GET", "/events?since=yesterday"),
      api<{ errors: { path: string }[] }>("GET", "/events?limit=0"),
      api<{ errors: { path: string }[] }>("GET", "/events?order=sideways"),
      api<{ errors: { path: string }[] }>("GET", "/events?cursor=bm9wZQ"),
      api<{ errors: { path: string }[] }>(
        "GET",
        "/events?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z",
      ),
    ]);
    expect(bad.map((r) => r.status)).toEqual([400, 400, 400, 400, 400]);
    expect(bad.map((r) => r.body.errors[0]?.path)).toEqual([
      "/query/since",
      "/query/limit",
      "/query/order",
      "/query/cursor",
      "/query/until",
    ]);
  });
});

describe("the bus history across a restart", () => {
  it("keeps the stored events", async () => {
    const since = new Date(Date.now() - 3_600_000).toISOString();
    await server.runtime.idle();
    const before = await allEvents(`since=${since}`);
    await server.stop();
    server = await boot();
    const after = await allEvents(`since=${since}`);
    expect(before.length).toBeGreaterThan(0);
    expect(after.map((e) => e.id)).toEqual(expect.arrayContaining(before.map((e) => e.id)));
  }, 60_000);
});
