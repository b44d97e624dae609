/**
 * The record updater: consumes Step Functions status changes and Baton orchestration events and
 * keeps the execution record and its event list. Safe under duplicate and out-of-order delivery
 * (see `state.ts`); a failure is thrown so EventBridge retries the whole event.
 */

import { DetailType, STEP_FUNCTIONS_SOURCE } from "../../core/wire.ts";
import type { EventEntry, EventPublisher } from "../events.ts";
import type { WorkflowCatalogue } from "../workflow-catalogue.ts";
import { executionStatus } from "./derive.ts";
import type { ExecutionDocument, ExecutionStatus } from "./document.ts";
import type { ExecutionStore } from "./execution-store.ts";
import { observe } from "./observe.ts";
import type { RecordState } from "./state.ts";

export interface UpdaterDeps {
  readonly store: ExecutionStore;
  readonly catalogue?: WorkflowCatalogue;
  /**
   * Where Baton `Execution *` events are published when a Step Functions status change moves an
   * execution to a new status (Step Functions itself only reports on the default bus).
   */
  readonly publisher?: EventPublisher;
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
  const merged = await deps.store.merge(executionId, observation.delta);
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
