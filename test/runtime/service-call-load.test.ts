/**
 * The service call with shared load counters (docs/service-load.md): least_outstanding sees
 * other containers' calls in flight, every call is counted (failures too), and a counter store
 * that hangs or fails neither fails nor holds up a call (local counts are used instead).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CircuitBreaker } from "../../lib/runtime/circuit/breaker.ts";
import { ManualClock } from "../../lib/runtime/circuit/clock.ts";
import { RecordingPublisher } from "../../lib/runtime/events.ts";
import type { InstanceLoadStore } from "../../lib/runtime/load/load-store.ts";
import { MemoryLoadStore } from "../../lib/runtime/load/memory-load-store.ts";
import { SharedLoad } from "../../lib/runtime/load/shared-load.ts";
import { quietLogger } from "../../lib/runtime/logger.ts";
import { Balancer } from "../../lib/runtime/registry/balancer.ts";
import { InMemoryRegistryStore } from "../../lib/runtime/registry/memory-store.ts";
import { EnvSecretResolver } from "../../lib/runtime/registry/secret-headers.ts";
import { callService, type ServiceCallDeps } from "../../lib/runtime/service-call.ts";
import {
  allowLoopbackUrls,
  callRequest,
  json,
  serviceEntry,
  slow,
  startServer,
  type TestServer,
} from "./test-server.ts";

allowLoopbackUrls();

let server: TestServer;
let registry: InMemoryRegistryStore;
let clock: ManualClock;

beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

beforeEach(async () => {
  server.requests.length = 0;
  server.handle(json(201, { id: "r-1" }));
  clock = new ManualClock();
  registry = new InMemoryRegistryStore({ clock });
  await registry.putService(
    serviceEntry({
      balancing: "least_outstanding",
      instances: [
        { id: "inventory-a", url: server.url, weight: 1 },
        { id: "inventory-b", url: server.url, weight: 1 },
      ],
    }),
  );
});

/** One container: its own balancer, breaker and view of the shared counters. */
function container(store: InstanceLoadStore | undefined): ServiceCallDeps {
  const events = new RecordingPublisher();
  return {
    registry,
    circuit: new CircuitBreaker({ store: registry, events, clock, logger: quietLogger }),
    events,
    secrets: new EnvSecretResolver({}),
    clock,
    balancer: new Balancer(),
    ...(store === undefined
      ? {}
      : { load: new SharedLoad({ store, clock, stalenessMs: 0, readBudgetMs: 50 }) }),
  };
}

/** Container A's call is in flight (answered after 300 ms); where does container B's go? */
async function secondPick(store: InstanceLoadStore | undefined): Promise<string> {
  server.handle(slow(300, json(201, { id: "slow" })));
  const first = callService(callRequest({ executionId: "e-a" }), container(store));
  while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  server.handle(json(201, { id: "fast" }));
  const second = await callService(callRequest({ executionId: "e-b" }), container(store));
  expect((await first).instance).toBe("inventory-a");
  return second.instance;
}

describe("least_outstanding across containers", () => {
  it("sends the second container's call to the idle instance when counters are shared", async () => {
    expect(await secondPick(new MemoryLoadStore())).toBe("inventory-b");
  });

  it("degrades to each container's own counts without them (the case it fixes)", async () => {
    expect(await secondPick(undefined)).toBe("inventory-a");
  });

  it("falls back to local counts when the counter store hangs, and the call still succeeds", async () => {
    const hanging: InstanceLoadStore = {
      started: () => new Promise(() => {}),
      finished: () => new Promise(() => {}),
      read: () => new Promise(() => {}),
    };
    const result = await callService(callRequest(), container(hanging));
    expect([result.status, result.instance]).toStrictEqual([201, "inventory-a"]);
  });

  it("falls back when the counter store fails, and the call still succeeds", async () => {
    const failing: InstanceLoadStore = {
      started: () => Promise.reject(new Error("throttled")),
      finished: () => Promise.reject(new Error("throttled")),
      read: () => Promise.reject(new Error("throttled")),
    };
    const result = await callService(callRequest(), container(failing));
    expect(result.status).toBe(201);
  });
});

describe("counting calls", () => {
  it("counts every call sent and the ones the instance failed, in flight back to zero", async () => {
    const store = new MemoryLoadStore();
    const deps = container(store);
    await callService(callRequest(), deps);
    server.handle(json(503, { error: "busy" }));
    await expect(callService(callRequest(), deps)).rejects.toThrow();
    server.handle(json(400, { error: "bad" }));
    await expect(callService(callRequest(), deps)).rejects.toThrow();
    const counters = await store.read("inventory", 0);
    const total = (key: "calls" | "failures" | "inFlight") =>
      counters.reduce((sum, c) => sum + c[key], 0);
    // A 400 is the caller's fault, not the instance's: not a failure of it.
    expect([total("calls"), total("failures"), total("inFlight")]).toStrictEqual([3, 1, 0]);
  });
});
