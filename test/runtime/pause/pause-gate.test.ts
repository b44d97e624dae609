/** The pause gate of the service-call handler, on the memory store with a fake clock. */
import { describe, expect, it } from "vitest";
import type { ServiceCallRequest } from "../../../lib/core/contract.ts";
import { BatonError } from "../../../lib/core/errors.ts";
import { PAUSE_PARK_MS, passPauseGate } from "../../../lib/runtime/pause/pause-gate.ts";
import { MemoryPauseStore } from "../../../lib/runtime/pause/pause-store.ts";

const request = (attempt: number, mode: "call" | "compensate" = "call"): ServiceCallRequest => ({
  workflow: "w",
  version: 1,
  executionId: "e1",
  stepId: "two",
  mode,
  attempt,
  timeout: 10,
  service: "s",
  method: "POST",
  path: "/x",
});

function fakeTime() {
  let now = 0;
  return {
    clock: { now: () => now },
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

describe("pause gate", () => {
  it("lets an attempt of an execution never paused through unchanged", async () => {
    const time = fakeTime();
    const result = await passPauseGate(request(2), new MemoryPauseStore(), time.clock, time);
    expect(result).toEqual({ request: request(2), waitedMs: 0 });
  });

  it("parks a paused attempt, then turns it away with Baton.Paused and counts it", async () => {
    const store = new MemoryPauseStore();
    await store.set("e1", true);
    const time = fakeTime();
    await expect(passPauseGate(request(1), store, time.clock, time)).rejects.toMatchObject({
      name: BatonError.Paused,
    });
    expect(time.clock.now()).toBeGreaterThanOrEqual(PAUSE_PARK_MS);
    expect((await store.get("e1"))?.bounces).toEqual({ two: 1 });
  });

  it("goes on when resumed while parked, and reports the attempt without turned-away ones", async () => {
    const store = new MemoryPauseStore();
    await store.set("e1", true);
    await store.bounce("e1", "two");
    await store.bounce("e1", "two");
    const time = fakeTime();
    const sleep = async (ms: number) => {
      await time.sleep(ms);
      if (time.clock.now() >= 1_000) await store.set("e1", false);
    };
    // Step Functions counts the two turned-away tries: its third try is the first real attempt.
    const result = await passPauseGate(request(3), store, time.clock, { sleep });
    expect(result.request.attempt).toBe(1);
    expect(result.waitedMs).toBeGreaterThanOrEqual(1_000);
  });

  it("never holds back a compensation", async () => {
    const store = new MemoryPauseStore();
    await store.set("e1", true);
    const time = fakeTime();
    const result = await passPauseGate(request(1, "compensate"), store, time.clock, time);
    expect(result.waitedMs).toBe(0);
  });
});
