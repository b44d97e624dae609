/**
 * The record updater: consumes Step Functions status changes and Baton orchestration events and
 * keeps the execution record and its event list. Safe under duplicate and out-of-order delivery
 * (see `state.ts`); a failure is thrown so EventBridge retries the whole event.
 */

import { DetailType, STEP_FUNCTIONS_SOURCE } from "../../core/wire.ts";
import type { EventEntry, EventPublisher } from "../events.ts";
import { isCompensationRun, parseRedriveRun } from "../execution-engine.ts";
import type { WorkflowCatalogue } from "../workflow-catalogue.ts";
import { executionStatus } from "./derive.ts";
import type { ExecutionDocument, ExecutionStatus } from "./document.ts";
import type { ExecutionStore } from "./execution-store.ts";
import { observe } from "./observe.ts";
import type { RecordState } from "./state.ts";
import { type StateTrace, traceDelta, tracedStatuses } from "./trace.ts";

export interface UpdaterDeps {
  readonly store: ExecutionStore;
  readonly catalogue?: WorkflowCatalogue;
  /**
   * Where Baton `Execution *` events are published when a Step Functions status change moves an
   * execution to a new status (Step Functions itself only reports on the default bus).
   */
  readonly publisher?: EventPublisher;
  /**
   * The states a finished run entered and exited (its execution name is `<id>` or
   * `<id>--redrive-<n>`): read once per terminal status change so every step kind gets its true
   * status (`trace.ts`). Without it, non-call steps fall back to what the step events imply.
   */
  readonly trace?: (run: FinishedRun) => Promise<StateTrace | undefined>;
}

export type ApplyResult =
  | {
      readonly outcome: "applied" | "duplicate";
      readonly executionId: string;
      readonly status: ExecutionStatus;
    }
  | { readonly outcome: "ignored"; readonly reason: string };

export async function applyEvent(event: unknown, deps: UpdaterDeps): Promise<ApplyResult> {
  const observation = observe(event, deps.catalogue);
  if (observation.kind === "ignored") return { outcome: "ignored", reason: observation.reason };
  const { executionId } = observation;
  let merged = await deps.store.merge(executionId, observation.delta);
  const traced = await runTrace(event, executionId, merged.document.workflow, deps);
  if (traced !== undefined) {
    const next = await deps.store.merge(executionId, traced);
    merged = { ...next, previous: merged.previous, changed: merged.changed || next.changed };
  }
  const stored = await deps.store.putEvent(executionId, observation.order, observation.event);
  if (deps.publisher !== undefined && observation.event.source === STEP_FUNCTIONS_SOURCE) {
    const entry = statusEvent(merged.previous, merged.state, merged.document, stored);
    if (entry !== undefined) await deps.publisher.publish([entry]);
  }
  return {
    outcome: merged.changed || stored ? "applied" : "duplicate",
    executionId,
    status: merged.document.status,
  };
}

const DETAIL_TYPES: Readonly<Record<ExecutionStatus, string>> = {
  RUNNING: DetailType.ExecutionStarted,
  SUCCEEDED: DetailType.ExecutionSucceeded,
  FAILED: DetailType.ExecutionFailed,
  COMPENSATION_FAILED: DetailType.ExecutionFailed,
  CANCELLED: DetailType.ExecutionCancelled,
  TIMED_OUT: DetailType.ExecutionTimedOut,
};

/**
 * The Baton event for a Step Functions status change: when the execution's run register moved, or
 * when a status change seen for the first time (`firstSight`) finds the execution running. The
 * API records RUNNING as it starts an execution, before Step Functions reports it, so without the
 * second rule `Execution Started` would depend on which of the two came first.
 */
export function statusEvent(
  previous: RecordState | undefined,
  next: RecordState,
  document: ExecutionDocument,
  firstSight = false,
): EventEntry | undefined {
  const before = previous?.run === undefined ? undefined : executionStatus(previous);
  const redriveBefore = Number(previous?.run?.k[0] ?? -1);
  const redriveAfter = Number(next.run?.k[0] ?? 0);
  if (next.run === undefined) return undefined;
  const moved = before !== document.status || redriveBefore !== redriveAfter;
  if (!moved && !(firstSight && document.status === "RUNNING")) return undefined;
  return {
    detailType: DETAIL_TYPES[document.status],
    detail: {
      executionId: document.id,
      workflow: document.workflow,
      version: document.version,
      status: document.status,
      startedAt: document.startedAt,
      stoppedAt: document.stoppedAt,
      durationMs: document.durationMs,
      error: document.error,
      compensation: document.compensation,
      redriveCount: redriveAfter,
    },
  };
}

/**
 * The trace delta (`trace.ts`) of the run a terminal Step Functions status change reports, when
 * `deps.trace` can read it; undefined for any other event.
 */
export async function runTrace(
  event: unknown,
  executionId: string,
  workflowName: string,
  deps: Pick<UpdaterDeps, "catalogue" | "trace">,
): Promise<RecordState | undefined> {
  const finished = finishedRun(event);
  const workflow = deps.catalogue?.get(workflowName);
  if (finished === undefined || deps.trace === undefined || workflow === undefined)
    return undefined;
  const trace = await deps.trace(finished);
  if (trace === undefined) return undefined;
  return traceDelta(executionId, finished.redriveCount, tracedStatuses(workflow.steps, trace));
}

/** A run that a terminal Step Functions status change reported. */
export interface FinishedRun {
  /** The run's execution name: `<id>`, or `<id>--redrive-<n>` for a redrive in AWS. */
  readonly name: string;
  readonly executionArn?: string;
  readonly redriveCount: number;
}

/** The run a terminal Step Functions status change reports (compensation-only runs excluded). */
function finishedRun(event: unknown): FinishedRun | undefined {
  const e = event as { readonly source?: unknown; readonly detail?: Record<string, unknown> };
  if (e.source !== "aws.states" || typeof e.detail !== "object" || e.detail === null)
    return undefined;
  const { status, executionArn, name: rawName, redriveCount } = e.detail;
  if (typeof status !== "string" || status === "RUNNING") return undefined;
  const arn = typeof executionArn === "string" ? executionArn : undefined;
  const name = arn === undefined ? rawName : arn.slice(arn.lastIndexOf(":") + 1);
  if (typeof name !== "string" || name === "" || isCompensationRun(name)) return undefined;
  const count =
    parseRedriveRun(name)?.count ?? (typeof redriveCount === "number" ? redriveCount : 0);
  return { name, redriveCount: count, ...(arn === undefined ? {} : { executionArn: arn }) };
}
