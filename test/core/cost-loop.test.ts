/**
 * `baton cost` on loops: the expected case runs each loop `loopIterations` times (at most
 * maxIterations), the worst case maxIterations times. One iteration of the loop below enters 7
 * states: the iteration Parallel, book, check, the until Choice, the end Pass, the record Pass and
 * the back-edge Choice.
 */
import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../../lib/core/compile.ts";
import { estimateCost } from "../../lib/core/cost.ts";
import { workflowFromYaml } from "../support/load-yaml.ts";

const PER_ITERATION = 7;
const loop = (max: number) =>
  workflowFromYaml(`
workflow: poll
steps:
  - id: poll
    loop:
      maxIterations: ${max}
      until: steps.check.body.done == true
      steps:
        - id: book
          call: svc POST /book
          compensate: { call: svc DELETE /book }
        - id: check
          call: svc GET /check
`);
const cost = (max: number, loopIterations: number) => {
  const workflow = loop(max);
  return estimateCost(workflow, compileWorkflow(workflow), { loopIterations });
};

describe("estimateCost on loops", () => {
  it("counts loopIterations iterations in the best and expected cases", () => {
    // Act
    const one = cost(10, 1);
    const four = cost(10, 4);
    // Assess
    expect(four.best.transitions - one.best.transitions).toBe(3 * PER_ITERATION);
    expect(four.expected.transitions).toBeGreaterThan(one.expected.transitions + 3 * PER_ITERATION);
    expect(four.assumptions.loopIterations).toBe(4);
  });

  it("never assumes more iterations than maxIterations", () => {
    expect(cost(2, 9).best.transitions).toBe(cost(2, 2).best.transitions);
  });

  it("counts maxIterations iterations in the worst case, whatever loopIterations says", () => {
    // Act
    const five = cost(5, 1);
    const six = cost(6, 1);
    // Assess: one more allowed iteration, compensated too, costs at least an iteration more.
    expect(six.worst.transitions - five.worst.transitions).toBeGreaterThanOrEqual(PER_ITERATION);
    expect(cost(5, 3).worst.transitions).toBe(five.worst.transitions);
  });
});
