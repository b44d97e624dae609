import { beforeEach, describe, expect, it } from "vitest";
import { DetailType } from "../../../lib/core/wire.ts";
import { ManualClock } from "../../../lib/runtime/circuit/clock.ts";
import {
  RegistryConflictError,
  UnknownServiceError,
  ValidationError,
} from "../../../lib/runtime/errors.ts";
import { RecordingPublisher } from "../../../lib/runtime/events.ts";
import { InMemoryRegistryStore } from "../../../lib/runtime/registry/memory-store.ts";
import { RegistryService } from "../../../lib/runtime/registry/registry-service.ts";
import { seedRegistry } from "../../../lib/runtime/registry/seed.ts";

const policy = { allowPrivate: true };
const resolver = async (): Promise<string[]> => ["93.184.216.34"];

let store: InMemoryRegistryStore;
let events: RecordingPublisher;
let registry: RegistryService;

beforeEach(() => {
  store = new InMemoryRegistryStore({ clock: new ManualClock() });
  events = new RecordingPublisher();
  registry = new RegistryService({ store, events, policy, resolver });
});

async function thrown(action: Promise<unknown>): Promise<unknown> {
  return action.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("RegistryService", () => {
  it("fails with a conflict when a concurrent delete removes the service it just wrote", async () => {
    // Prepare: the DELETE lands between the write and the read-back (found by schemathesis).
    const racing = new RegistryService({ store, events, policy, resolver });
    const putService = store.putService.bind(store);
    store.putService = async (entry) => {
      const result = await putService(entry);
      await store.deleteService(entry.name);
      return result;
    };

    // Act
    const error = await thrown(
      racing.register("inventory", { instances: [{ id: "a", url: "http://127.0.0.1:7001" }] }),
    );

    // Assess
    expect(error).toBeInstanceOf(RegistryConflictError);
    expect((error as Error).message).toMatch(/deleted by a concurrent request/);
  });

  it("registers a service, then replaces it, announcing both", async () => {
    // Act
    const first = await registry.register("inventory", {
      instances: [{ id: "a", url: "http://127.0.0.1:7001" }],
    });
    const second = await registry.register("inventory", {
      instances: [{ id: "b", url: "http://127.0.0.1:7002" }],
    });

    // Assess
    expect([first.created, second.created, second.service.instances.map((i) => i.id)]).toEqual([
      true,
      false,
      ["b"],
    ]);
    expect(events.ofType(DetailType.ServiceRegistered).map((e) => e.detail)).toEqual([
      { service: "inventory", instances: ["a"], created: true },
      { service: "inventory", instances: ["b"], created: false },
    ]);
  });

  it("fails with ValidationError listing every problem and stores nothing", async () => {
    // Act
    const error = await thrown(
      registry.register("inventory", { balancing: "fastest", timeout: 0 }),
    );

    // Assess
    expect([
      error instanceof ValidationError,
      (error as ValidationError).errors.map((e) => e.path),
    ]).toEqual([true, ["/balancing", "/timeout"]]);
    expect([await store.listServices(), events.events]).toEqual([[], []]);
  });

  it("announces a new instance but not a heartbeat", async () => {
    // Prepare
    await registry.register("inventory", {});
    events.clear();

    // Act
    const created = await registry.registerInstance("inventory", "a", {
      url: "http://127.0.0.1:7001",
    });
    const heartbeat = await registry.registerInstance("inventory", "a", {
      url: "http://127.0.0.1:7001",
    });

    // Assess
    expect([created.created, heartbeat.created, events.events.map((e) => e.detail)]).toEqual([
      true,
      false,
      [{ service: "inventory", instance: "a", created: true }],
    ]);
  });

  it("fails with UnknownServiceError for an instance of an unregistered service", async () => {
    // Act
    const error = await thrown(
      registry.registerInstance("nope", "a", { url: "http://127.0.0.1:7001" }),
    );

    // Assess
    expect([error instanceof UnknownServiceError, (error as UnknownServiceError).name]).toEqual([
      true,
      "Baton.UnknownService",
    ]);
  });

  it("announces deregistrations only when something was removed", async () => {
    // Prepare
    await registry.register("inventory", {
      instances: [{ id: "a", url: "http://127.0.0.1:7001" }],
    });
    events.clear();

    // Act
    const results = [
      await registry.deregisterInstance("inventory", "a"),
      await registry.deregisterInstance("inventory", "a"),
      await registry.deregister("inventory"),
      await registry.deregister("inventory"),
    ];

    // Assess
    expect([results, events.events.map((e) => [e.detailType, e.detail])]).toEqual([
      [true, false, true, false],
      [
        [DetailType.ServiceDeregistered, { service: "inventory", instance: "a" }],
        [DetailType.ServiceDeregistered, { service: "inventory" }],
      ],
    ]);
  });
});

describe("seedRegistry", () => {
  it("stores every service of services.yaml", async () => {
    // Prepare
    const yaml = `
services:
  - name: inventory
    instances:
      - { id: inventory-a, url: http://127.0.0.1:7001, weight: 1 }
    health: { path: /health, intervalSeconds: 60, unhealthyAfter: 2, healthyAfter: 1 }
    balancing: round_robin
    circuit: { failureThreshold: 5, windowSeconds: 30, cooldownSeconds: 30 }
    timeout: 10
    headers: { x-api-key: "{{ secret:inventory-api-key }}" }
  - name: payments
    instances: [{ id: p, url: "http://127.0.0.1:7002" }]
`;

    // Act
    const seeded = await seedRegistry(store, yaml, { policy, resolver, events });

    // Assess
    expect([seeded.map((s) => s.name), (await store.getService("inventory"))?.headers]).toEqual([
      ["inventory", "payments"],
      { "x-api-key": "{{ secret:inventory-api-key }}" },
    ]);
    expect(events.ofType(DetailType.ServiceRegistered).length).toEqual(2);
  });

  it("fails with every problem across entries, paths into the document, and stores nothing", async () => {
    // Prepare
    const yaml = `
services:
  - name: inventory
    instances: [{ id: a, url: "http://169.254.169.254" }]
  - name: inventory
  - name: ok
    headers: { authorization: "Bearer hunter2hunter2" }
extra: 1
`;

    // Act
    const error = await thrown(seedRegistry(store, yaml, { policy, resolver }));

    // Assess
    expect((error as ValidationError).errors).toEqual([
      { path: "/extra", message: 'unknown field "extra"; allowed: services, $schema' },
      {
        path: "/services/0/instances/0/url",
        message: "host 169.254.169.254 is a cloud metadata address",
      },
      { path: "/services/1/name", message: 'duplicate service "inventory" (first at /services/0)' },
      {
        path: "/services/2/headers/authorization",
        message:
          'header authorization carries a credential and must be a secret reference such as "{{ secret:authorization }}", not a plain value',
      },
    ]);
    expect(await store.listServices()).toEqual([]);
  });

  it("fails on duplicate service names", async () => {
    // Act
    const error = await thrown(
      seedRegistry(store, "services:\n  - name: a\n  - name: a\n", { policy, resolver }),
    );

    // Assess
    expect((error as ValidationError).errors).toEqual([
      { path: "/services/1/name", message: 'duplicate service "a" (first at /services/0)' },
    ]);
  });

  it("fails on YAML syntax errors with the line", async () => {
    // Act
    const error = await thrown(
      seedRegistry(store, "services:\n  - name: [a\n", { policy, resolver }),
    );

    // Assess
    expect([error instanceof ValidationError, (error as ValidationError).errors[0]?.path]).toEqual([
      true,
      "",
    ]);
    expect((error as ValidationError).errors[0]?.message).toBe(
      "a '[' or '{' on this line is not closed (line 2, column 12)",
    );
  });
});
