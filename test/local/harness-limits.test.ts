/**
 * Concurrency limits, pause and cancel in the test harness behave as in `baton dev`
 * (test/runtime/limits/concurrency-dev.test.ts, test/runtime/pause/pause-dev.test.ts): over the
 * limit starts are QUEUED and begin in arrival order as slots free, every terminal status frees
 * its slot, cancel removes a queued start; pause sends no next call until resume, which goes on
 * with the true attempt number; cancel of a paused execution compensates. The services hold each
 * call until the test lets it go.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createHarness,
  type Harness,
  HarnessInputError,
  type ServiceHandler,
} from "../../lib/local/harness.ts";
import { gateWorkflow } from "../support/gate-service.ts";

const LIMITED = gateWorkflow(
  "limited",
  'concurrency: { limit: 2, key: "{{ input.tenant }}" }\ninput: { type: object, required: [tag] }\ndefaults: { timeout: 60 }\n',
);

const PAUSABLE = `workflow: pausable
defaults: { timeout: 60 }
steps:
  - id: one
    call: gate POST /work
    with: { tag: "one-{{ input.tag }}" }
    compensate: { call: gate POST /undo, with: { tag: "undo-{{ input.tag }}" } }
  - id: two
    call: gate POST /work
    with: { tag: "two-{{ input.tag }}" }
    idempotent: true
`;

const QUICK = `workflow: quick
type: express
steps:
  - id: one
    call: gate POST /work
    with: { tag: "quick-{{ input.tag }}" }
    idempotent: true
`;

/** A service whose `/work` calls wait until released (unless `passThrough`); `/undo` answers at once. */
class Gate {
  readonly arrivals: string[] = [];
  readonly held = new Map<string, () => void>();
  /** The most calls of tenant a held at once. */
  peakA = 0;
  passThrough = false;
  #waiters: { count: number; wake: () => void }[] = [];

  readonly handler: ServiceHandler = async (request) => {
    const tag = String((request.body as { tag?: unknown } | undefined)?.tag);
    this.arrivals.push(tag);
    if (request.path === "/work" && !this.passThrough) {
      await new Promise<void>((release) => {
        this.held.set(tag, release);
        const a = [...this.held.keys()].filter((t) => /^a\d/.test(t)).length;
        this.peakA = Math.max(this.peakA, a);
        this.#notify();
      });
    }
    return { status: 200, body: { tag } };
  };

  release(tag: string): void {
    const release = this.held.get(tag);
    if (release === undefined)
      throw new Error(`${tag} is not held (held: ${[...this.held.keys()]})`);
    this.held.delete(tag);
    release();
  }

