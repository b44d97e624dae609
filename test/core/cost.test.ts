import { describe, expect, it } from "vitest";
import type { StateMachineDefinition } from "../../lib/core/asl.ts";
import { type Outcome, walkAsl } from "../../lib/core/asl-walk.ts";
import { compileWorkflow } from "../../lib/core/compile.ts";
import { estimateCost, expressPrice } from "../../lib/core/cost.ts";
import { type CallStep, DEFAULT_RETRY, type Step, type Workflow } from "../../lib/core/model.ts";
import { TaskResource } from "../../lib/core/wire.ts";

const CALL = TaskResource.ServiceCall;

const mean = (outcomes: readonly Outcome[], f: (o: Outcome) => number): number =>
  outcomes.reduce((t, o) => t + o.weight * f(o), 0) / outcomes.reduce((t, o) => t + o.weight, 0);

const options = { failureRate: 0.5, mapItems: 4, callMs: 100 };

/** Start → call (2 retries, 1 s then 2 s) → Done; a failure goes to a Fail state. */
const singleCall: StateMachineDefinition = {
  StartAt: "Start",
  States: {
    Start: { Type: "Pass", Parameters: { "input.$": "$", steps: {} }, Next: "call" },
    call: {
      Type: "Task",
      Resource: CALL,
      ResultPath: "$.steps.call",
      Retry: [
        {
          ErrorEquals: ["Baton.ServiceError"],
          IntervalSeconds: 1,
          MaxAttempts: 2,
          BackoffRate: 2,
          JitterStrategy: "NONE",
        },
      ],
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.failure", Next: "Failed" }],
      Next: "Done",
    },
    Done: { Type: "Succeed" },
    Failed: { Type: "Fail", Error: "Boom" },
  },
};

