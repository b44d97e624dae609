import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DetailType } from "../../../lib/core/wire.ts";
import { DynamoRegistryStore } from "../../../lib/runtime/aws/dynamo-registry-store.ts";
import { CircuitBreaker, type CircuitPermit } from "../../../lib/runtime/circuit/breaker.ts";
import type { CircuitStore } from "../../../lib/runtime/circuit/circuit-store.ts";
import { ManualClock } from "../../../lib/runtime/circuit/clock.ts";
import { CircuitOpenError } from "../../../lib/runtime/errors.ts";
import { RecordingPublisher } from "../../../lib/runtime/events.ts";
import { quietLogger } from "../../../lib/runtime/logger.ts";
import { InMemoryRegistryStore } from "../../../lib/runtime/registry/memory-store.ts";
import type { CircuitConfig } from "../../../lib/runtime/registry/registry-model.ts";
import { type Dynalite, startDynalite } from "../aws/dynalite.ts";

const CONFIG: CircuitConfig = { failureThreshold: 3, windowSeconds: 10, cooldownSeconds: 30 };
const SERVICE = "payments";

let dynamo: Dynalite;
let tableCount = 0;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.close());

type StoreFactory = () => Promise<CircuitStore>;

const stores: [string, StoreFactory][] = [
  ["in-memory store", async () => new InMemoryRegistryStore()],
  [
    "DynamoDB store on dynalite",
    async () => {
      tableCount += 1;
      const tableName = `registry-circuit-${tableCount}`;
      await dynamo.createTable(tableName);
      return new DynamoRegistryStore({ client: dynamo.client, tableName });
    },
  ],
];