  /** Resolves once `count` calls are held. */
  waitForHeld(count: number): Promise<void> {
    if (this.held.size >= count) return Promise.resolve();
    return new Promise((wake) => this.#waiters.push({ count, wake }));
  }

  #notify(): void {
    const ready = this.#waiters.filter((w) => this.held.size >= w.count);
    this.#waiters = this.#waiters.filter((w) => this.held.size < w.count);
    for (const w of ready) w.wake();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("concurrency limits in the harness", () => {
  let gate: Gate;
  let harness: Harness;
  beforeAll(async () => {
    gate = new Gate();
    harness = await createHarness({ workflow: LIMITED, services: { gate: gate.handler } });
  });
  afterAll(async () => {
    await harness.close();
  });

  it("queues starts over the limit per key and starts them in arrival order as slots free", async () => {
    // Arrange: 5 starts for tenant a (limit 2), then one for tenant b
    const a = [];
    for (let i = 1; i <= 5; i++) a.push(await harness.start({ tenant: "a", tag: `a${i}` }));
    const b = await harness.start({ tenant: "b", tag: "b1" });
    await gate.waitForHeld(3);
    // Assess: two of a run, three wait; b has its own slot
    expect(a.map((r) => r.status)).toEqual(["RUNNING", "RUNNING", "QUEUED", "QUEUED", "QUEUED"]);
    expect(b.status).toBe("RUNNING");
    expect(harness.execution(a[2]?.executionId ?? "")?.status).toBe("QUEUED");
    expect(harness.concurrency().queued["limited#a"]).toEqual(a.slice(2).map((r) => r.executionId));
    expect([...gate.held.keys()].sort()).toEqual(["a1", "a2", "b1"]);
    // Act: free slots one by one; each release lets the next queued start in
    for (const tag of ["a1", "a2", "a3"]) {
      gate.release(tag);
      await gate.waitForHeld(3);
    }
    for (const tag of ["a4", "a5", "b1"]) gate.release(tag);
    const results = await Promise.all([...a, b].map((r) => r.result()));
    // Assess: never more than 2 of tenant a at the service at once
    expect(gate.peakA).toBe(2);
    expect(gate.arrivals.filter((t) => t.startsWith("a"))).toEqual(["a1", "a2", "a3", "a4", "a5"]);
    expect(results.map((r) => r.execution.status)).toEqual(Array(6).fill("SUCCEEDED"));
    expect(harness.concurrency()).toEqual({ held: {}, queued: {} });
  }, 60_000);

  it("frees the slot of a failed execution and starts the queued one", async () => {
    // Arrange
    const first = await harness.start(
      { tenant: "f", tag: "f1" },
      { faults: [{ step: "work", status: 500 }] },
    );
    const second = await harness.start({ tenant: "f", tag: "f2" });
    const third = await harness.start({ tenant: "f", tag: "f3" });
    // Act
    gate.passThrough = true;
    const results = await Promise.all([first, second, third].map((r) => r.result()));
    gate.passThrough = false;
    // Assess
    expect([first.status, second.status, third.status]).toEqual(["RUNNING", "RUNNING", "QUEUED"]);
    expect(results.map((r) => r.execution.status)).toEqual(["FAILED", "SUCCEEDED", "SUCCEEDED"]);
    expect(harness.concurrency()).toEqual({ held: {}, queued: {} });
  }, 60_000);

  it("cancel removes a queued start: it ends CANCELLED and never runs", async () => {
    // Arrange
    const one = await harness.start({ tenant: "c", tag: "c1" });
    const two = await harness.start({ tenant: "c", tag: "c2" });
    const queued = await harness.start({ tenant: "c", tag: "c3" });
    await gate.waitForHeld(2);
    // Act
    const cancelled = await harness.cancel(queued.executionId);
    gate.release("c1");
    gate.release("c2");
    const results = await Promise.all([one, two, queued].map((r) => r.result()));
    // Assess
    expect(queued.status).toBe("QUEUED");
    expect(cancelled.status).toBe("CANCELLED");
    expect(cancelled.steps.map((s) => s.status)).toEqual(["PENDING"]);
    expect(results.map((r) => r.execution.status)).toEqual(["SUCCEEDED", "SUCCEEDED", "CANCELLED"]);
    expect(results[2]?.calls.gate).toEqual([]);
    expect(gate.arrivals).not.toContain("c3");
    expect(harness.concurrency()).toEqual({ held: {}, queued: {} });
  }, 60_000);

  it("refuses a start whose key reads an absent input value, as the API does (400)", async () => {
    // Act
    const refused = await harness.start({ tag: "no-tenant" }).catch((error: unknown) => error);
    // Assess
    expect(refused).toBeInstanceOf(HarnessInputError);
    expect((refused as HarnessInputError).errors[0]?.message).toMatch(
      /concurrency key \{\{ input\.tenant \}\}/,
    );
    expect(harness.concurrency()).toEqual({ held: {}, queued: {} });
  });
});

describe("pause and resume in the harness", () => {
  let gate: Gate;
  let harness: Harness;
  beforeAll(async () => {
    gate = new Gate();
    harness = await createHarness({
      workflow: PAUSABLE,
      services: { gate: gate.handler },
    });
  });
  afterAll(async () => {
    await harness.close();
  });

  it("lets the call in flight finish, sends no next call while paused, resumes with attempt 1", async () => {
    // Arrange
    const run = await harness.start({ tag: "p1" });
    await gate.waitForHeld(1);
    // Act
    const paused = await harness.pause(run.executionId);
    gate.release("one-p1"); // in flight: it finishes
    // Longer than the handler parks an attempt (0.5 s): the Task's Baton.Paused retrier asks again.
    await sleep(2_000);
    const parked = harness.execution(run.executionId);
    const resumed = await harness.resume(run.executionId);
    await gate.waitForHeld(1);
    gate.release("two-p1");
    const { execution, calls } = await run.result();
    // Assess
    expect(paused.status).toBe("PAUSED");
    expect(parked?.status).toBe("PAUSED");
    expect(parked?.steps.map((s) => [s.id, s.status])).toEqual([
      ["one", "SUCCEEDED"],
      ["two", "PENDING"],
    ]);
    expect(resumed.status).toBe("RUNNING");
    expect(execution.status).toBe("SUCCEEDED");
    expect(execution.steps.find((s) => s.id === "two")?.attempts).toBe(1);
    expect(calls.gate?.map((c) => [c.body, c.attempt])).toEqual([
      [{ tag: "one-p1" }, 1],
      [{ tag: "two-p1" }, 1],
    ]);
  }, 60_000);

  it("cancel of a paused execution compensates as usual", async () => {
    // Arrange
    const run = await harness.start({ tag: "p2" });
    await gate.waitForHeld(1);
    await harness.pause(run.executionId);
    gate.release("one-p2");
    await sleep(1_000);
    // Act
    const cancelled = await harness.cancel(run.executionId, { compensate: true });
    const { execution } = await run.result();
    // Assess
    expect(cancelled.status).toBe("CANCELLED");
    expect(cancelled.compensation).toBe("COMPLETED");
    expect(execution.status).toBe("CANCELLED");
    expect(gate.arrivals).toContain("undo-p2");
    expect(gate.arrivals).not.toContain("two-p2");
  }, 60_000);

  it("refuses to pause an express execution with the reason", async () => {
    // Arrange
    const express = await createHarness({ workflow: QUICK, services: { gate: gate.handler } });
    gate.passThrough = true;
    const { execution } = await express.run({ tag: "x" });
    gate.passThrough = false;
    // Act
    const refused = await express.pause(execution.id).catch((error: unknown) => error);
    await express.close();
    // Assess
    expect((refused as Error).message).toMatch(/express executions cannot be paused/);
  });
});
