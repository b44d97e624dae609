import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DetailType } from "../../lib/core/wire.ts";
import { ManualClock } from "../../lib/runtime/circuit/clock.ts";
import { RecordingPublisher } from "../../lib/runtime/events.ts";
import {
  type HealthCheckDeps,
  nextHealth,
  runHealthChecks,
} from "../../lib/runtime/health-check.ts";
import { quietLogger } from "../../lib/runtime/logger.ts";
import { InMemoryRegistryStore } from "../../lib/runtime/registry/memory-store.ts";
import { INITIAL_HEALTH } from "../../lib/runtime/registry/registry-model.ts";
import { EnvSecretResolver } from "../../lib/runtime/registry/secret-headers.ts";
import {
  allowLoopbackUrls,
  closedPort,
  json,
  serviceEntry,
  slow,
  startServer,
  type TestServer,
  text,
} from "./test-server.ts";

allowLoopbackUrls();

const CONFIG = { path: "/health", intervalSeconds: 60, unhealthyAfter: 2, healthyAfter: 3 };

describe("nextHealth", () => {
  it("takes a healthy instance down only after unhealthyAfter failures in a row", () => {
    // Act
    const once = nextHealth(INITIAL_HEALTH, false, "HTTP 503", CONFIG, 1);
    const twice = nextHealth(once, false, "HTTP 503", CONFIG, 2);

    // Assess
    expect([
      once.healthy,
      once.consecutiveFailures,
      twice.healthy,
      twice.consecutiveFailures,
    ]).toEqual([true, 1, false, 2]);
  });

  it("brings an unhealthy instance back only after healthyAfter successes in a row", () => {
    // Prepare
    const down = { ...INITIAL_HEALTH, healthy: false, consecutiveFailures: 4 };

    // Act
    const states: boolean[] = [];
    let health = down;
    for (const ok of [true, true, false, true, true, true]) {
      health = nextHealth(health, ok, ok ? "HTTP 200" : "HTTP 500", CONFIG, 1);
      states.push(health.healthy);
    }

    // Assess
    expect(states).toEqual([false, false, false, false, false, true]);
  });
});

