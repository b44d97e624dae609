/**
 * The state every compiled machine works on: `{input, context, steps}`. Starts through the API
 * (and triggers and schedules, which go through its start use case) send this state already
 * built, so the machine's entry goes straight to the first step instead of through the `Start`
 * Pass that builds it from a raw input (child executions and direct Step Functions starts still
 * take that way).
 */
import type { Json } from "./model.ts";

// Type aliases (not interfaces) so a state is a `Json` value as it is.
export type ExecutionContext = {
  readonly executionId: string;
  /** ISO time the start was requested (`execution.startedAt` in templates). */
  readonly startedAt: string;
  readonly redriveCount: number;
  /** A child execution's parent, `workflow:<parent workflow>/<parent execution id>` (`childStarter`). */
  readonly startedBy?: string;
};

export type ExecutionState = {
  readonly input: Json;
  readonly context: ExecutionContext;
  readonly steps: { readonly [id: string]: Json };
};

/** The state a normal run starts with: no step has a result yet. */
export function initialState(executionId: string, input: Json, startedAt: string): ExecutionState {
  return { input, context: { executionId, startedAt, redriveCount: 0 }, steps: {} };
}

/** `startedBy` of a child execution: the parent workflow and execution that started it. */
export const childStarter = (workflow: string, executionId: string): string =>
  `workflow:${workflow}/${executionId}`;

/** The parent a child execution's start names (`context.startedBy`), only in the `childStarter` form. */
export function childStarterOf(machineInput: Json): string | undefined {
  if (!isExecutionState(machineInput)) return undefined;
  const startedBy = machineInput.context.startedBy;
  return typeof startedBy === "string" && startedBy.startsWith("workflow:") ? startedBy : undefined;
}

/** What the entry Choice tests to tell a built state from a raw input (all must be present). */
export const STATE_MARKERS = ["$.context.executionId", "$.steps"] as const;

export function isExecutionState(value: unknown): value is ExecutionState {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const { context, steps } = value as { readonly context?: unknown; readonly steps?: unknown };
  return (
    "input" in value &&
    typeof context === "object" &&
    context !== null &&
    typeof (context as { readonly executionId?: unknown }).executionId === "string" &&
    typeof steps === "object" &&
    steps !== null
  );
}

/** The execution's own input from what its machine was started with (a built state or raw input). */
export function executionInputOf(machineInput: Json): Json {
  return isExecutionState(machineInput) ? machineInput.input : machineInput;
}
