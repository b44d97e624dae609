/**
 * What the API and the await/records handlers need from a workflow engine. AWS uses
 * `SfnExecutionEngine`; the local runtime supplies its own implementation over
 * aws-local-stepfunctions. Failures a caller must tell apart are `EngineError`s with a `reason`.
 */
import type { Json } from "../../../lib/core/model.ts";

export interface StartedExecution {
  readonly executionId: string;
  /** ISO time. */
  readonly startedAt: string;
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

export interface StopOptions {
  /** Error name recorded on the stopped execution, e.g. `Baton.Cancelled`. */
  readonly error: string;
  /** Free text; Baton writes a JSON `CancelCause` here. */
  readonly cause: string;
}

export interface ExecutionEngine {
  /** Starts `workflow` with execution name `executionName` (the Baton execution id). */
  start(workflow: string, executionName: string, input: Json): Promise<StartedExecution>;
  stop(executionId: string, options: StopOptions): Promise<void>;
  /** Restarts a failed, timed-out or stopped execution from where it failed. */
  redrive(executionId: string): Promise<{ readonly redriveDate: string }>;
  sendTaskSuccess(taskToken: string, output: Json): Promise<void>;
  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void>;
  /** undefined when the execution does not exist. */
  describe(executionId: string): Promise<ExecutionDescription | undefined>;
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
 * The `cause` Baton writes when the API cancels an execution. `compensate` tells the compensation
 * path: `in-workflow` when the cancel failed a parked await step with `Baton.Cancelled` so the
 * workflow's own saga ran; `pending` when the execution was stopped and compensation is still owed.
 */
export interface CancelCause {
  readonly message: string;
  readonly compensate: boolean;
  readonly compensation: "none" | "in-workflow" | "pending";
  readonly requestedAt: string;
}

export function parseCancelCause(cause: string | undefined): CancelCause | undefined {
  if (cause === undefined) return undefined;
  try {
    const parsed = JSON.parse(cause) as Partial<CancelCause> | null;
    if (typeof parsed !== "object" || parsed === null || typeof parsed.compensate !== "boolean")
      return undefined;
    return {
      message: typeof parsed.message === "string" ? parsed.message : "",
      compensate: parsed.compensate,
      compensation:
        parsed.compensation === "in-workflow" || parsed.compensation === "pending"
          ? parsed.compensation
          : "none",
      requestedAt: typeof parsed.requestedAt === "string" ? parsed.requestedAt : "",
    };
  } catch {
    return undefined;
  }
}
