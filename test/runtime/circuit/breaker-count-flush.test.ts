/**
 * The breaker adding outcomes up in the process (`countFlushMs`): the same decisions as a write per
 * outcome, far fewer writes, and no count lost, on the memory store and on dynalite.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoRegistryStore } from "../../../lib/runtime/aws/dynamo-registry-store.ts";
import { CircuitBreaker } from "../../../lib/runtime/circuit/breaker.ts";
import type { CallCounts, CircuitStore } from "../../../lib/runtime/circuit/circuit-store.ts";
import { ManualClock } from "../../../lib/runtime/circuit/clock.ts";
import { RecordingPublisher } from "../../../lib/runtime/events.ts";
import { quietLogger } from "../../../lib/runtime/logger.ts";
import { InMemoryRegistryStore } from "../../../lib/runtime/registry/memory-store.ts";
import type { CircuitConfig } from "../../../lib/runtime/registry/registry-model.ts";
import { type Dynalite, startDynalite } from "../aws/dynalite.ts";

const CONFIG: CircuitConfig = {
  failureRateThreshold: 50,
  minimumCalls: 4,
  windowSeconds: 10,
  cooldownSeconds: 30,
};
const SERVICE = "payments";
/** Longer than any test: only failures and `flush` write. */
const HOLD_MS = 600_000;

let dynamo: Dynalite;
let tables = 0;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.close());

const stores: [string, () => Promise<CircuitStore>][] = [
  ["in-memory store", async () => new InMemoryRegistryStore()],
  [
    "DynamoDB store on dynalite",
    async () => {
      tables += 1;
      const tableName = `registry-count-flush-${tables}`;
      await dynamo.createTable(tableName);
      return new DynamoRegistryStore({ client: dynamo.client, tableName });
    },
  ],
];

/** Counts the increments written. */
function counting(store: CircuitStore): { store: CircuitStore; writes: CallCounts[] } {
  const writes: CallCounts[] = [];
  return {
    writes,
    store: {
      readCircuit: (s) => store.readCircuit(s),
      writeCircuit: (s, n, v) => store.writeCircuit(s, n, v),
      countCalls: (s, b, n, c) => {
        writes.push(c);
        return store.countCalls(s, b, n, c);
      },
      readCalls: (s) => store.readCalls(s),
    },
  };
}

describe.each(stores)("circuit outcomes added up in the process, %s", (_name, makeStore) => {
  async function setUp() {
    const counted = counting(await makeStore());
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({
      store: counted.store,
      events: new RecordingPublisher(),
      clock,
      logger: quietLogger,
      countFlushMs: HOLD_MS,
    });
    const windowCounts = async () =>
      breaker.windowCounts(
        await counted.store.readCalls(SERVICE),
        CONFIG,
        await counted.store.readCircuit(SERVICE),
      );
    return { ...counted, clock, breaker, windowCounts };
  }

  it("writes successes as one increment, at the flush", async () => {
    const { breaker, writes, windowCounts } = await setUp();
    for (let i = 0; i < 10; i++)
      await breaker.recordSuccess(await breaker.acquire(SERVICE, CONFIG));
    const before = await windowCounts();
    await breaker.flush();
    expect([before, await windowCounts(), writes]).toEqual([
      { calls: 0, failures: 0 },
      { calls: 10, failures: 0 },
      [{ calls: 10, failures: 0 }],
    ]);
  });

  it("judges a failure on every outcome held: opens exactly when a write per outcome would", async () => {
    const { breaker, store, writes } = await setUp();
    // 4 successes then 3 failures: 3 in 7 (43 %), closed; the 4th failure makes 4 in 8 (50 %).
    for (let i = 0; i < 4; i++) await breaker.recordSuccess(await breaker.acquire(SERVICE, CONFIG));
    for (let i = 0; i < 3; i++) await breaker.recordFailure(await breaker.acquire(SERVICE, CONFIG));
    const before = (await store.readCircuit(SERVICE)).state;
    await breaker.recordFailure(await breaker.acquire(SERVICE, CONFIG));
    expect([before, (await store.readCircuit(SERVICE)).state, writes[0]]).toEqual([
      "CLOSED",
      "OPEN",
      { calls: 5, failures: 1 },
    ]);
  });

  it("writes what it holds at close, and each later outcome at once", async () => {
    const { breaker, writes } = await setUp();
    await breaker.recordSuccess(await breaker.acquire(SERVICE, CONFIG));
    await breaker.close();
    await breaker.recordSuccess(await breaker.acquire(SERVICE, CONFIG));
    expect(writes).toEqual([
      { calls: 1, failures: 0 },
      { calls: 1, failures: 0 },
    ]);
  });

  it("keeps outcomes of different buckets apart", async () => {
    const { breaker, clock, writes, windowCounts } = await setUp();
    await breaker.recordSuccess(await breaker.acquire(SERVICE, CONFIG));
    clock.advance(1_000);
    await breaker.recordSuccess(await breaker.acquire(SERVICE, CONFIG));
    await breaker.recordSuccess(await breaker.acquire(SERVICE, CONFIG));
    await breaker.flush();
    expect([writes.length, await windowCounts()]).toEqual([2, { calls: 3, failures: 0 }]);
  });

  it("loses no outcome of 120 concurrent callers and two processes", async () => {
    const { breaker, store, windowCounts } = await setUp();
    const other = new CircuitBreaker({
      store,
      events: new RecordingPublisher(),
      logger: quietLogger,
      clock: new ManualClock(),
      countFlushMs: HOLD_MS,
    });
    const config = { ...CONFIG, minimumCalls: 10_000 };
    const both = [breaker, other];
    const permits = await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        (both[i % 2] as CircuitBreaker).acquire(SERVICE, config),
      ),
    );
    await Promise.all(
      permits.map((permit, i) => {
        const b = both[i % 2] as CircuitBreaker;
        return i % 3 === 0 ? b.recordFailure(permit) : b.recordSuccess(permit);
      }),
    );
    await Promise.all(both.map((b) => b.flush()));
    expect(await windowCounts()).toEqual({ calls: 120, failures: 40 });
  });
});
