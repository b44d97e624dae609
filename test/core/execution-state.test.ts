import { describe, expect, it } from "vitest";
import {
  executionInputOf,
  initialState,
  isExecutionState,
} from "../../lib/core/execution-state.ts";

describe("execution state built at the start", () => {
  it("holds the input, the context and no step results", () => {
    // Prepare / Act
    const state = initialState("exec-1", { orderId: "o-1" }, "2026-01-01T00:00:00.000Z");

    // Assess
    expect(state).toStrictEqual({
      input: { orderId: "o-1" },
      context: { executionId: "exec-1", startedAt: "2026-01-01T00:00:00.000Z", redriveCount: 0 },
      steps: {},
    });
    expect(isExecutionState(state)).toBe(true);
  });

  it("gives back the execution's input from a built state and leaves a raw input as it is", () => {
    // Prepare
    const built = initialState("exec-1", null, "2026-01-01T00:00:00.000Z");

    // Act / Assess
    expect(executionInputOf(built)).toBeNull();
    expect(executionInputOf({ orderId: "o-1" })).toStrictEqual({ orderId: "o-1" });
    expect(executionInputOf({ input: 1, context: {}, steps: {} })).toStrictEqual({
      input: 1,
      context: {},
      steps: {},
    });
    expect(executionInputOf([1, 2])).toStrictEqual([1, 2]);
  });
});
