/**
 * The normalized workflow model: what the validator produces from a parsed file and what the
 * compiler, graph and cost tools consume. Every default from WORKFLOWS.md is already applied,
 * every shorthand expanded, so consumers never re-interpret user syntax.
 */

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export const WORKFLOW_TYPES = ["standard", "express"] as const;
export type WorkflowType = (typeof WORKFLOW_TYPES)[number];

/** A JSON value as found in a definition; strings may contain `{{ template }}` expressions. */
export type Json =
  | null
  | boolean
  | number
  | string
  | readonly Json[]
  | { readonly [key: string]: Json };
export type JsonObject = { readonly [key: string]: Json };

export interface RetryPolicy {
  /** Every try including the first; 1 means no retry. */
  readonly maxAttempts: number;
  /** Seconds before the first retry. */
  readonly interval: number;
  readonly backoff: number;
  readonly maxDelay?: number;
  readonly jitter: "full" | "none";
  /** Error names; `Baton.Retryable` stands for the retryable group. */
  readonly on: readonly string[];
}

export interface CallSpec {
  readonly service: string;
  readonly method: HttpMethod;
  /** Path template, e.g. `/reservations/{{ steps.reserve.body.id }}`. */
  readonly path: string;
  readonly query?: JsonObject;
  readonly headers?: JsonObject;
  readonly body?: Json;
}

export interface Compensation {
  readonly call: CallSpec;
  /** Seconds per attempt. */
  readonly timeout: number;
  /** Defaults to maxAttempts 5 with the workflow's other retry defaults; null when `retry: false`. */
  readonly retry: RetryPolicy | null;
}

/**
 * What happens when a step fails after its retries (WORKFLOWS.md v2, "Per-step error handling").
 * `fail` (the default) is represented by no `onError` at all. `errors` restricts the handling to
 * those error names (`Baton.Retryable` stands for the retryable group); other errors fail the
 * execution as usual.
 */
export type OnError =
  | { readonly action: "continue"; readonly errors?: readonly string[] }
  | {
      readonly action: "fallback";
      readonly errors?: readonly string[];
      readonly steps: readonly Step[];
    };

interface StepBase {
  readonly id: string;
  readonly description?: string;
  /**
   * Ids of steps in the same list this one runs after. Always resolved: the validator turns the
   * implicit "after the previous step" into an explicit list (empty for the first step).
   */
  readonly dependsOn: readonly string[];
  /** Whether `dependsOn` was written in the file (for diagnostics and graph rendering). */
  readonly explicitDependsOn: boolean;
  /** `when` expression source text, parsed at compile time by `condition.ts`. */
  readonly when?: string;
  /** JSON pointer of the step in the source file, for diagnostics. */
  readonly pointer: string;
  /** Absent means `fail`: the execution fails and compensates. */
  readonly onError?: OnError;
}

export interface CallStep extends StepBase {
  readonly kind: "call";
  readonly call: CallSpec;
  readonly timeout: number;
  readonly retry: RetryPolicy | null;
  readonly compensate?: Compensation;
  readonly idempotent: boolean;
  /** Dotted path into the response, e.g. `body.items`; its value becomes `body`. */
  readonly select?: string;
  /** JSON Schema (2020-12) the response `body` must match (after `select`), else `Baton.OutputInvalid`. */
  readonly output?: JsonObject;
}

export interface ParallelStep extends StepBase {
  readonly kind: "parallel";
  readonly branches: readonly (readonly Step[])[];
}

export interface ChoiceCase {
  readonly when: string;
  readonly steps: readonly Step[];
}

export interface ChoiceStep extends StepBase {
  readonly kind: "choice";
  readonly cases: readonly ChoiceCase[];
  readonly otherwise: readonly Step[];
}

export interface MapStep extends StepBase {
  readonly kind: "map";
  /** Template giving an array, e.g. `{{ input.items }}`. */
  readonly items: string;
  /** 0 means unlimited, as in ASL. */
  readonly maxConcurrency: number;
  readonly steps: readonly Step[];
}

/** Repeats its steps until `until` holds (checked after each iteration), at most `maxIterations` times. */
export interface LoopStep extends StepBase {
  readonly kind: "loop";
  readonly steps: readonly Step[];
  /** Condition source text, evaluated after each iteration over that iteration's results. */
  readonly until: string;
  readonly maxIterations: number;
}