describe("runHealthChecks against a real HTTP server", () => {
  let server: TestServer;
  let store: InMemoryRegistryStore;
  let events: RecordingPublisher;
  let clock: ManualClock;
  let deps: HealthCheckDeps;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  beforeEach(async () => {
    server.requests.length = 0;
    server.handle(json(200, { status: "ok" }));
    clock = new ManualClock();
    store = new InMemoryRegistryStore({ clock });
    events = new RecordingPublisher();
    deps = { registry: store, events, clock };
    await store.putService(
      serviceEntry({
        instances: [{ id: "a", url: `${server.url}/base`, weight: 1 }],
        health: { path: "/healthz", intervalSeconds: 60, unhealthyAfter: 2, healthyAfter: 1 },
        timeout: 1,
      }),
    );
  });

  async function round(): Promise<boolean | undefined> {
    await runHealthChecks(deps);
    clock.advance(60_000);
    return (await store.getService("inventory"))?.instances[0]?.healthy;
  }

  it("probes GET <url><health.path> and stores the result", async () => {
    // Act
    const summary = await runHealthChecks(deps);

    // Assess
    const instance = (await store.getService("inventory"))?.instances[0];
    expect([server.requests[0]?.method, server.requests[0]?.url]).toEqual(["GET", "/base/healthz"]);
    expect(summary).toEqual({
      checked: 1,
      skipped: 0,
      outcomes: [
        { service: "inventory", instance: "a", healthy: true, changed: false, reason: "HTTP 200" },
      ],
    });
    expect([instance?.consecutiveSuccesses, instance?.lastCheckedAt, events.events]).toEqual([
      1,
      clock.now(),
      [],
    ]);
  });

  it("publishes Instance Health Changed only when the instance flips", async () => {
    // Prepare: up, down, down, down, up, up.
    const routes = [
      json(200, {}),
      text(503, "x"),
      text(503, "x"),
      text(503, "x"),
      json(200, {}),
      json(200, {}),
    ];

    // Act
    const states: (boolean | undefined)[] = [];
    for (const route of routes) {
      server.handle(route);
      states.push(await round());
    }

    // Assess
    expect(states).toEqual([true, true, false, false, true, true]);
    expect(events.ofType(DetailType.InstanceHealthChanged).map((e) => e.detail)).toEqual([
      {
        service: "inventory",
        instance: "a",
        url: `${server.url}/base`,
        healthy: false,
        previouslyHealthy: true,
        reason: "HTTP 503",
        checkedAt: new Date(Date.UTC(2026, 0, 1) + 2 * 60_000).toISOString(),
      },
      {
        service: "inventory",
        instance: "a",
        url: `${server.url}/base`,
        healthy: true,
        previouslyHealthy: false,
        reason: "HTTP 200",
        checkedAt: new Date(Date.UTC(2026, 0, 1) + 4 * 60_000).toISOString(),
      },
    ]);
  });

  it("counts a probe slower than the service timeout as a failure", async () => {
    // Prepare
    server.handle(slow(3_000, json(200, {})));

    // Act
    await round();

    // Assess
    const instance = (await store.getService("inventory"))?.instances[0];
    expect([instance?.consecutiveFailures, instance?.lastReason]).toEqual([
      1,
      `GET ${server.url}/base/healthz took longer than 1 s.`,
    ]);
  });

  it("counts a refused connection as a failure", async () => {
    // Prepare
    const port = await closedPort();
    await store.putInstance("inventory", { id: "a", url: `http://127.0.0.1:${port}`, weight: 1 });

    // Act
    await round();
    await round();

    // Assess
    const instance = (await store.getService("inventory"))?.instances[0];
    expect([instance?.healthy, instance?.lastReason]).toEqual([
      false,
      `GET http://127.0.0.1:${port}/healthz failed: connection refused.`,
    ]);
  });

  it("sends the service's resolved secret headers with the probe", async () => {
    // Prepare
    const service = await store.getService("inventory");
    await store.putService({
      ...serviceEntry(),
      ...service,
      headers: { "x-api-key": "{{ secret:inv }}" },
    });
    deps = { ...deps, secrets: new EnvSecretResolver({ BATON_SECRET_INV: "k-1" }) };

    // Act
    await runHealthChecks(deps);

    // Assess
    expect([
      server.requests[0]?.headers["x-api-key"],
      server.requests[0]?.headers["user-agent"],
    ]).toEqual(["k-1", "baton-health-check"]);
  });

  it("fails when a probe's failure would quote a resolved secret: the stored reason is redacted", async () => {
    // Prepare: a secret value no HTTP header may carry, so the request fails quoting it.
    const service = await store.getService("inventory");
    await store.putService({
      ...serviceEntry(),
      ...service,
      headers: { "x-api-key": "{{ secret:inv }}" },
    });
    deps = {
      ...deps,
      secrets: new EnvSecretResolver({ BATON_SECRET_INV: "top-secret-42\r\nx: y" }),
    };

    // Act
    await runHealthChecks(deps);

    // Assess
    const instance = (await store.getService("inventory"))?.instances[0];
    expect(instance?.lastReason).toBeDefined();
    expect(JSON.stringify(instance)).not.toContain("top-secret-42");
    expect(server.requests).toHaveLength(0);
  });

  it("skips instances whose interval has not elapsed, unless forced", async () => {
    // Prepare
    await runHealthChecks(deps);
    clock.advance(30_000);

    // Act
    const skipped = await runHealthChecks(deps);
    const forced = await runHealthChecks({ ...deps, force: true });

    // Assess
    expect([skipped.checked, skipped.skipped, forced.checked, server.requests.length]).toEqual([
      0, 1, 1, 2,
    ]);
  });

  it("does not publish for an instance deregistered during the probe", async () => {
    // Prepare
    await store.setInstanceHealth("inventory", "a", { ...INITIAL_HEALTH, consecutiveFailures: 1 });
    server.handle((request, response) => {
      void store.deleteInstance("inventory", "a").then(() => text(503, "x")(request, response));
    });

    // Act
    const summary = await runHealthChecks(deps);

    // Assess
    expect([summary.outcomes, events.events]).toEqual([[], []]);
  });

  it("keeps going when a health write is throttled", async () => {
    // Prepare
    const logged: string[] = [];
    const failing = Object.assign(Object.create(store) as InMemoryRegistryStore, {
      listServices: () => store.listServices(),
      setInstanceHealth: () =>
        Promise.reject(
          Object.assign(new Error("Rate exceeded"), {
            name: "ProvisionedThroughputExceededException",
          }),
        ),
    });

    // Act
    const summary = await runHealthChecks({
      ...deps,
      registry: failing,
      logger: { ...quietLogger, warn: (message) => logged.push(message) },
    });

    // Assess
    expect([summary.checked, summary.outcomes, logged]).toEqual([
      1,
      [],
      ["health of inventory/a not stored"],
    ]);
  });
});
