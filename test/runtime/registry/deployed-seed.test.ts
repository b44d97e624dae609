import { beforeEach, describe, expect, it } from "vitest";
import { DetailType } from "../../../lib/core/wire.ts";
import {
  handleSeedEvent,
  type SeedResourceEvent,
} from "../../../lib/runtime/aws/registry-seed-resource.ts";
import { ManualClock } from "../../../lib/runtime/circuit/clock.ts";
import { ValidationError } from "../../../lib/runtime/errors.ts";
import { RecordingPublisher } from "../../../lib/runtime/events.ts";
import { quietLogger } from "../../../lib/runtime/logger.ts";
import { applyDeployedSeed } from "../../../lib/runtime/registry/deployed-seed.ts";
import { InMemoryRegistryStore } from "../../../lib/runtime/registry/memory-store.ts";
import { RegistryService } from "../../../lib/runtime/registry/registry-service.ts";

const policy = { allowPrivate: false };
const resolver = async (): Promise<string[]> => ["93.184.216.34"];

let store: InMemoryRegistryStore;
let events: RecordingPublisher;
let registry: RegistryService;

beforeEach(() => {
  store = new InMemoryRegistryStore({ clock: new ManualClock() });
  events = new RecordingPublisher();
  registry = new RegistryService({ store, events, policy, resolver });
});

const entry = (name: string, url = `https://${name}.example.com`, timeout = 5) => ({
  name,
  instances: [{ id: `${name}-a`, url }],
  timeout,
});

const seed = (next: unknown[], previous: unknown[] = []) =>
  applyDeployedSeed(next, previous, registry, { policy, resolver });

const urlOf = async (name: string) => (await store.getService(name))?.instances[0]?.url;

describe("applyDeployedSeed", () => {
  it("registers every entry of a first deploy, with Service Registered events", async () => {
    // Act
    const outcome = await seed([entry("inventory"), entry("payments")]);

    // Assess
    expect(outcome).toStrictEqual({
      registered: ["inventory", "payments"],
      unchanged: [],
      deregistered: [],
      kept: [],
    });
    expect((await store.listServices()).map((s) => s.name)).toStrictEqual([
      "inventory",
      "payments",
    ]);
    expect(events.ofType(DetailType.ServiceRegistered)).toHaveLength(2);
  });

  it("re-registers an entry changed in the file and leaves an unchanged one as the API left it", async () => {
    // Prepare: deployed once; then inventory was moved through the API.
    const first = [entry("inventory"), entry("payments")];
    await seed(first);
    await registry.register("inventory", entry("inventory", "https://moved.example.com"));

    // Act: the next deploy changes payments only (the file's inventory is as before).
    const outcome = await seed([entry("inventory"), entry("payments", undefined, 9)], first);

    // Assess
    expect([outcome.registered, outcome.unchanged]).toStrictEqual([["payments"], ["inventory"]]);
    expect(await urlOf("inventory")).toBe("https://moved.example.com");
    expect((await store.getService("payments"))?.timeout).toBe(9);
  });

  it("is idempotent: the same file deployed again writes nothing", async () => {
    // Prepare
    const file = [entry("inventory")];
    await seed(file);
    events.clear();

    // Act
    const outcome = await seed(file, file);

    // Assess
    expect([outcome.registered, outcome.unchanged, events.events]).toStrictEqual([
      [],
      ["inventory"],
      [],
    ]);
  });

  it("deregisters an entry dropped from the file only while it is what the seed wrote", async () => {
    // Prepare: three seeded; shipping changed through the API; a service registered at run time.
    const first = [entry("inventory"), entry("payments"), entry("shipping")];
    await seed(first);
    await registry.register("shipping", entry("shipping", "https://other.example.com"));
    await registry.register("runtime-only", entry("runtime-only"));

    // Act: the file now lists inventory only.
    const outcome = await seed([entry("inventory")], first);

    // Assess
    expect([outcome.deregistered, outcome.kept]).toStrictEqual([["payments"], ["shipping"]]);
    expect((await store.listServices()).map((s) => s.name)).toStrictEqual([
      "inventory",
      "runtime-only",
      "shipping",
    ]);
  });

  it("treats an entry written with defaults spelled out as unchanged", async () => {
    // Prepare
    await seed([entry("inventory")]);
    const spelled = {
      ...entry("inventory"),
      balancing: "round_robin",
      instances: [{ id: "inventory-a", url: "https://inventory.example.com", weight: 1 }],
    };

    // Act
    const outcome = await seed([spelled], [entry("inventory")]);

    // Assess
    expect(outcome.unchanged).toStrictEqual(["inventory"]);
  });

  it("fails with every problem and writes nothing when an entry is invalid", async () => {
    // Act
    const error = await seed([
      entry("inventory"),
      { name: "Bad Name", instances: [] },
      entry("loop", "http://127.0.0.1:7001"),
    ]).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors.map((e) => e.path)).toStrictEqual([
      "/services/1/name",
      "/services/2/instances/0/url",
    ]);
    expect(await store.listServices()).toStrictEqual([]);
  });
});

