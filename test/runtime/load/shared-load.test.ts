import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../lib/runtime/circuit/clock.ts";
import {
  IN_FLIGHT_HORIZON_MS,
  type InstanceLoadStore,
  type LoadCounter,
  SLOT_MS,
  slotOf,
} from "../../../lib/runtime/load/load-store.ts";
import { MemoryLoadStore } from "../../../lib/runtime/load/memory-load-store.ts";
import { SharedLoad } from "../../../lib/runtime/load/shared-load.ts";

/** A store that counts its reads and can be made to hang or fail. */
class ProbeStore implements InstanceLoadStore {
  readonly inner = new MemoryLoadStore();
  reads = 0;
  mode: "ok" | "hang" | "fail" = "ok";
  started(s: string, i: string, slot: number) {
    return this.#gate(() => this.inner.started(s, i, slot));
  }
  finished(s: string, i: string, slot: number, failed: boolean) {
    return this.#gate(() => this.inner.finished(s, i, slot, failed));
  }
  read(s: string, from: number): Promise<readonly LoadCounter[]> {
    this.reads++;
    return this.#gate(() => this.inner.read(s, from));
  }
  #gate<T>(work: () => Promise<T>): Promise<T> {
    if (this.mode === "hang") return new Promise<T>(() => {});
    if (this.mode === "fail") return Promise.reject(new Error("throttled"));
    return work();
  }
}

const counts = async (load: SharedLoad, ids: readonly string[]) => {
  const of = await load.inFlight("svc");
  return of === undefined ? undefined : ids.map(of);
};

describe("SharedLoad", () => {
  it("lets one container see another's calls in flight, and their end", async () => {
    // Prepare: two containers over one store
    const clock = new ManualClock();
    const store = new ProbeStore();
    const a = new SharedLoad({ store: store, clock, stalenessMs: 0 });
    const b = new SharedLoad({ store: store, clock, stalenessMs: 0 });
    // Act
    const one = a.sent("svc", "i-1");
    const two = a.sent("svc", "i-1");
    await new Promise((resolve) => setImmediate(resolve));
    // Assess
    expect(await counts(b, ["i-1", "i-2"])).toStrictEqual([2, 0]);
    await one.end(false);
    await two.end(true);
    expect(await counts(b, ["i-1", "i-2"])).toStrictEqual([0, 0]);
    const [counter] = await store.read("svc", 0);
    expect(counter).toMatchObject({ instanceId: "i-1", calls: 2, inFlight: 0, failures: 1 });
  });

  it("reuses a read for stalenessMs, counting its own picks and ends meanwhile", async () => {
    const clock = new ManualClock();
    const store = new ProbeStore();
    const other = new SharedLoad({ store, clock });
    const load = new SharedLoad({ store, clock, stalenessMs: 1000 });
    other.sent("svc", "i-2");
    await new Promise((resolve) => setImmediate(resolve));
    expect(await counts(load, ["i-1", "i-2"])).toStrictEqual([0, 1]);
    const mine = load.sent("svc", "i-1");
    other.sent("svc", "i-2"); // not seen until the next read
    expect(await counts(load, ["i-1", "i-2"])).toStrictEqual([1, 1]);
    await mine.end(false);
    expect(await counts(load, ["i-1", "i-2"])).toStrictEqual([0, 1]);
    expect(store.reads).toBe(1);
    clock.advance(1000);
    expect(await counts(load, ["i-1", "i-2"])).toStrictEqual([0, 2]);
    expect(store.reads).toBe(2);
  });

  it("answers undefined within its read budget when the store hangs (local counts then)", async () => {
    const store = new ProbeStore();
    store.mode = "hang";
    const load = new SharedLoad({ store, clock: new ManualClock(), readBudgetMs: 20 });
    expect(await load.inFlight("svc")).toBeUndefined();
  });

  it("answers undefined and reports when the store fails; a call's end never throws", async () => {
    const store = new ProbeStore();
    store.mode = "fail";
    const errors: string[] = [];
    const load = new SharedLoad({
      store,
      clock: new ManualClock(),
      onError: (what) => errors.push(what),
    });
    expect(await load.inFlight("svc")).toBeUndefined();
    await load.sent("svc", "i-1").end(true);
    expect(errors).toStrictEqual(["load counter read", "load counter write", "load counter write"]);
  });

  it("waits for a hanging counter write at most writeBudgetMs at a call's end", async () => {
    const store = new ProbeStore();
    store.mode = "hang";
    const load = new SharedLoad({ store, clock: new ManualClock(), writeBudgetMs: 20 });
    const ticket = load.sent("svc", "i-1");
    await expect(ticket.end(false)).resolves.toBeUndefined();
    // Idempotent: the same end, not a second decrement.
    expect(ticket.end(false)).toBe(ticket.end(true));
  });

  it("forgets calls sent before the horizon (a caller that died mid-call leaks for a bounded time)", async () => {
    const clock = new ManualClock();
    const store = new ProbeStore();
    const dead = new SharedLoad({ store, clock });
    dead.sent("svc", "i-1"); // never ended
    await new Promise((resolve) => setImmediate(resolve));
    const load = new SharedLoad({ store, clock, stalenessMs: 0 });
    expect(await counts(load, ["i-1"])).toStrictEqual([1]);
    clock.advance(IN_FLIGHT_HORIZON_MS + SLOT_MS);
    expect(await counts(load, ["i-1"])).toStrictEqual([0]);
    expect(slotOf(clock.now())).toBeGreaterThan(0);
  });
});
