import { describe, expect, it } from "vitest";
import type { CatalogueStep, CatalogueWorkflow } from "../../../lib/core/project/catalogue.ts";
import type { ExecutionDocument, StepRecord } from "../../../lib/runtime/records/document.ts";
import { computeStats, percentile } from "../../../lib/runtime/records/stats.ts";

const call = (id: string, method: string, o: Partial<CatalogueStep> = {}): CatalogueStep => ({
  id,
  kind: "call",
  scope: "/",
  dependsOn: [],
  explicitDependsOn: false,
  reads: [],
  call: { service: "svc", method, path: `/${id}` },
  idempotent: false,
  ...o,
});

const workflow: CatalogueWorkflow = {
  name: "checkout",
  version: 1,
  type: "standard",
  definition: {},
  asl: {},
  mermaid: "",
  steps: [
    call("profile", "GET"),
    call("stock", "GET", {
      dependsOn: ["profile"],
      call: { service: "svc", method: "GET", path: "/profile" },
    }),
    call("charge", "POST", { dependsOn: ["stock"], reads: ["stock"] }),
    call("notify", "POST", { dependsOn: ["charge"], explicitDependsOn: true }),
  ],
};

const step = (
  id: string,
  durationMs: number,
  attempts = 1,
  status: StepRecord["status"] = "SUCCEEDED",
): StepRecord => ({
  id,
  status,
  attempts,
  durationMs,
});

function execution(n: number, o: Partial<ExecutionDocument> = {}): ExecutionDocument {
  return {
    id: `e${n}`,
    workflow: "checkout",
    version: 1,
    status: "SUCCEEDED",
    startedAt: "2026-11-22T10:00:00.000Z",
    stoppedAt: "2026-11-22T10:00:01.000Z",
    startedBy: "anonymous",
    versionPinned: false,
    traceId: String(n).padStart(32, "0"),
    durationMs: 1000,
    stepsCompleted: 4,
    totalSteps: 4,
    input: {},
    output: null,
    error: null,
    compensation: "NONE",
    steps: [step("profile", 100), step("stock", 50), step("charge", 700), step("notify", 20)],
    ...o,
  };
}

describe("computeStats", () => {
  it("computes rates, durations, the bottleneck and rule-based suggestions", () => {
    // Prepare
    const documents = [
      ...Array.from({ length: 18 }, (_, n) => execution(n)),
      execution(18, {
        status: "FAILED",
        compensation: "COMPLETED",
        steps: [
          step("profile", 100, 3),
          step("stock", 50),
          step("charge", 800, 1, "COMPENSATED"),
          step("notify", 0, 0, "PENDING"),
        ],
      }),
      execution(19, { status: "RUNNING", stoppedAt: null, durationMs: null }),
    ];

    // Act
    const stats = computeStats(workflow, documents, "2026-11-15T10:00:00.000Z", false);

    // Assess
    expect({
      ...stats,
      steps: stats.steps.map((s) => s.id),
      suggestions: stats.suggestions.map((s) => [s.rule, s.steps]),
    }).toEqual({
      workflow: "checkout",
      since: "2026-11-15T10:00:00.000Z",
      count: 20,
      truncated: false,
      running: 1,
      successRate: 18 / 19,
      avgDurationMs: 1000,
      p95DurationMs: 1000,
      retryRate: 1 / 20,
      compensationRate: 1 / 19,
      byStatus: { SUCCEEDED: 18, FAILED: 1, RUNNING: 1 },
      bottleneck: { step: "charge", avgDurationMs: 705, p95DurationMs: 700 },
      steps: ["profile", "stock", "charge", "notify"],
      suggestions: [
        ["parallelize", ["profile", "stock"]],
        ["cache", ["profile"]],
        ["cache", ["stock"]],
        ["cache", ["profile", "stock"]],
        ["dominant-step", ["charge"]],
      ],
    });
  });

  it("explains a parallelization with the dependsOn to write and the time it saves", () => {
    // Prepare
    const documents = Array.from({ length: 5 }, (_, n) => execution(n));

    // Act
    const parallelize = computeStats(workflow, documents, "t", false).suggestions.find(
      (s) => s.rule === "parallelize",
    );

    // Assess
    expect(parallelize).toEqual({
      rule: "parallelize",
      steps: ["profile", "stock"],
      message:
        "Steps profile and stock run one after the other, but stock does not read profile's result: if their " +
        'order does not matter, give stock "dependsOn: []" and charge "dependsOn: [profile, stock]" so they run ' +
        "concurrently (about 50 ms less per execution).",
      estimatedSavingMs: 50,
    });
  });

  it("suggests nothing and reports null rates without executions", () => {
    // Act
    const stats = computeStats({ ...workflow, steps: [call("only", "POST")] }, [], "t", false);

    // Assess
    expect([
      stats.count,
      stats.successRate,
      stats.avgDurationMs,
      stats.bottleneck,
      stats.suggestions,
    ]).toEqual([0, null, null, null, []]);
  });

  it("takes the nearest-rank percentile", () => {
    // Act / Assess
    expect([
      percentile([5, 1, 4, 2, 3], 0.95),
      percentile([1, 2, 3, 4], 0.5),
      percentile([], 0.5),
    ]).toEqual([5, 2, null]);
  });
});