describe("the registry seed custom resource", () => {
  const event = (overrides: Partial<SeedResourceEvent>): SeedResourceEvent => ({
    RequestType: "Create",
    ResponseURL: "https://cloudformation-custom-resource-response.example.com/signed",
    StackId: "arn:aws:cloudformation:eu-west-1:123456789012:stack/Baton-dev/1",
    RequestId: "r-1",
    LogicalResourceId: "RegistrySeed",
    ResourceProperties: { Services: JSON.stringify([entry("inventory")]) },
    ...overrides,
  });

  const answers: { url: string; body: Record<string, unknown> }[] = [];
  const deps = () => ({
    registry,
    policy,
    resolver,
    logger: quietLogger,
    put: async (url: string, body: string) => {
      answers.push({ url, body: JSON.parse(body) as Record<string, unknown> });
      return { ok: true, status: 200 };
    },
  });
  beforeEach(() => {
    answers.length = 0;
  });

  it("answers SUCCESS with a fixed physical id once the entries are registered", async () => {
    // Act
    await handleSeedEvent(event({}), {
      ...deps(),
      registry: new RegistryService({ store, events, policy, resolver }),
    });

    // Assess
    expect(
      answers.map((a) => [a.url, a.body.Status, a.body.PhysicalResourceId, a.body.Data]),
    ).toStrictEqual([
      [
        "https://cloudformation-custom-resource-response.example.com/signed",
        "SUCCESS",
        "baton-registry-seed",
        { Registered: 1, Deregistered: 0 },
      ],
    ]);
    expect(await urlOf("inventory")).toBe("https://inventory.example.com");
  });

  it("answers FAILED with the problems when the file is refused, so the deploy rolls back", async () => {
    // Act
    await handleSeedEvent(
      event({ ResourceProperties: { Services: JSON.stringify([{ name: "x", instances: "no" }]) } }),
      deps(),
    );

    // Assess
    expect(answers[0]?.body.Status).toBe("FAILED");
    expect(String(answers[0]?.body.Reason)).toContain("services.yaml /services/0/instances:");
  });

  it("answers a delete without touching the registry (the seed never deletes on its own removal)", async () => {
    // Prepare
    await seed([entry("inventory")]);

    // Act
    await handleSeedEvent(
      event({ RequestType: "Delete", PhysicalResourceId: "baton-registry-seed" }),
      deps(),
    );

    // Assess
    expect(answers.map((a) => a.body.Status)).toStrictEqual(["SUCCESS"]);
    expect(await urlOf("inventory")).toBe("https://inventory.example.com");
  });

  it("passes the previous deploy's entries on update, so a dropped entry is deregistered", async () => {
    // Prepare
    const first = JSON.stringify([entry("inventory"), entry("payments")]);
    await handleSeedEvent(event({ ResourceProperties: { Services: first } }), deps());

    // Act
    await handleSeedEvent(
      event({
        RequestType: "Update",
        PhysicalResourceId: "baton-registry-seed",
        OldResourceProperties: { Services: first },
      }),
      deps(),
    );

    // Assess
    expect(answers.map((a) => [a.body.Status, a.body.Data])).toStrictEqual([
      ["SUCCESS", { Registered: 2, Deregistered: 0 }],
      ["SUCCESS", { Registered: 0, Deregistered: 1 }],
    ]);
    expect((await store.listServices()).map((s) => s.name)).toStrictEqual(["inventory"]);
  });
});