describe("walkAsl on hand-written ASL", () => {
  it("counts one transition per state entered on the happy path", () => {
    // Prepare / Act
    const result = walkAsl(singleCall, { ...options, mode: "expected", failureRate: 0 });

    // Assess: Start, call, Done
    expect(result.outcomes).toEqual([
      { weight: 1, transitions: 3, durationMs: 100, failed: false, calls: 1, events: 0 },
    ]);
  });

  it("weighs retries and the failure path by the per-attempt failure probability", () => {
    // Prepare / Act
    const result = walkAsl(singleCall, { ...options, mode: "expected" });

    // Assess: E[attempts] = 1 + 0.5 + 0.25; 1 + 1.75 + 1 (Done or Failed) = 3.75
    expect(mean(result.outcomes, (o) => o.transitions)).toBeCloseTo(3.75, 10);
    // failure: 3 attempts (300 ms) + 1 s + 2 s of backoff, with probability 0.125
    const failed = result.outcomes.find((o) => o.failed);
    expect(failed).toEqual({
      weight: 0.125,
      transitions: 5,
      durationMs: 3300,
      failed: true,
      calls: 3,
      events: 0,
    });
  });

  it("uses every attempt in the worst case and keeps the costliest ending", () => {
    // Prepare / Act
    const result = walkAsl(singleCall, { ...options, mode: "worst" });

    // Assess: 1 + 3 + 1 either way; both endings are kept
    expect(result.outcomes).toEqual([
      { weight: 1, transitions: 5, durationMs: 3300, failed: false, calls: 3, events: 0 },
      { weight: 1, transitions: 5, durationMs: 3300, failed: true, calls: 3, events: 0 },
    ]);
  });

  it("decides IsPresent choices from what the machine wrote instead of taking the costliest branch", () => {
    // Prepare: $.failure is never written on the happy path, so the long branch never runs
    const asl: StateMachineDefinition = {
      StartAt: "Start",
      States: {
        Start: { Type: "Pass", Parameters: { steps: {} }, Next: "Failed?" },
        "Failed?": {
          Type: "Choice",
          Choices: [{ Variable: "$.failure", IsPresent: true, Next: "A" }],
          Default: "Done",
        },
        A: { Type: "Pass", Next: "B" },
        B: { Type: "Pass", Next: "C" },
        C: { Type: "Pass", End: true },
        Done: { Type: "Succeed" },
      },
    };

    // Act
    const result = walkAsl(asl, { ...options, mode: "worst" });

    // Assess: Start, Failed?, Done
    expect(result.outcomes).toEqual([
      { weight: 1, transitions: 3, durationMs: 0, failed: false, calls: 0, events: 0 },
    ]);
  });

  it("follows data through ResultSelector, intrinsics and filters to decide a choice", () => {
    // Prepare: every item reports failed: false, so neither test finds a failure
    const asl: StateMachineDefinition = {
      StartAt: "Start",
      States: {
        Start: { Type: "Pass", Parameters: { "items.$": "$.items" }, Next: "Each" },
        Each: {
          Type: "Map",
          ItemsPath: "$.items",
          ItemProcessor: {
            StartAt: "Item",
            States: { Item: { Type: "Pass", Parameters: { failed: false }, End: true } },
          },
          ResultSelector: { "failed.$": "States.ArrayContains($[*].failed, true)", "items.$": "$" },
          ResultPath: "$.joined",
          Next: "Collect",
        },
        Collect: {
          Type: "Pass",
          Parameters: {
            "failures.$": "$.joined.items[?(@.failed == true)]",
            "any.$": "$.joined.failed",
          },
          Next: "Any?",
        },
        "Any?": {
          Type: "Choice",
          Choices: [
            { Variable: "$.any", BooleanEquals: true, Next: "Long" },
            { Variable: "$.failures[0]", IsPresent: true, Next: "Long" },
          ],
          Default: "Done",
        },
        Long: { Type: "Pass", Next: "Longer" },
        Longer: { Type: "Pass", Next: "Done" },
        Done: { Type: "Succeed" },
      },
    };

    // Act
    const result = walkAsl(asl, { ...options, mode: "worst" });

    // Assess: Start, Each + 4 items, Collect, Any?, Done
    expect(result.outcomes).toEqual([
      { weight: 1, transitions: 9, durationMs: 0, failed: false, calls: 0, events: 0 },
    ]);
  });

  it("takes the costliest branch of a condition on unknown input", () => {
    // Prepare
    const asl: StateMachineDefinition = {
      StartAt: "Check",
      States: {
        Check: {
          Type: "Choice",
          Choices: [{ Variable: "$.amount", NumericLessThan: 10, Next: "Done" }],
          Default: "A",
        },
        A: { Type: "Pass", Next: "B" },
        B: { Type: "Pass", Next: "Done" },
        Done: { Type: "Succeed" },
      },
    };

    // Act
    const result = walkAsl(asl, { ...options, mode: "expected", failureRate: 0 });

    // Assess: Check, A, B, Done
    expect(result.outcomes).toEqual([
      { weight: 1, transitions: 4, durationMs: 0, failed: false, calls: 0, events: 0 },
    ]);
  });

  it("counts a Parallel state, its branches, and their longest duration", () => {
    // Prepare: branch 1 is one call, branch 2 two Pass states and a 2 s wait
    const asl: StateMachineDefinition = {
      StartAt: "Fan",
      States: {
        Fan: {
          Type: "Parallel",
          Branches: [
            { StartAt: "c", States: { c: { Type: "Task", Resource: CALL, End: true } } },
            {
              StartAt: "p1",
              States: {
                p1: { Type: "Pass", Next: "w" },
                w: { Type: "Wait", Seconds: 2, Next: "p2" },
                p2: { Type: "Pass", End: true },
              },
            },
          ],
          End: true,
        },
      },
    };

    // Act
    const result = walkAsl(asl, { ...options, mode: "expected", failureRate: 0 });

    // Assess: Fan + c + p1, w, p2 = 5; max(100 ms, 2000 ms)
    expect(result.outcomes).toEqual([
      { weight: 1, transitions: 5, durationMs: 2000, failed: false, calls: 1, events: 0 },
    ]);
  });

  it("runs a Map body the assumed number of times when its items are unknown", () => {
    // Prepare: 4 items, at most 2 at once, 2 states per item (one a call)
    const asl: StateMachineDefinition = {
      StartAt: "Each",
      States: {
        Each: {
          Type: "Map",
          ItemsPath: "$.items",
          MaxConcurrency: 2,
          ItemProcessor: {
            StartAt: "c",
            States: {
              c: { Type: "Task", Resource: CALL, Next: "p" },
              p: { Type: "Pass", End: true },
            },
          },
          End: true,
        },
      },
    };

    // Act
    const result = walkAsl(asl, { ...options, mode: "expected", failureRate: 0 });

    // Assess: 1 + 4 × 2 transitions; 2 rounds of 100 ms
    expect(result.outcomes).toEqual([
      { weight: 1, transitions: 9, durationMs: 200, failed: false, calls: 4, events: 0 },
    ]);
    expect(result.notes).toEqual(["Map states run 4 iterations."]);
  });

  it("fails when the machine loops", () => {
    // Prepare
    const asl: StateMachineDefinition = {
      StartAt: "A",
      States: { A: { Type: "Pass", Next: "B" }, B: { Type: "Pass", Next: "A" } },
    };

    // Act / Assess
    expect(() => walkAsl(asl, { ...options, mode: "worst" })).toThrow(/loops/);
  });
});

