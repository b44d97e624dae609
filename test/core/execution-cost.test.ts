import { describe, expect, it } from "vitest";
import { countRun, engineMachine } from "../../bench/cost/engine-count.ts";
import { fanOut, linear, mapSaga, type Scenario } from "../../bench/cost/scenarios.ts";
import { compileWorkflow } from "../../lib/core/compile.ts";
import {
  batonUsage,
  type DeploymentOptions,
  failurePoints,
  pathCosts,
  priced,
  recordsUnits,
} from "../../lib/core/execution-cost.ts";
import { initialState } from "../../lib/core/execution-state.ts";
import type { Json } from "../../lib/core/model.ts";
import { PRICES } from "../../lib/core/pricing.ts";
import { validateWorkflow } from "../../lib/core/validate.ts";

const standard: DeploymentOptions = { type: "standard" };

function compiled(scenario: Scenario) {
  const { workflow, problems } = validateWorkflow(scenario.workflow);
  if (!workflow) throw new Error(JSON.stringify(problems));
  return compileWorkflow(workflow);
}

describe("pathCosts", () => {
  it("prices the success path and one path per forward call", () => {
    // Prepare
    const asl = compiled(linear(3));

    // Act
    const paths = pathCosts(asl, standard);

    // Assess
    expect(paths.map((p) => p.path)).toEqual(["success", "s3 fails", "s2 fails", "s1 fails"]);
    const success = paths[0];
    expect(success?.usage).toMatchObject({ serviceCalls: 3, apiRequests: 1, failed: false });
    // Step Functions is its transitions at the list price; the total adds every other service.
    expect(success?.usd.stepFunctions).toBeCloseTo(
      (success?.usage.transitions ?? 0) * PRICES.stepFunctions.usdPerTransition,
      12,
    );
    expect(success?.usd.total).toBeGreaterThan(success?.usd.stepFunctions ?? 0);
    expect(success?.usdPerMillion).toBeCloseTo((success?.usd.total ?? 0) * 1e6, 6);
    // A failure after two succeeded steps undoes both: two more service calls.
    expect(paths[1]?.usage.serviceCalls).toEqual(5);
    expect(paths[1]?.usage.failed).toEqual(true);
  });

  it("bills Express by duration, not transitions, and logs at ALL cost more than at ERROR", () => {
    // Prepare
    const asl = compiled(linear(3));

    // Act
    const [errorLevel] = pathCosts(asl, { type: "express", logLevel: "ERROR" });
    const [allLevel] = pathCosts(asl, { type: "express", logLevel: "ALL" });

    // Assess
    expect(errorLevel?.usage.transitions).toEqual(0);
    expect(errorLevel?.usd.stepFunctions).toBeGreaterThan(0);
    expect(allLevel?.usd.logs).toBeGreaterThan(errorLevel?.usd.logs ?? 0);
  });

  it("lists no failure point for a machine without service calls", () => {
    expect(failurePoints({ StartAt: "A", States: { A: { Type: "Succeed" } } })).toEqual([]);
  });
});

describe("recordsUnits", () => {
  it("grows linearly with the events, within 2 write units per step and 4 per execution", () => {
    // Prepare / Act: a linear saga of n steps records 2n + 2 events (two per call, two status changes)
    const units = [5, 10, 20, 40].map((n) => ({ n, ...recordsUnits(2 * n + 2, true) }));

    // Assess
    for (const { n, writeUnits, readUnits } of units) {
      expect(writeUnits, `${n} steps`).toBeLessThanOrEqual(2 * n + 4);
      expect(readUnits).toEqual(1);
    }
    const perStep = (a: number, b: number) =>
      ((units[b]?.writeUnits ?? 0) - (units[a]?.writeUnits ?? 0)) /
      ((units[b]?.n ?? 0) - (units[a]?.n ?? 0));
    expect(Math.abs(perStep(2, 3) - perStep(0, 1))).toBeLessThanOrEqual(0.2);
  });
});

describe("baton cost against the cost bench (the engine's counts)", () => {
  const scenarios = [linear(3), linear(5), fanOut(), mapSaga(4)];
  it.each(scenarios)(
    "is within 5 percent on every path of $name",
    async (scenario) => {
      // Prepare
      const asl = compiled(scenario);
      const machine = engineMachine(asl);
      const options = { ...standard, mapItems: scenario.mapItems };
      const walked = new Map(pathCosts(asl, options).map((p) => [p.path, p.usdPerMillion]));

      for (const failAt of [undefined, ...failurePoints(asl)]) {
        const path = failAt === undefined ? "success" : `${failAt} fails`;
        // Act
        // Started as the API starts executions: with the state built.
        const counts = await countRun(asl, machine, {
          input: initialState("cost-1", scenario.input as Json, "2026-01-01T00:00:00.000Z"),
          ...(failAt === undefined ? {} : { failAt }),
        });
        const bench = priced(path, batonUsage(counts, options), options).usdPerMillion;

        // Assess
        expect(Math.abs((walked.get(path) ?? 0) / bench - 1), path).toBeLessThanOrEqual(0.05);
      }
    },
    60_000,
  );
});