describe.each(stores)("circuit breaker with the %s", (_name, makeStore) => {
  let store: CircuitStore;
  let clock: ManualClock;
  let events: RecordingPublisher;
  let breaker: CircuitBreaker;
  let tokens: number;

  beforeEach(async () => {
    store = await makeStore();
    clock = new ManualClock();
    events = new RecordingPublisher();
    tokens = 0;
    breaker = new CircuitBreaker({
      store,
      events,
      clock,
      newToken: () => `probe-${++tokens}`,
      logger: quietLogger,
      maxWriteAttempts: 30,
    });
  });

  async function fail(times: number): Promise<void> {
    for (let i = 0; i < times; i += 1) {
      await breaker.recordFailure(await breaker.acquire(SERVICE, CONFIG));
    }
  }

  async function openAndCoolDown(): Promise<void> {
    await fail(3);
    clock.advance(30_000);
  }

  /** Acquires `count` permits at once; returns the permits won and how many were refused. */
  async function acquireConcurrently(
    count: number,
  ): Promise<{ permits: CircuitPermit[]; refused: number }> {
    const results = await Promise.allSettled(
      Array.from({ length: count }, () => breaker.acquire(SERVICE, CONFIG)),
    );
    const permits = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const refused = results.filter(
      (r) => r.status === "rejected" && r.reason instanceof CircuitOpenError,
    ).length;
    return { permits, refused };
  }

  it("stays closed below the failure threshold", async () => {
    // Act
    await fail(2);

    // Assess
    const circuit = await store.readCircuit(SERVICE);
    expect([circuit.state, circuit.failures.length, events.events.length]).toEqual([
      "CLOSED",
      2,
      0,
    ]);
  });

  it("forgets failures that fall out of the window", async () => {
    // Prepare
    await fail(2);
    clock.advance(10_001);

    // Act
    await fail(2);

    // Assess
    expect((await store.readCircuit(SERVICE)).state).toEqual("CLOSED");
  });

  it("opens after failureThreshold failures inside the window and fails fast", async () => {
    // Act
    await fail(3);

    // Assess
    await expect(breaker.acquire(SERVICE, CONFIG)).rejects.toThrow(CircuitOpenError);
    expect(events.events).toEqual([
      {
        source: "baton",
        detailType: DetailType.CircuitOpened,
        detail: {
          service: SERVICE,
          state: "OPEN",
          previousState: "CLOSED",
          failures: 3,
          at: new Date(clock.now()).toISOString(),
        },
      },
    ]);
  });

  it("counts every concurrent failure and opens exactly once", async () => {
    // Prepare
    const permits = await Promise.all(
      Array.from({ length: 3 }, () => breaker.acquire(SERVICE, CONFIG)),
    );

    // Act
    await Promise.all(permits.map((permit) => breaker.recordFailure(permit)));

    // Assess
    expect([
      (await store.readCircuit(SERVICE)).state,
      events.ofType(DetailType.CircuitOpened).length,
    ]).toEqual(["OPEN", 1]);
  });

  it("stays open until the cooldown has passed", async () => {
    // Prepare
    await fail(3);
    clock.advance(29_999);

    // Act
    const attempt = breaker.acquire(SERVICE, CONFIG);

    // Assess
    await expect(attempt).rejects.toThrow(CircuitOpenError);
  });

  it("lets exactly one of many concurrent callers probe after the cooldown", async () => {
    // Prepare
    await openAndCoolDown();

    // Act
    const { permits, refused } = await acquireConcurrently(12);

    // Assess
    expect([permits.length, permits[0]?.probe, refused]).toEqual([1, true, 11]);
    expect((await store.readCircuit(SERVICE)).state).toEqual("HALF_OPEN");
    expect(events.detailTypes()).toEqual([DetailType.CircuitOpened, DetailType.CircuitHalfOpened]);
  });

  it("closes when the probe succeeds", async () => {
    // Prepare
    await openAndCoolDown();
    const probe = await breaker.acquire(SERVICE, CONFIG);

    // Act
    await breaker.recordSuccess(probe);

    // Assess
    const next = await breaker.acquire(SERVICE, CONFIG);
    const circuit = await store.readCircuit(SERVICE);
    expect([circuit.state, circuit.failures, next.probe]).toEqual(["CLOSED", [], false]);
    expect(events.detailTypes()).toEqual([
      DetailType.CircuitOpened,
      DetailType.CircuitHalfOpened,
      DetailType.CircuitClosed,
    ]);
  });

  it("reopens for a new cooldown when the probe fails", async () => {
    // Prepare
    await openAndCoolDown();
    const probe = await breaker.acquire(SERVICE, CONFIG);

    // Act
    await breaker.recordFailure(probe);

    // Assess
    const circuit = await store.readCircuit(SERVICE);
    expect([circuit.state, circuit.openedAt, circuit.probeOwner]).toEqual([
      "OPEN",
      clock.now(),
      null,
    ]);
    await expect(breaker.acquire(SERVICE, CONFIG)).rejects.toThrow(CircuitOpenError);
    expect(events.detailTypes()).toEqual([
      DetailType.CircuitOpened,
      DetailType.CircuitHalfOpened,
      DetailType.CircuitOpened,
    ]);
  });

  it("ignores outcomes reported by a caller that does not own the probe", async () => {
    // Prepare
    await openAndCoolDown();
    await breaker.acquire(SERVICE, CONFIG);
    const impostor: CircuitPermit = {
      service: SERVICE,
      config: CONFIG,
      probe: true,
      token: "someone-else",
    };

    // Act
    await breaker.recordSuccess(impostor);
    await breaker.recordFailure(impostor);

    // Assess
    expect((await store.readCircuit(SERVICE)).state).toEqual("HALF_OPEN");
  });

  it("hands the probe to another caller when the prober's lease has expired", async () => {
    // Prepare
    await openAndCoolDown();
    const stale = await breaker.acquire(SERVICE, CONFIG, { probeLeaseMs: 5_000 });
    clock.advance(5_000);

    // Act
    const { permits, refused } = await acquireConcurrently(5);
    await breaker.recordSuccess(stale);

    // Assess: the stale prober's late success no longer decides.
    expect([permits.length, permits[0]?.token, refused]).toEqual([1, "probe-2", 4]);
    expect((await store.readCircuit(SERVICE)).state).toEqual("HALF_OPEN");
  });

  it("ignores failures still in flight when the circuit opened", async () => {
    // Prepare
    const late = await breaker.acquire(SERVICE, CONFIG);
    await fail(3);
    const before = await store.readCircuit(SERVICE);

    // Act
    await breaker.recordFailure(late);

    // Assess
    expect((await store.readCircuit(SERVICE)).version).toEqual(before.version);
  });
});

describe("circuit breaker when its store fails", () => {
  const throttled = (): Error =>
    Object.assign(new Error("Rate of requests exceeds the allowed throughput."), {
      name: "ProvisionedThroughputExceededException",
    });
  const failingStore: CircuitStore = {
    readCircuit: () => Promise.reject(throttled()),
    writeCircuit: () => Promise.reject(throttled()),
  };

  it("allows the call when the circuit cannot be read", async () => {
    // Prepare
    const logged: string[] = [];
    const breaker = new CircuitBreaker({
      store: failingStore,
      events: new RecordingPublisher(),
      logger: { ...quietLogger, warn: (message) => logged.push(message) },
    });

    // Act
    const permit = await breaker.acquire(SERVICE, CONFIG);

    // Assess
    expect([permit.probe, logged]).toEqual([
      false,
      ["circuit of payments unreadable; allowing the call"],
    ]);
  });

  it("does not throw when an outcome cannot be recorded", async () => {
    // Prepare
    const logged: string[] = [];
    const breaker = new CircuitBreaker({
      store: failingStore,
      events: new RecordingPublisher(),
      logger: { ...quietLogger, warn: (message) => logged.push(message) },
    });

    // Act
    await breaker.recordFailure({ service: SERVICE, config: CONFIG, probe: false, token: null });

    // Assess
    expect(logged).toEqual(["circuit of payments: outcome not recorded"]);
  });
});
