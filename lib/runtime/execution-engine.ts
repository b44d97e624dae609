/**
 * What the API and the await/records handlers need from a workflow engine. AWS uses
 * `SfnExecutionEngine`; the local runtime supplies its own implementation over
 * aws-local-stepfunctions. Failures a caller must tell apart are `EngineError`s with a `reason`.
 */
import { createHash } from "node:crypto";
import type { Json } from "../core/model.ts";

export interface StartedExecution {
  readonly executionId: string;
  /** ISO time. */
  readonly startedAt: string;
  /**
   * The W3C trace id of the trace the execution joined: in AWS the caller's X-Ray trace, which the
   * SDK passes on with the start (its calls send it in `traceparent`); absent without one.
   */
  readonly traceId?: string;
}

export type EngineExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

export interface ExecutionDescription {
  readonly executionId: string;
  readonly status: EngineExecutionStatus;
  readonly startedAt: string;
  readonly stoppedAt?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly output?: Json;
  readonly redriveCount?: number;
}

/** A service call that was in flight when `stop` stopped the execution, and what it did. */
export interface InFlightCall {
  readonly stepId: string;
  readonly mode: "call" | "compensate";
  /** `unknown`: no answer came (aborted or still running): it may have taken effect. */
  readonly outcome: "succeeded" | "failed" | "unknown";
  /** The call's result when it succeeded. */
  readonly result?: Json;
}

export interface StopOutcome {
  /**
   * The calls in flight at the stop, after a bounded wait. Step Functions cannot abort a running
   * Lambda (its result is dropped): it reports the states entered and never exited, outcome
   * unknown; the record's RUNNING steps are added to them.
   */
  readonly inFlight: readonly InFlightCall[];
}

export interface StopOptions {
  /** Error name recorded on the stopped execution, e.g. `Baton.Cancelled`. */
  readonly error: string;
  /** Free text; Baton writes a JSON `CancelCause` here. */
  readonly cause: string;
}

/** Which version of the workflow a start runs (absent: the state machine as deployed). */
export interface EngineStartOptions {
  readonly version?: number;
}

export interface RedrivePlan {
  /** The workflow version the execution ran: the redrive runs it again, never a newer one. */
  readonly version?: number;
  /** The step to resume at (its top-level item re-runs); absent: from the first step. */
  readonly from?: string;
  /** Whether a succeeded step's recorded result is kept (compensated steps must run again). */
  readonly keep: (stepId: string) => boolean;
}

export interface ExecutionEngine {
  /** Starts `workflow` (at `options.version`) with execution name `executionName` (the Baton execution id). */
  start(
    workflow: string,
    executionName: string,
    input: Json,
    options?: EngineStartOptions,
  ): Promise<StartedExecution>;
  /** Stops the execution; the local engine also aborts its calls in flight and waits for them. */
  stop(executionId: string, options: StopOptions): Promise<StopOutcome>;
  /**
   * Restarts a failed, timed-out or stopped execution from where it failed. `plan` (from the
   * execution record) says where: the step to resume at and which recorded results to keep; engines
   * that replay their own journal (the local one) may ignore it.
   */
  redrive(executionId: string, plan?: RedrivePlan): Promise<{ readonly redriveDate: string }>;
  sendTaskSuccess(taskToken: string, output: Json): Promise<void>;
  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void>;
  /** undefined when the execution does not exist. */
  describe(executionId: string): Promise<ExecutionDescription | undefined>;
  /**
   * The execution's original input and the results of the steps that succeeded so far (a
   * stopped execution included), for a compensation-only run; undefined when the execution does
   * not exist. `steps` may also hold ids of steps inside map bodies (one item's result): callers
   * that need top-level results drop them.
   */
  results(executionId: string): Promise<ExecutionResults | undefined>;
}

export interface ExecutionResults {
  readonly input: Json;
  /** Step id → result, for every step whose result is in the execution state. */
  readonly steps: Record<string, Json>;
  /**
   * Step results of the items of top-level maps, by map id and item index: what the items a map
   * was still running had finished (a map's own result exists only once every item ended).
   */
  readonly items?: Record<string, Record<number, Record<string, Json>>>;
}

/** `$.itemPath` of an item of a top-level map: `<mapId>[<index>]`. */
const TOP_LEVEL_ITEM = /^([a-z][a-z0-9_]*)\[(\d+)\]$/;

