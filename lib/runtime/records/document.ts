/**
 * The execution document served by `GET /executions/{id}` (SERVICE.md) and the status vocabularies
 * of WORKFLOWS.md. Plain types: derived from the stored record state by `toDocument`.
 */
import type { Json } from "../../core/model.ts";

export const EXECUTION_STATUSES = [
  "QUEUED",
  "RUNNING",
  "PAUSED",
  "SUCCEEDED",
  "FAILED",
  "COMPENSATION_FAILED",
  "CANCELLED",
  "TIMED_OUT",
] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const STEP_STATUSES = [
  "PENDING",
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "SKIPPED",
  "COMPENSATED",
  "COMPENSATION_FAILED",
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/**
 * `NONE`: nothing was compensated; `PENDING`: a cancel asked for compensation that has not started;
 * `RUNNING`, `COMPLETED`, `FAILED`: the saga's compensation phase; `UNCERTAIN`: compensation ran,
 * but a call in flight when the execution stopped could not be confirmed undone.
 */
export const COMPENSATION_STATUSES = [
  "NONE",
  "PENDING",
  "RUNNING",
  "COMPLETED",
  "FAILED",
  "UNCERTAIN",
] as const;
export type CompensationStatus = (typeof COMPENSATION_STATUSES)[number];

export const isExecutionStatus = (value: string): value is ExecutionStatus =>
  (EXECUTION_STATUSES as readonly string[]).includes(value);

/**
 * Statuses of an execution that has not ended: `QUEUED` (waiting for a concurrency slot, not
 * started in the engine), `RUNNING`, and `PAUSED` (running in the engine, parked before its next
 * call; see docs/limits-and-pause.md).
 */
export const isActiveStatus = (status: ExecutionStatus): boolean =>
  status === "QUEUED" || status === "RUNNING" || status === "PAUSED";

export interface ExecutionError {
  readonly name: string;
  readonly message: string;
  readonly step?: string;
}

export interface StepRecord {
  readonly id: string;
  readonly status: StepStatus;
  readonly attempts: number;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly durationMs?: number;
  readonly instance?: string;
  readonly error?: ExecutionError;
}

export interface ExecutionDocument {
  readonly id: string;
  readonly workflow: string;
  readonly version: number;
  readonly status: ExecutionStatus;
  readonly startedAt: string;
  readonly stoppedAt: string | null;
  readonly durationMs: number | null;
  /**
   * Who started it: the API caller (IAM principal ARN, JWT `sub`, `anonymous` without auth), the
   * trigger (`event:<source>`, `schedule`), or `unknown` (a child workflow, a start outside Baton).
   */
  readonly startedBy: string;
  /** Whether the start named its version (`?version=` or `?alias=`) instead of taking `live`. */
  readonly versionPinned: boolean;
  /**
   * The W3C trace id (32 hex digits) the execution's service calls send in `traceparent`: in AWS
   * the X-Ray trace's id once a call reported it, else the one derived from the execution id.
   */
  readonly traceId: string;
  readonly stepsCompleted: number;
  readonly totalSteps: number;
  readonly input: Json;
  readonly output: Json | null;
  readonly error: ExecutionError | null;
  readonly compensation: CompensationStatus;
  readonly steps: readonly StepRecord[];
}

/** One orchestration event as listed by `GET /executions/{id}/events`. */
export interface ExecutionEvent {
  /** EventBridge event id (duplicates of one event share it). */
  readonly id: string;
  readonly time: string;
  readonly source: string;
  readonly type: string;
  readonly stepId?: string;
  readonly attempt?: number;
  readonly detail: Json;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque cursor for the next page, absent on the last one. */
  readonly cursor?: string;
}
