import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DetailType } from "../../lib/core/wire.ts";
import { CircuitBreaker } from "../../lib/runtime/circuit/breaker.ts";
import { ManualClock } from "../../lib/runtime/circuit/clock.ts";
import { RecordingPublisher } from "../../lib/runtime/events.ts";
import { quietLogger } from "../../lib/runtime/logger.ts";
import { Balancer } from "../../lib/runtime/registry/balancer.ts";
import { InMemoryRegistryStore } from "../../lib/runtime/registry/memory-store.ts";
import { EnvSecretResolver } from "../../lib/runtime/registry/secret-headers.ts";
import { callService } from "../../lib/runtime/service-call.ts";
import {
  handleHealthCheckEvent,
  SuspectAnnouncer,
  SuspectProber,
} from "../../lib/runtime/suspect-probes.ts";
import {
  allowLoopbackUrls,
  callRequest,
  json,
  serviceEntry,
  startServer,
  type TestServer,
} from "./test-server.ts";

allowLoopbackUrls();

describe("health checks after failures", () => {
  let server: TestServer;
  let store: InMemoryRegistryStore;
  let clock: ManualClock;
  let events: RecordingPublisher;
  let prober: SuspectProber;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  beforeEach(async () => {
    server.requests.length = 0;
    clock = new ManualClock();
    store = new InMemoryRegistryStore({ clock });
    events = new RecordingPublisher();
    prober = new SuspectProber(
      { registry: store, events, clock, logger: quietLogger },
      { minIntervalMs: 1_000 },
    );
    await store.putService(
      serviceEntry({
        instances: [{ id: "a", url: server.url, weight: 1 }],
        // The schedule would not probe for an hour: only suspicion does here.
        health: { path: "/health", intervalSeconds: 3600, unhealthyAfter: 2, healthyAfter: 1 },
        timeout: 1,
      }),
    );
  });

  const healthy = async () => (await store.getService("inventory"))?.instances[0]?.healthy;
  const probes = () => server.requests.filter((r) => r.url === "/health").length;

  function call() {
    return callService(callRequest({ timeout: 1 }), {
      registry: store,
      circuit: new CircuitBreaker({ store, events, clock, logger: quietLogger }),
      events,
      secrets: new EnvSecretResolver({}),
      clock,
      balancer: new Balancer(),
      onSuspect: (service, instance) => prober.suspect(service, instance),
    }).catch((error: unknown) => error);
  }

  it("probes an instance at once when a call to it fails with 5xx, and takes it out after unhealthyAfter", async () => {
    // Prepare: the instance answers 503 to everything, its health endpoint included
    server.handle(json(503, { error: "down" }));

    // Act: two failed calls, a second apart
    await call();
    await prober.idle();
    clock.advance(1_000);
    await call();
    await prober.idle();

    // Assess
    expect([probes(), await healthy()]).toEqual([2, false]);
    expect(events.ofType(DetailType.InstanceHealthChanged)).toHaveLength(1);
  });

  it("probes once for a burst of failures", async () => {
    // Prepare
    server.handle(json(503, { error: "down" }));

    // Act: ten failures inside the minimum interval
    await Promise.all(Array.from({ length: 10 }, () => call()));
    await prober.idle();

    // Assess
    expect([probes(), await healthy()]).toEqual([1, true]);
  });

  it("does not probe after a 4xx: the service answered", async () => {
    // Prepare
    server.handle(json(409, { error: "conflict" }));

    // Act
    await call();
    await prober.idle();

    // Assess
    expect(probes()).toEqual(0);
  });

  it("ignores a suspect that is no longer registered", async () => {
    // Act
    const outcome = await prober.probe("inventory", "gone");

    // Assess
    expect(outcome).toBeUndefined();
  });
});

describe("health checks after failures, in AWS (announced as events)", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer(json(503, { status: "down" }));
  });
  afterAll(() => server.close());

  it("announces a suspect at most once per interval per instance", async () => {
    // Prepare
    const clock = new ManualClock();
    const events = new RecordingPublisher();
    const announcer = new SuspectAnnouncer(events, clock, { minIntervalMs: 5_000 });

    // Act: a burst, another instance, then the same instance after the interval
    await Promise.all(Array.from({ length: 5 }, () => announcer.suspect("inventory", "a")));
    await announcer.suspect("inventory", "b");
    clock.advance(5_000);
    await announcer.suspect("inventory", "a");

    // Assess
    expect(events.ofType(DetailType.InstanceSuspected).map((e) => e.detail)).toEqual([
      { service: "inventory", instance: "a" },
      { service: "inventory", instance: "b" },
      { service: "inventory", instance: "a" },
    ]);
  });

  it("probes just the suspect when the health-check function gets an Instance Suspected event", async () => {
    // Prepare: two instances, neither due on the schedule
    const clock = new ManualClock();
    const store = new InMemoryRegistryStore({ clock });
    const events = new RecordingPublisher();
    await store.putService(
      serviceEntry({
        instances: [
          { id: "a", url: server.url, weight: 1 },
          { id: "b", url: server.url, weight: 1 },
        ],
        health: { path: "/health", intervalSeconds: 3600, unhealthyAfter: 1, healthyAfter: 1 },
        timeout: 1,
      }),
    );
    const event = {
      source: "baton",
      "detail-type": "Instance Suspected",
      detail: { service: "inventory", instance: "b" },
    };

    // Act
    const summary = await handleHealthCheckEvent(event, { registry: store, events, clock });

    // Assess
    const instances = (await store.getService("inventory"))?.instances ?? [];
    expect([summary.checked, instances.map((i) => `${i.id}:${i.healthy}`)]).toEqual([
      1,
      ["a:true", "b:false"],
    ]);
  });
});