/** Adds the `steps` of a state output inside a top-level map item (it carries `itemPath`) to `into`. */
export function collectItemSteps(
  into: Record<string, Record<number, Record<string, Json>>>,
  output: unknown,
): void {
  if (typeof output !== "object" || output === null || Array.isArray(output)) return;
  const { itemPath, steps } = output as { readonly itemPath?: unknown; readonly steps?: unknown };
  if (typeof itemPath !== "string") return;
  const match = TOP_LEVEL_ITEM.exec(itemPath);
  if (match?.[1] === undefined || typeof steps !== "object" || steps === null) return;
  const map = into[match[1]] ?? {};
  into[match[1]] = map;
  const index = Number(match[2]);
  map[index] = { ...(map[index] ?? {}), ...(steps as Record<string, Json>) };
}

/**
 * Adds the `steps` of one state's output to `into`. Every compiled state carries the accumulated
 * `$.steps` (parallel branches their branch's own), so the union over every state exited holds
 * every step that succeeded; a later output wins. Outputs without a `steps` object are ignored.
 */
export function collectSteps(into: Record<string, Json>, output: unknown): void {
  if (typeof output !== "object" || output === null || Array.isArray(output)) return;
  const steps = (output as { readonly steps?: unknown }).steps;
  if (typeof steps !== "object" || steps === null || Array.isArray(steps)) return;
  for (const [id, result] of Object.entries(steps as Record<string, Json>)) into[id] = result;
}

/**
 * Execution name suffix of compensation-only runs (`<id>--compensation`). Their Baton events carry
 * the original execution id; their own Step Functions status changes are not execution records.
 */
export const COMPENSATION_RUN_SUFFIX = "--compensation";

/** Longest Step Functions execution name. */
const MAX_EXECUTION_NAME = 80;

/**
 * The compensation run's execution name for `executionId`: `<id>--compensation`, or, when that
 * would exceed 80 characters, a shortened id plus a hash of the whole id (still unique).
 */
export function compensationRunName(executionId: string): string {
  const name = `${executionId}${COMPENSATION_RUN_SUFFIX}`;
  if (name.length <= MAX_EXECUTION_NAME) return name;
  const digest = createHash("sha256").update(executionId).digest("hex").slice(0, 12);
  const keep = MAX_EXECUTION_NAME - COMPENSATION_RUN_SUFFIX.length - digest.length - 1;
  return `${executionId.slice(0, keep)}-${digest}${COMPENSATION_RUN_SUFFIX}`;
}

export const isCompensationRun = (executionName: string): boolean =>
  executionName.endsWith(COMPENSATION_RUN_SUFFIX);

/**
 * Redrives on Step Functions run as `<id>--redrive-<n>`: a new execution started at the compiled
 * resume entry (`batonResume`), because `RedriveExecution` would restart a Baton execution at its
 * final `Fail` state. Their status changes are folded into the original record as redrive `n`.
 */
const REDRIVE_RUN = /^(.+)--redrive-(\d+)$/;

export function redriveRunName(executionId: string, count: number): string | undefined {
  const name = `${executionId}--redrive-${count}`;
  return name.length <= MAX_EXECUTION_NAME ? name : undefined;
}

export function parseRedriveRun(
  executionName: string,
): { readonly original: string; readonly count: number } | undefined {
  const match = REDRIVE_RUN.exec(executionName);
  return match?.[1] === undefined ? undefined : { original: match[1], count: Number(match[2]) };
}

export const ENGINE_ERROR_REASONS = [
  /** The execution (or workflow) does not exist in the engine. */
  "not-found",
  /** An execution with that name exists already with another input (or cannot be reused). */
  "already-exists",
  /** The execution cannot be redriven (running, succeeded, express, or past the redrive window). */
  "not-redrivable",
  /** The task token is no longer valid: the step timed out, or the execution stopped. */
  "task-gone",
] as const;
export type EngineErrorReason = (typeof ENGINE_ERROR_REASONS)[number];

export class EngineError extends Error {
  override readonly name = "EngineError";
  readonly reason: EngineErrorReason;

  constructor(reason: EngineErrorReason, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.reason = reason;
  }
}

export const isEngineError = (error: unknown, reason?: EngineErrorReason): error is EngineError =>
  error instanceof EngineError && (reason === undefined || error.reason === reason);

/**
 * The `cause` Baton writes when the API cancels an execution. `compensation` tells the path:
 * `in-workflow` when the cancel failed a parked await step with `Baton.Cancelled` so the
 * workflow's own saga ran; `running` when the execution was stopped and a compensation-only run
 * (`<id>--compensation`) compensates its succeeded steps; `pending` when compensation is owed but
 * no run compensates it; `none` when nothing is compensated (not asked, or nothing compensable).
 */
export interface CancelCause {
  readonly message: string;
  readonly compensate: boolean;
  readonly compensation: "none" | "in-workflow" | "running" | "pending";
  readonly requestedAt: string;
}