export type WaitStep = StepBase & { readonly kind: "wait" } & (
    | { readonly seconds: number; readonly until?: undefined }
    | { readonly until: string; readonly seconds?: undefined }
  );

export interface EmitStep extends StepBase {
  readonly kind: "emit";
  readonly detailType: string;
  readonly detail: Json;
}

export interface AwaitStep extends StepBase {
  readonly kind: "await";
  readonly signal: string;
  /** Seconds; the step fails with `Baton.SignalTimeout` after it. */
  readonly timeout: number;
}

export interface WorkflowStep extends StepBase {
  readonly kind: "workflow";
  readonly name: string;
  readonly input: Json;
}

export interface FailStep extends StepBase {
  readonly kind: "fail";
  readonly error: string;
  readonly cause?: string;
}

export interface SucceedStep extends StepBase {
  readonly kind: "succeed";
}

export type Step =
  | CallStep
  | ParallelStep
  | ChoiceStep
  | MapStep
  | LoopStep
  | WaitStep
  | EmitStep
  | AwaitStep
  | WorkflowStep
  | FailStep
  | SucceedStep;

export type StepKind = Step["kind"];
export const STEP_KINDS = [
  "call",
  "parallel",
  "choice",
  "map",
  "loop",
  "wait",
  "emit",
  "await",
  "workflow",
  "fail",
  "succeed",
] as const satisfies readonly StepKind[];

export type Trigger =
  | { readonly kind: "event"; readonly pattern: JsonObject; readonly input?: Json }
  | { readonly kind: "schedule"; readonly expression: string; readonly input?: Json };

/** `concurrency` (WORKFLOWS.md v2): at most `limit` RUNNING at once, per resolved `key` if given. */
export interface ConcurrencyLimit {
  readonly limit: number;
  /** Template over `input` and `workflow`, e.g. `{{ input.tenant }}`. */
  readonly key?: string;
}

export interface Workflow {
  readonly name: string;
  readonly version: number;
  readonly description?: string;
  /** Labels for search (`GET /workflows?tag=`). */
  readonly tags?: readonly string[];
  readonly type: WorkflowType;
  /** Seconds for the whole execution. */
  readonly timeout?: number;
  /** JSON Schema (2020-12) for the execution input. */
  readonly input?: JsonObject;
  readonly triggers: readonly Trigger[];
  readonly concurrency?: ConcurrencyLimit;
  readonly steps: readonly Step[];
  readonly output?: Json;
}

/** Defaults from WORKFLOWS.md, used by the validator when a file leaves a field out. */
export const DEFAULT_CALL_TIMEOUT = 30;
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 3,
  interval: 1,
  backoff: 2,
  jitter: "full",
  on: ["Baton.Retryable"],
};
export const DEFAULT_COMPENSATION_ATTEMPTS = 5;
export const EXPRESS_MAX_TIMEOUT = 300;
/** The largest `maxIterations` a loop may have (WORKFLOWS.md v2). */
export const MAX_LOOP_ITERATIONS = 1000;

/** Visits every step, nested ones included, depth first in file order. */
export function* allSteps(steps: readonly Step[]): Generator<Step> {
  for (const step of steps) {
    yield step;
    for (const list of childLists(step)) yield* allSteps(list);
  }
}

/** The nested step lists of a step (branches, cases, map and loop bodies, then its fallback). */
export function childLists(step: Step): readonly (readonly Step[])[] {
  const fallback = step.onError?.action === "fallback" ? [step.onError.steps] : [];
  return [...kindLists(step), ...fallback];
}

/** The step lists a step's kind holds (its fallback excluded). */
export function kindLists(step: Step): readonly (readonly Step[])[] {
  switch (step.kind) {
    case "parallel":
      return step.branches;
    case "choice":
      return [...step.cases.map((c) => c.steps), step.otherwise];
    case "map":
    case "loop":
      return [step.steps];
    default:
      return [];
  }
}

/** The fallback list of a step, empty when it has none. */
export const fallbackSteps = (step: Step): readonly Step[] =>
  step.onError?.action === "fallback" ? step.onError.steps : [];
