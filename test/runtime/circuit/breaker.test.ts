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
import {
  type CircuitConfig,
  DEFAULT_CIRCUIT,
} from "../../../lib/runtime/registry/registry-model.ts";
import { type Dynalite, startDynalite } from "../aws/dynalite.ts";

/** Opens at 50 % failures once 4 calls were made in the last 10 s. */
const CONFIG: CircuitConfig = {
  failureRateThreshold: 50,
  minimumCalls: 4,
  windowSeconds: 10,
  cooldownSeconds: 30,
};
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

  async function succeed(times: number): Promise<void> {
    for (let i = 0; i < times; i += 1) {
      await breaker.recordSuccess(await breaker.acquire(SERVICE, CONFIG));
    }
  }

  const counts = async () =>
    breaker.windowCounts(await store.readCalls(SERVICE), CONFIG, await store.readCircuit(SERVICE));

  async function openAndCoolDown(): Promise<void> {
    await fail(4);
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

  it("stays closed below minimumCalls, however many of them failed", async () => {
    // Act
    await fail(3);

    // Assess
    expect([(await store.readCircuit(SERVICE)).state, await counts(), events.events]).toEqual([
      "CLOSED",
      { calls: 3, failures: 3 },
      [],
    ]);
  });

  it("stays closed while the failure rate is under the threshold", async () => {
    // Act: 4 failures among 12 calls (33 %)
    await succeed(4);
    await fail(2);
    await succeed(4);
    await fail(2);

    // Assess
    expect([(await store.readCircuit(SERVICE)).state, await counts()]).toEqual([
      "CLOSED",
      { calls: 12, failures: 4 },
    ]);
  });

  it("forgets calls that fall out of the window", async () => {
    // Prepare
    await fail(3);
    clock.advance(10_001);

    // Act
    await fail(3);

    // Assess
    expect([(await store.readCircuit(SERVICE)).state, await counts()]).toEqual([
      "CLOSED",
      { calls: 3, failures: 3 },
    ]);
  });

  it("opens after minimumCalls when every call fails (a dead service) and fails fast", async () => {
    // Act
    await fail(4);

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
          failures: 4,
          at: new Date(clock.now()).toISOString(),
        },
      },
    ]);
  });

  it("opens when the failure rate reaches the threshold", async () => {
    // Act: the 8th call makes it 4 failures in 8 calls (50 %)
    await succeed(4);
    await fail(3);
    const before = (await store.readCircuit(SERVICE)).state;
    await fail(1);

    // Assess
    expect([before, (await store.readCircuit(SERVICE)).state]).toEqual(["CLOSED", "OPEN"]);
  });

  it("counts every concurrent outcome: no update is lost", async () => {
    // Prepare: a window that never opens, so every outcome is counted
    const config: CircuitConfig = { ...CONFIG, minimumCalls: 10_000 };
    const permits = await Promise.all(
      Array.from({ length: 120 }, () => breaker.acquire(SERVICE, config)),
    );

    // Act: 120 callers record at once, one in three a failure
    await Promise.all(
      permits.map((permit, i) =>
        i % 3 === 0 ? breaker.recordFailure(permit) : breaker.recordSuccess(permit),
      ),
    );

    // Assess
    expect(await counts()).toEqual({ calls: 120, failures: 40 });
  });

  it("opens exactly once when failures arrive at once", async () => {
    // Prepare
    const permits = await Promise.all(
      Array.from({ length: 8 }, () => breaker.acquire(SERVICE, CONFIG)),
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
    await fail(4);
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

    // Assess: counting starts afresh, so the failures that opened it are not held against it
    const next = await breaker.acquire(SERVICE, CONFIG);
    clock.advance(1_000);
    await breaker.recordFailure(next);
    const circuit = await store.readCircuit(SERVICE);
    expect([circuit.state, circuit.countsFrom, next.probe]).toEqual([
      "CLOSED",
      clock.now() - 1_000,
      false,
    ]);
    expect(await counts()).toEqual({ calls: 1, failures: 1 });
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
    await fail(4);
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
    countCalls: () => Promise.reject(throttled()),
    readCalls: () => Promise.reject(throttled()),
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

describe("circuit breaker under noise and outages (defaults)", () => {
  /** A small deterministic generator, so a failing run can be replayed. */
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state / 2 ** 31;
    };
  }

  /** Makes `calls` calls, 20 a second, each failing with probability `failureRate`. */
  async function traffic(calls: number, failureRate: number, seed: number) {
    const store = new InMemoryRegistryStore();
    const clock = new ManualClock();
    const events = new RecordingPublisher();
    const breaker = new CircuitBreaker({ store, events, clock, logger: quietLogger });
    const draw = random(seed);
    let passed = 0;
    let refused = 0;
    for (let i = 0; i < calls; i += 1) {
      clock.advance(50);
      let permit: CircuitPermit;
      try {
        permit = await breaker.acquire(SERVICE, DEFAULT_CIRCUIT);
      } catch (error) {
        if (!(error instanceof CircuitOpenError)) throw error;
        refused += 1;
        continue;
      }
      passed += 1;
      if (draw() < failureRate) await breaker.recordFailure(permit);
      else await breaker.recordSuccess(permit);
    }
    return { passed, refused, opened: events.ofType(DetailType.CircuitOpened).length };
  }

  it.each([1, 2, 3])(
    "never opens on 10 percent random failures over 5,000 calls (seed %i)",
    async (seed) => {
      // Act
      const result = await traffic(5_000, 0.1, seed);

      // Assess
      expect(result).toEqual({ passed: 5_000, refused: 0, opened: 0 });
    },
  );

  it("cuts a dead service off after minimumCalls: the service sees 20 of 1,000 attempts", async () => {
    // Act: 1,000 attempts over 50 s, every one failing; the cooldown is 30 s
    const result = await traffic(1_000, 1, 1);

    // Assess: 20 calls open it, one probe after each cooldown
    expect(result).toEqual({ passed: 20 + 1, refused: 1_000 - 21, opened: 2 });
  });
});