// ── On compiled workflows ───────────────────────────────────────────────────────────────────────

function call(id: string, extra: Partial<CallStep> = {}, dependsOn: string[] = []): CallStep {
  return {
    id,
    kind: "call",
    call: { service: "svc", method: "POST", path: `/${id}` },
    timeout: 10,
    retry: DEFAULT_RETRY,
    idempotent: true,
    dependsOn,
    explicitDependsOn: false,
    pointer: `/steps/${id}`,
    ...extra,
  };
}

function workflow(steps: Step[]): Workflow {
  return { name: "wf", version: 1, type: "standard", triggers: [], steps };
}

const noJitter = { ...DEFAULT_RETRY, jitter: "none" as const };

describe("estimateCost on compiled workflows", () => {
  it("prices one call: 1 transition at best, 4 at worst", () => {
    // Prepare: a (the machine starts at it, ends the run); on failure a's Catch → Failed
    const wf = workflow([call("a", { retry: noJitter })]);

    // Act
    const report = estimateCost(wf, compileWorkflow(wf), {
      executions: 2_000_000,
      failureRate: 0.05,
    });

    // Assess
    expect(report.best.transitions).toBe(1);
    expect(report.worst.transitions).toBe(4);
    // (1 + 0.05 + 0.0025) + 0.05^3 × 1 (the failure path adds Failed)
    expect(report.expected.transitions).toBeCloseTo(1.052625, 10);
    expect(report.best.standard.perExecution).toBeCloseTo(0.000025, 12);
    expect(report.best.standard.perMillion).toBeCloseTo(25, 9);
    expect(report.best.standard.total).toBeCloseTo(50, 9);
    expect(report.worst.durationMs).toBe(3 * 100 + (1 + 2) * 1000);
    expect(report.worst.failureRate).toBe(1);
  });

  it("counts every compensation with its retries in the worst case", () => {
    // Prepare: a (compensated) → b (compensated) → c
    const undo = (id: string) => ({
      call: { service: "svc", method: "DELETE" as const, path: `/${id}` },
      timeout: 10,
      retry: { ...noJitter, maxAttempts: 5 },
    });
    const wf = workflow([
      call("a", { compensate: undo("a") }),
      call("b", { compensate: undo("b") }, ["a"]),
      call("c", {}, ["b"]),
    ]);

    // Act
    const report = estimateCost(wf, compileWorkflow(wf), { failureRate: 0.05 });

    // Assess
    // best: a, b, c (ends the run): the machine starts at a, whose handler redirects the resume,
    // compensate-only and raw-input runs (lib/core/entry-request.ts)
    expect(report.best.transitions).toBe(3);
    // worst: a 3 + b 3 + c 3 + b#undo 5 (c's Catch goes straight there: b is known to
    //   be due, c depends on it; the undo publishes Compensation Started) + a#undo! 5 (b's undo
    //   failed: the rest runs on the dirty chain; no guard, b depends on a)
    //   + Compensation failed 1 + Compensation incomplete 1 = 21
    expect(report.worst.transitions).toBe(21);
    // expected, p = 0.05: calls take A = 1 + p + p² attempts and fail with q = p³; compensations take
    // C = 1 + … + p⁴. A failure at a costs 1 more transition (Failed: nothing to undo); at b,
    // 1 + C (a's undo, which publishes the saga's events, and Fail); at c, 1 + 2C:
    // A + s(A + s(A + q(1 + 2C)) + q(1 + C)) + q, with s = 1 - q
    const p = 0.05;
    const [A, C, q] = [1 + p + p ** 2, 1 + p + p ** 2 + p ** 3 + p ** 4, p ** 3];
    const s = 1 - q;
    expect(report.expected.transitions).toBeCloseTo(
      A + s * (A + s * (A + q * (1 + 2 * C)) + q * (1 + C)) + q,
      // The formula leaves out an undo failing all 5 attempts (p⁵ after a failure, q): the dirty
      // chain's end is one state longer than the clean undo going straight to Fail.
      9,
    );
  });

  it("counts each branch of independent steps and overlaps their durations", () => {
    // Prepare: a and b run concurrently, c after both
    const wf = workflow([
      call("a", { retry: noJitter }),
      call("b", { retry: noJitter }),
      call("c", { retry: noJitter }, ["a", "b"]),
    ]);

    // Act
    const report = estimateCost(wf, compileWorkflow(wf));

    // Assess
    // best: Entry, parallel#1, a + branch done, b + branch done, check, merge, c (ends) = 9
    expect(report.best.transitions).toBe(9);
    expect(report.best.durationMs).toBe(200);
    // worst: both branches use 3 attempts and succeed (8), then c fails after 3 attempts:
    // Entry, parallel#1, 8, check, merge, c ×3, Failed = 16
    expect(report.worst.transitions).toBe(16);
  });

  it("runs a map body once per assumed item", () => {
    // Prepare
    const wf = workflow([
      {
        id: "each",
        kind: "map",
        items: "{{ input.items }}",
        maxConcurrency: 0,
        dependsOn: [],
        explicitDependsOn: false,
        pointer: "/steps/0",
        steps: [call("x", { retry: noJitter })],
      },
    ]);

    // Act
    const report = estimateCost(wf, compileWorkflow(wf), { mapItems: 3 });

    // Assess
    // best: Entry, each#any?, each, 3 × (x, item done), each#check, each#merge (ends) = 11
    expect(report.best.transitions).toBe(11);
    // expected: an item costs A + 1 + q (x#failed) with A = 1 + p + p², q = p³; after the map,
    // 2 states, or 4 when an item failed (probability 1 - (1 - q)³)
    const p = 0.05;
    const q = p ** 3;
    const expected = 3 + 3 * (1 + p + p ** 2 + 1 + q) + 2 + 2 * (1 - (1 - q) ** 3);
    expect(report.expected.transitions).toBeCloseTo(expected, 10);
    // worst: every item fails after 3 attempts (3 × 5), then check, failed-items, propagate,
    // Failed
    expect(report.worst.transitions).toBe(3 + 15 + 4);
  });

  it("takes the guarded step when its condition depends on input", () => {
    // Prepare: a, then b only when input.go == true
    const wf = workflow([call("a"), call("b", { when: "input.go == true" }, ["a"])]);

    // Act
    const report = estimateCost(wf, compileWorkflow(wf));

    // Assess: a, b#when, b (ends)
    expect(report.best.transitions).toBe(3);
  });

  it("fails when an option is out of range", () => {
    // Prepare
    const wf = workflow([call("a")]);

    // Act / Assess
    expect(() => estimateCost(wf, compileWorkflow(wf), { failureRate: 1 })).toThrow(
      "failureRate must be a number in [0, 1); got 1",
    );
    expect(() => estimateCost(wf, compileWorkflow(wf), { executions: 0.5 })).toThrow(
      /executions must be an integer/,
    );
  });
});

describe("expressPrice", () => {
  it("bills 64 MB in 100 ms increments plus the request", () => {
    // Prepare / Act / Assess: 250 ms is billed as 300 ms
    expect(expressPrice({ durationMs: 250 })).toBeCloseTo(
      1e-6 + (64 / 1024) * 0.3 * 0.00001667,
      15,
    );
  });
});
