import { describe, expect, it } from "vitest";
import {
  callBudget,
  LAMBDA_SAFETY_MS,
  LAMBDA_TIMEOUT_MARGIN,
  PREPARE_MS,
  REPORT_MS,
  requestAbortAt,
  TASK_TIMEOUT_GRACE,
} from "../../lib/core/call-budget.ts";
import { CALL_TIMEOUT_RULE } from "../../lib/core/validate/fields.ts";

describe("callBudget", () => {
  it("aborts the request at the step timeout after it was sent and returns REPORT_MS later", () => {
    const budget = callBudget(1_000, 10_000);
    expect(budget).toEqual({
      abortAt: 11_000 + PREPARE_MS,
      deadline: 11_000 + PREPARE_MS + REPORT_MS,
    });
    // Sent at once: the whole step timeout; after slow lookups: still the whole step timeout ...
    expect(requestAbortAt(budget, 1_000, 10_000)).toBe(11_000);
    expect(requestAbortAt(budget, 1_000 + PREPARE_MS, 10_000)).toBe(11_000 + PREPARE_MS);
    // ... and lookups slower than PREPARE_MS shorten the request, never the deadline.
    expect(requestAbortAt(budget, 3_000 + PREPARE_MS, 10_000)).toBe(11_000 + PREPARE_MS);
  });

  it("shrinks to the Lambda's remaining time, still aborting the request first", () => {
    const budget = callBudget(0, 10_000, 6_000);
    expect(budget.deadline).toBe(6_000 - LAMBDA_SAFETY_MS);
    expect(budget.abortAt).toBe(6_000 - LAMBDA_SAFETY_MS - REPORT_MS);
    expect(requestAbortAt(budget, 0, 10_000)).toBe(budget.abortAt);
  });

  it("fails when the Lambda has no time left: nothing may be sent", () => {
    expect(callBudget(500, 10_000, 100)).toEqual({ abortAt: 500, deadline: 500 });
  });

  it("ignores a remaining time that is not a positive number (a broken Lambda context)", () => {
    expect(callBudget(0, 1_000, 0)).toEqual(callBudget(0, 1_000));
    expect(callBudget(0, 1_000, Number.NaN)).toEqual(callBudget(0, 1_000));
  });

  it("nests: hard deadline < Task timeout, and < Lambda timeout for the longest call", () => {
    // At least a second is left for the Lambda's start-up inside the Task timeout.
    expect(PREPARE_MS + REPORT_MS + 1_000).toBeLessThanOrEqual(TASK_TIMEOUT_GRACE * 1000);
    const longest = CALL_TIMEOUT_RULE.max ?? 0;
    expect(longest + LAMBDA_TIMEOUT_MARGIN).toBeLessThanOrEqual(900);
    expect(longest * 1000 + PREPARE_MS + REPORT_MS).toBeLessThan(
      (longest + LAMBDA_TIMEOUT_MARGIN) * 1000,
    );
  });
});
