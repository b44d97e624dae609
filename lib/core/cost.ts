/**
 * Cost estimate of a compiled workflow on Step Functions: state transitions per execution in the
 * best, expected and worst case (from a symbolic walk of the ASL, see `asl-walk.ts`), priced for
 * Standard (per transition) and Express (per request and GB-second).
 */
import type { StateMachineDefinition } from "./asl.ts";
import { type Outcome, walkNormalRun } from "./asl-walk.ts";
import type { Workflow, WorkflowType } from "./model.ts";

/** Published on-demand prices, us-east-1 (https://aws.amazon.com/step-functions/pricing/). */
export const PRICING = {
  region: "us-east-1",
  standard: {
    /** USD per 1,000 state transitions (beyond the free tier of 4,000 a month). */
    usdPerThousandTransitions: 0.025,
  },
  express: {
    usdPerMillionRequests: 1.0,
    /** First tier (first 1,000 GB-hours a month). */
    usdPerGbSecond: 0.00001667,
    memoryMb: 64,
    /** Express duration is billed in 100 ms increments. */
    billingIncrementMs: 100,
  },
} as const;

export interface CostOptions {
  /** Executions to price (besides per million). @default 1_000_000 */
  readonly executions?: number;
  /** Probability that one service-call attempt fails, for the expected case. @default 0.05 */
  readonly failureRate?: number;
  /** Iterations assumed for each map step. @default 10 */
  readonly mapItems?: number;
  /** Iterations assumed for each loop in the expected case (the worst runs maxIterations). @default 3 */
  readonly loopIterations?: number;
  /** Milliseconds per call attempt (Express duration). @default 100 */
  readonly callMs?: number;
}

export const COST_DEFAULTS = {
  executions: 1_000_000,
  failureRate: 0.05,
  mapItems: 10,
  loopIterations: 3,
  callMs: 100,
} as const;

export interface Usd {
  readonly perExecution: number;
  readonly perMillion: number;
  /** For the requested number of executions. */
  readonly total: number;
}

export interface ScenarioCost {
  /** State transitions per execution (a mean in the expected case). */
  readonly transitions: number;
  /** Wall-clock milliseconds per execution (a mean in the expected case). */
  readonly durationMs: number;
  /** Share of executions that end failed (worst case: 1 when the costliest ending is a failure). */
  readonly failureRate: number;
  readonly standard: Usd;
  readonly express: Usd;
}

export interface CostReport {
  readonly workflow: string;
  readonly version: number;
  readonly type: WorkflowType;
  readonly executions: number;
  readonly best: ScenarioCost;
  readonly expected: ScenarioCost;
  readonly worst: ScenarioCost;
  readonly pricing: typeof PRICING;
  readonly assumptions: {
    readonly failureRate: number;
    readonly mapItems: number;
    readonly loopIterations: number;
    readonly callMs: number;
    /** The assumptions in words, for people. */
    readonly notes: readonly string[];
  };
}

