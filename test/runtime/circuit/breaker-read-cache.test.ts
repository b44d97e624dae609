/**
 * The circuit read before a call may come from a short in-process cache (`readCacheMs`): the call's
 * time budget is then spent on the call, not on a store slowed by load. Transitions still read and
 * write the store itself.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { CircuitBreaker } from "../../../lib/runtime/circuit/breaker.ts";
import type { CircuitStore } from "../../../lib/runtime/circuit/circuit-store.ts";
import { ManualClock } from "../../../lib/runtime/circuit/clock.ts";
import { CircuitOpenError } from "../../../lib/runtime/errors.ts";
import { RecordingPublisher } from "../../../lib/runtime/events.ts";
import { quietLogger } from "../../../lib/runtime/logger.ts";
import { InMemoryRegistryStore } from "../../../lib/runtime/registry/memory-store.ts";
import type { CircuitConfig } from "../../../lib/runtime/registry/registry-model.ts";

const CONFIG: CircuitConfig = {
  failureRateThreshold: 50,
  minimumCalls: 2,
  windowSeconds: 10,
  cooldownSeconds: 30,
};
const SERVICE = "payments";

/** The in-memory store, counting circuit reads. */
class CountingStore extends InMemoryRegistryStore {
  reads = 0;
  override readCircuit(service: string): ReturnType<CircuitStore["readCircuit"]> {
    this.reads += 1;
    return super.readCircuit(service);
  }
}

describe("circuit reads served from the breaker's cache", () => {
  let store: CountingStore;
  let clock: ManualClock;
  const breaker = (readCacheMs: number): CircuitBreaker =>
    new CircuitBreaker({
      store,
      events: new RecordingPublisher(),
      clock,
      logger: quietLogger,
      readCacheMs,
    });

  beforeEach(() => {
    store = new CountingStore();
    clock = new ManualClock();
  });

  it("reads the store once per readCacheMs for calls on a closed circuit", async () => {
    const cached = breaker(1_000);
    for (let i = 0; i < 5; i++) await cached.acquire(SERVICE, CONFIG);
    expect(store.reads).toBe(1);

    clock.advance(1_001);
    await cached.acquire(SERVICE, CONFIG);
    expect(store.reads).toBe(2);
  });

  it("shares one read between concurrent calls and a prefetch", async () => {
    const cached = breaker(1_000);
    cached.prefetch(SERVICE);
    await Promise.all([cached.acquire(SERVICE, CONFIG), cached.acquire(SERVICE, CONFIG)]);
    expect(store.reads).toBe(1);
  });

  it("reads every time without readCacheMs (and a prefetch reads nothing)", async () => {
    const uncached = breaker(0);
    uncached.prefetch(SERVICE);
    for (let i = 0; i < 3; i++) await uncached.acquire(SERVICE, CONFIG);
    expect(store.reads).toBe(3);
  });

  it("sees a circuit another container opened once its cached read expires", async () => {
    const here = breaker(1_000);
    const there = breaker(0);
    await here.acquire(SERVICE, CONFIG);
    for (let i = 0; i < 2; i++) await there.recordFailure(await there.acquire(SERVICE, CONFIG));

    // Within the cache time the call still goes through (the breaker is advisory) ...
    await expect(here.acquire(SERVICE, CONFIG)).resolves.toMatchObject({ probe: false });
    clock.advance(1_001);
    // ... then it fails fast like everywhere else.
    await expect(here.acquire(SERVICE, CONFIG)).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it("with serveStaleMs, never waits for the store once read: an expired read is refreshed behind the call", async () => {
    // Prepare: a store whose reads wait until the test lets them through.
    const gates: (() => void)[] = [];
    const gated = new CountingStore();
    const read = gated.readCircuit.bind(gated);
    gated.readCircuit = (service) =>
      new Promise((resolve) => gates.push(() => resolve(read(service))));
    const open = (): void => {
      for (const release of gates.splice(0)) release();
    };
    const cached = new CircuitBreaker({
      store: gated,
      events: new RecordingPublisher(),
      clock,
      logger: quietLogger,
      readCacheMs: 1_000,
      serveStaleMs: 30_000,
    });
    const first = cached.acquire(SERVICE, CONFIG);
    open();
    await first;
    // Another container opens the circuit (its reads are not held back).
    const there = new CircuitBreaker({
      store: {
        readCircuit: read,
        writeCircuit: (s, n, v) => gated.writeCircuit(s, n, v),
        countCalls: (s, b, n, f) => gated.countCalls(s, b, n, f),
        readCalls: (s) => gated.readCalls(s),
      },
      events: new RecordingPublisher(),
      clock,
      logger: quietLogger,
    });
    for (let i = 0; i < 2; i++) await there.recordFailure(await there.acquire(SERVICE, CONFIG));
    clock.advance(1_001);

    // Act: the store does not answer, yet the call goes through on the expired read ...
    await expect(cached.acquire(SERVICE, CONFIG)).resolves.toMatchObject({ probe: false });
    expect(gates).toHaveLength(1);
    open();
    await new Promise((resolve) => setImmediate(resolve));

    // ... and the read made behind it shows the open circuit to the next call.
    await expect(cached.acquire(SERVICE, CONFIG)).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it("fails fast on a cached open circuit, then reads afresh and claims the probe after the cooldown", async () => {
    const cached = breaker(60_000);
    for (let i = 0; i < 2; i++) await cached.recordFailure(await cached.acquire(SERVICE, CONFIG));
    const readsWhenOpened = store.reads;

    await expect(cached.acquire(SERVICE, CONFIG)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(store.reads).toBe(readsWhenOpened);

    clock.advance(CONFIG.cooldownSeconds * 1000);
    const probe = await cached.acquire(SERVICE, CONFIG);
    expect(probe.probe).toBe(true);
    expect(store.reads).toBe(readsWhenOpened + 1);
    // The claimed probe is what this process knows now: others wait for it.
    await expect(cached.acquire(SERVICE, CONFIG)).rejects.toBeInstanceOf(CircuitOpenError);

    await cached.recordSuccess(probe);
    await expect(cached.acquire(SERVICE, CONFIG)).resolves.toMatchObject({ probe: false });
  });
});
