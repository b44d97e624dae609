import { describe, expect, it } from "vitest";
import {
  callBudget,
  LAMBDA_SAFETY_MS,
  LAMBDA_TIMEOUT_MARGIN,
  REPORT_MS,
  TASK_TIMEOUT_GRACE,
} from "../../lib/core/call-budget.ts";
import { CALL_TIMEOUT_RULE } from "../../lib/core/validate/fields.ts";

describe("callBudget", () => {
  it("aborts the request at the step timeout and returns REPORT_MS later", () => {
    expect(callBudget(1_000, 10_000)).toEqual({ abortAt: 11_000, deadline: 11_000 + REPORT_MS });
  });

  it("shrinks to the Lambda's remaining time, still aborting the request first", () => {
    const budget = callBudget(0, 10_000, 6_000);
    expect(budget.deadline).toBe(6_000 - LAMBDA_SAFETY_MS);
    expect(budget.abortAt).toBe(6_000 - LAMBDA_SAFETY_MS - REPORT_MS);
  });

  it("fails when the Lambda has no time left: nothing may be sent", () => {
    expect(callBudget(500, 10_000, 100)).toEqual({ abortAt: 500, deadline: 500 });
  });

  it("ignores a remaining time that is not a positive number (a broken Lambda context)", () => {
    expect(callBudget(0, 1_000, 0)).toEqual(callBudget(0, 1_000));
    expect(callBudget(0, 1_000, Number.NaN)).toEqual(callBudget(0, 1_000));
  });

  it("nests: hard deadline < Task timeout, and < Lambda timeout for the longest call", () => {
    expect(REPORT_MS).toBeLessThan(TASK_TIMEOUT_GRACE * 1000);
    const longest = CALL_TIMEOUT_RULE.max ?? 0;
    expect(longest + LAMBDA_TIMEOUT_MARGIN).toBeLessThanOrEqual(900);
    expect(longest * 1000 + REPORT_MS).toBeLessThan((longest + LAMBDA_TIMEOUT_MARGIN) * 1000);
  });
});