export function estimateCost(
  workflow: Workflow,
  asl: StateMachineDefinition,
  options: CostOptions = {},
): CostReport {
  const executions = checked("executions", options.executions ?? COST_DEFAULTS.executions, 1, true);
  const failureRate = checked(
    "failureRate",
    options.failureRate ?? COST_DEFAULTS.failureRate,
    0,
    false,
    1,
  );
  const mapItems = checked("mapItems", options.mapItems ?? COST_DEFAULTS.mapItems, 0, true);
  const callMs = checked("callMs", options.callMs ?? COST_DEFAULTS.callMs, 0, false);
  const loopIterations = checked(
    "loopIterations",
    options.loopIterations ?? COST_DEFAULTS.loopIterations,
    1,
    true,
  );

  const common = { mapItems, callMs, loopIterations };
  const best = walkNormalRun(asl, { mode: "expected", failureRate: 0, ...common });
  const expected = walkNormalRun(asl, { mode: "expected", failureRate, ...common });
  const worst = walkNormalRun(asl, { mode: "worst", failureRate, ...common });
  const notes = [
    `Prices: Step Functions on-demand, ${PRICING.region}; free tier not deducted.`,
    `Standard: $${PRICING.standard.usdPerThousandTransitions} per 1,000 state transitions.`,
    `Express: $${PRICING.express.usdPerMillionRequests.toFixed(2)} per million requests + $${PRICING.express.usdPerGbSecond} per GB-second at ${PRICING.express.memoryMb} MB, billed per ${PRICING.express.billingIncrementMs} ms.`,
    "A transition is counted for every state entered, each retry included.",
    `Each task attempt takes ${callMs} ms; retries wait their full backoff in the worst case and half of it (full jitter) in the expected case.`,
    "Best: no call fails. Expected: each call attempt fails with the given probability. Worst: every call uses all its attempts, and the costliest ending (often a failure after the last step, compensating everything with all retries) is counted.",
    "Conditions on input or responses (`when`, choice cases) take the costliest branch that does not end in a failure.",
    ...new Set([...best.notes, ...expected.notes, ...worst.notes]),
  ];
  return {
    workflow: workflow.name,
    version: workflow.version,
    type: workflow.type,
    executions,
    best: scenario(best.outcomes, "mean", executions),
    expected: scenario(expected.outcomes, "mean", executions),
    worst: scenario(worst.outcomes, "max", executions),
    pricing: PRICING,
    assumptions: { failureRate, mapItems, loopIterations, callMs, notes },
  };
}

function scenario(
  outcomes: readonly Outcome[],
  combine: "mean" | "max",
  executions: number,
): ScenarioCost {
  const weight = outcomes.reduce((total, o) => total + o.weight, 0) || 1;
  const aggregate = (f: (o: Outcome) => number): number =>
    combine === "max"
      ? Math.max(0, ...outcomes.map(f))
      : outcomes.reduce((total, o) => total + o.weight * f(o), 0) / weight;
  const transitions = aggregate((o) => o.transitions);
  const durationMs = aggregate((o) => o.durationMs);
  const standardEach = (transitions * PRICING.standard.usdPerThousandTransitions) / 1000;
  const expressEach = aggregate(expressPrice);
  const costliest = [...outcomes].sort((a, b) => b.transitions - a.transitions)[0];
  const failed =
    combine === "max"
      ? Number(costliest?.failed ?? false)
      : outcomes.reduce((total, o) => total + (o.failed ? o.weight : 0), 0) / weight;
  return {
    transitions,
    durationMs,
    failureRate: failed,
    standard: usd(standardEach, executions),
    express: usd(expressEach, executions),
  };
}

/** USD for one Express execution of this duration. */
export function expressPrice(outcome: { readonly durationMs: number }): number {
  const { billingIncrementMs, memoryMb, usdPerGbSecond, usdPerMillionRequests } = PRICING.express;
  const billedMs =
    Math.max(1, Math.ceil(outcome.durationMs / billingIncrementMs)) * billingIncrementMs;
  return usdPerMillionRequests / 1e6 + (memoryMb / 1024) * (billedMs / 1000) * usdPerGbSecond;
}

const usd = (perExecution: number, executions: number): Usd => ({
  perExecution,
  perMillion: perExecution * 1e6,
  total: perExecution * executions,
});

function checked(
  name: string,
  value: number,
  min: number,
  integer: boolean,
  below?: number,
): number {
  const ok =
    Number.isFinite(value) &&
    value >= min &&
    (!integer || Number.isInteger(value)) &&
    (below === undefined || value < below);
  if (!ok) {
    const range = below === undefined ? `>= ${min}` : `in [${min}, ${below})`;
    throw new RangeError(
      `${name} must be ${integer ? "an integer " : "a number "}${range}; got ${value}`,
    );
  }
  return value;
}
