/**
 * The execution document as a pure function of the merged record state and the workflow's
 * catalogue entry (for the full step list). Same state, same document: that is what makes the
 * record updater order-independent.
 */
import { BatonError } from "../../core/errors.ts";
import type { CatalogueWorkflow } from "../../core/project/catalogue.ts";
import { traceIdOf } from "../http/trace.ts";
import {
  type CompensationStatus,
  type ExecutionDocument,
  type ExecutionError,
  type ExecutionStatus,
  isActiveStatus,
  type StepRecord,
  type StepStatus,
} from "./document.ts";
import type { RecordState, StepState } from "./state.ts";

/** `startedBy` of an execution Baton did not start itself (a child workflow, the console). */
export const UNKNOWN_STARTER = "unknown";

export function toDocument(state: RecordState, workflow?: CatalogueWorkflow): ExecutionDocument {
  const status = executionStatus(state);
  const terminal = !isActiveStatus(status);
  const catalogueSteps =
    workflow !== undefined && workflow.version === state.version?.v ? workflow.steps : undefined;
  const steps = stepRecords(
    state,
    catalogueSteps?.map((s) => s.id),
    new Set(catalogueSteps?.filter((s) => s.unconditional && s.kind !== "call").map((s) => s.id)),
    status,
  );
  const startedAt = state.startedAt ?? state.firstSeen ?? "";
  const stoppedAt = terminal ? (state.stoppedAt ?? state.lastSeen ?? null) : null;
  const durationMs =
    stoppedAt !== null && startedAt !== ""
      ? Math.max(0, Date.parse(stoppedAt) - Date.parse(startedAt))
      : null;
  return {
    id: state.id,
    workflow: state.workflow ?? workflow?.name ?? "",
    version: state.version?.v ?? workflow?.version ?? 0,
    status,
    startedAt,
    stoppedAt,
    durationMs: durationMs !== null && Number.isFinite(durationMs) ? durationMs : null,
    startedBy: state.startedBy?.v ?? UNKNOWN_STARTER,
    versionPinned: state.versionPinned?.v ?? false,
    // Before any call reported (or locally, where there is no X-Ray trace) the id derived from the
    // execution is what its calls send (`http/trace.ts`).
    traceId: state.traceId?.v ?? traceIdOf(state.id),
    // A step that failed in an execution that succeeded was let go by its onError: it is done.
    stepsCompleted: steps.filter(
      (s) =>
        (COMPLETED.has(s.status) || (status === "SUCCEEDED" && s.status === "FAILED")) &&
        !isItemEntry(s.id),
    ).length,
    totalSteps: catalogueSteps?.length ?? steps.filter((s) => !isItemEntry(s.id)).length,
    input: state.input?.v ?? null,
    output: status === "SUCCEEDED" ? (state.output?.v ?? null) : null,
    error: terminal && status !== "SUCCEEDED" ? executionError(state, steps, status) : null,
    compensation: compensationStatus(
      state,
      status,
      steps,
      new Set(catalogueSteps?.filter((s) => s.compensable === true).map((s) => s.id)),
    ),
    steps,
  };
}

/** Skipped steps count as completed, so a finished execution reads 100 %. */
const COMPLETED: ReadonlySet<StepStatus> = new Set([
  "SUCCEEDED",
  "SKIPPED",
  "COMPENSATED",
  "COMPENSATION_FAILED",
]);

export function executionStatus(state: RecordState): ExecutionStatus {
  const run = state.run?.v;
  switch (run?.status) {
    case "QUEUED":
      return "QUEUED";
    case undefined:
    case "RUNNING":
      return state.pause?.v.paused === true ? "PAUSED" : "RUNNING";
    case "SUCCEEDED":
      return "SUCCEEDED";
    case "TIMED_OUT":
      return "TIMED_OUT";
    case "ABORTED":
      return "CANCELLED";
    case "FAILED":
      // An incomplete compensation whose undos may all have happened is FAILED, compensation
      // UNCERTAIN: COMPENSATION_FAILED says an undo certainly did not happen (`undoOutcome`).
      if (compensationIncomplete(state) && undoOutcome(state) === "FAILED") {
        return "COMPENSATION_FAILED";
      }
      return run.error?.name === BatonError.Cancelled ? "CANCELLED" : "FAILED";
  }
}

/** The saga (or a cancel's compensation run) ended without confirming every undo. */
const compensationIncomplete = (state: RecordState): boolean =>
  state.run?.v.error?.name === BatonError.CompensationFailed || state.compensation?.v === "FAILED";

/**
 * How an incomplete compensation ended. `FAILED`: at least one undo certainly did not happen:
 * every one of its attempts failed before its request could take effect or was answered with a
 * refusal (4xx, 5xx, 429, connection refused, circuit open, no healthy instance, template error),
 * or which undo failed is not known. `UNCERTAIN`: every undo that ended failed had an attempt that
 * may have undone it anyway (it timed out, or its connection was lost after the request was sent;
 * `MAY_HAVE_TAKEN_EFFECT`), so what is left standing is unknown: ask the service, by the undo's
 * `Idempotency-Key`.
 */
function undoOutcome(state: RecordState): "FAILED" | "UNCERTAIN" {
  const failed = Object.values(state.steps ?? {}).filter(
    (step) => step.compensation?.v.status === "FAILED",
  );
  return failed.length > 0 && failed.every((step) => step.undoMaybeApplied === true)
    ? "UNCERTAIN"
    : "FAILED";
}

/**
 * Ends terminal once the saga (or the cancel's compensation run) reported: `PENDING` only while a
 * stopped execution's compensation run is owed. `UNCERTAIN` when compensation was asked for but a
 * step whose call was in flight when the execution stopped was not confirmed undone (its outcome
 * is unknown, or it succeeded after the stop), see `unconfirmed`.
 */
function compensationStatus(
  state: RecordState,
  status: ExecutionStatus,
  steps: readonly StepRecord[],
  compensable: ReadonlySet<string>,
): CompensationStatus {
  if (status === "COMPENSATION_FAILED") return "FAILED";
  // A succeeded redrive ran the saga to its end: what an earlier run compensated is history (its
  // steps show their new outcomes), not this execution's compensation.
  if (status === "SUCCEEDED" && Number(state.run?.k[0] ?? 0) > 0) return "NONE";
  const phase = state.compensation?.v;
  if (compensationIncomplete(state)) return undoOutcome(state);
  if (phase === "RUNNING") return phase;
  if (phase === undefined && steps.some((s) => s.status === "COMPENSATION_FAILED"))
    return isActiveStatus(status) ? "RUNNING" : undoOutcome(state);
  const asked = phase !== undefined || state.cancel?.v.compensate === true;
  if (asked && !isActiveStatus(status) && unconfirmed(state, status, compensable))
    return "UNCERTAIN";
  if (phase === "COMPLETED") return "COMPLETED";
  if (steps.some((s) => s.status === "COMPENSATED"))
    return isActiveStatus(status) ? "RUNNING" : "COMPLETED";
  // A stopped execution's compensation runs separately (`<id>--compensation`) and is owed until
  // it reports; a cancel that failed a parked `await` ran the workflow's own saga, whose silence
  // means there was nothing to compensate.
  if (
    status === "CANCELLED" &&
    state.cancel?.v.compensate === true &&
    state.run?.v.status === "ABORTED"
  )
    return "PENDING";
  return "NONE";
}

/**
 * Whether a cancelled (or failed) execution holds a step that may have taken effect and was not
 * undone: a call still in flight when the execution stopped (no end event, or aborted by the stop:
 * outcome unknown), or a compensable call that succeeded only after the stop, in the run that
 * stopped, and was never compensated.
 */
function unconfirmed(
  state: RecordState,
  status: ExecutionStatus,
  compensable: ReadonlySet<string>,
): boolean {
  const stoppedRun = Number(state.run?.k[0] ?? 0);
  const stoppedAt = state.stoppedAt;
  for (const [id, step] of Object.entries(state.steps ?? {})) {
    const run = step.run;
    if (run === undefined || Number(run.k[0] ?? 0) !== stoppedRun) continue;
    const undone = step.compensation?.v.status === "COMPENSATED";
    if (undone) continue;
    if (run.v.status === "RUNNING" && status !== "SUCCEEDED") return true;
    // Aborted by the stop after its request went out (`Baton.Cancelled` from the service call).
    if (run.v.status === "FAILED" && run.v.error?.name === BatonError.Cancelled) return true;
    const lateSuccess =
      run.v.status === "SUCCEEDED" &&
      compensable.has(itemStepId(id) ?? id) &&
      status === "CANCELLED" &&
      stoppedAt !== undefined &&
      step.endedAt !== undefined &&
      step.endedAt > stoppedAt;
    if (lateSuccess) return true;
  }
  return false;
}

function executionError(
  state: RecordState,
  steps: readonly StepRecord[],
  status: ExecutionStatus,
): ExecutionError | null {
  const error = state.run?.v.error;
  const failedStep = steps.find((s) => s.status === "FAILED");
  // FAILED with compensation UNCERTAIN: the error is the failure that started compensating (the
  // Cause names its step; a container that failed with it has no error of its own).
  if (status === "FAILED" && error?.name === BatonError.CompensationFailed) {
    const origin =
      steps.find((s) => s.id === error.step && s.error) ??
      steps.find((s) => s.status === "FAILED" && s.error);
    if (origin?.error) return { ...origin.error, step: origin.id };
  }
  if (error === undefined) {
    if (state.run?.v.status === "ABORTED")
      return { name: BatonError.Cancelled, message: "The execution was stopped." };
    return failedStep?.error ? { ...failedStep.error, step: failedStep.id } : null;
  }
  if (error.step !== undefined || failedStep === undefined) return error;
  return { ...error, step: failedStep.id };
}

function stepRecords(
  state: RecordState,
  catalogueIds: readonly string[] | undefined,
  silentButCertain: ReadonlySet<string>,
  status: ExecutionStatus,
): StepRecord[] {
  const seen = state.steps ?? {};
  const known = new Set(catalogueIds ?? []);
  const record = (id: string): StepRecord =>
    stepRecord(id, seen[id], status, silentButCertain.has(id), state.run?.v.error);
  // Map items have their own entries, `<mapId>[<index>].<stepId>`, listed after their step.
  const items = new Map<string, string[]>();
  const extra: string[] = [];
  for (const id of Object.keys(seen)) {
    if (known.has(id)) continue;
    const base = itemStepId(id);
    if (base !== undefined && known.has(base)) items.set(base, [...(items.get(base) ?? []), id]);
    else extra.push(id);
  }
  const records: StepRecord[] = [];
  for (const id of catalogueIds ?? []) {
    const entries = (items.get(id) ?? []).sort(byItemIndex).map(record);
    const own = record(id);
    records.push(seen[id]?.run === undefined ? withItems(own, entries) : own, ...entries);
  }
  return [...records, ...extra.sort().map(record)];
}

/** `orders[1].lines[0].price` → `price`; undefined for an id that is not a map item entry. */
export function itemStepId(id: string): string | undefined {
  const match = /\[\d+\]\.([a-z][a-z0-9_]*)$/.exec(id);
  return match?.[1];
}

const byItemIndex = (a: string, b: string): number => a.localeCompare(b, "en", { numeric: true });

/** Whether a step id belongs to the document's own steps (not a map item's entry). */
export const isItemEntry = (id: string): boolean => itemStepId(id) !== undefined;

/** The status of a map body step whose calls ran per item: the items' worst outcome. */
function withItems(own: StepRecord, items: readonly StepRecord[]): StepRecord {
  if (items.length === 0) return own;
  const order: readonly StepStatus[] = [
    "COMPENSATION_FAILED",
    "FAILED",
    "RUNNING",
    "SUCCEEDED",
    "COMPENSATED",
    "SKIPPED",
    "PENDING",
  ];
  const status = order.find((s) => items.some((item) => item.status === s)) ?? own.status;
  const error = items.find((item) => item.status === status && item.error !== undefined)?.error;
  return {
    ...own,
    status,
    attempts: Math.max(own.attempts, ...items.map((item) => item.attempts)),
    ...(error === undefined ? {} : { error }),
  };
}

function stepRecord(
  id: string,
  step: StepState | undefined,
  execution: ExecutionStatus,
  silentButCertain: boolean,
  stop: ExecutionError | undefined,
): StepRecord {
  const status =
    step?.traced === undefined &&
    step?.run === undefined &&
    silentButCertain &&
    execution === "SUCCEEDED"
      ? "SUCCEEDED"
      : stepStatus(step, execution);
  const durationMs = stepDuration(step);
  const error =
    step?.compensation?.v.status === "FAILED"
      ? step.compensation.v.error
      : step?.run?.v.status === "RUNNING" && status === "FAILED"
        ? interrupted(execution, stop)
        : step?.run?.v.error;
  return {
    id,
    status,
    attempts: step?.attempts ?? 0,
    ...(step?.startedAt === undefined ? {} : { startedAt: step.startedAt }),
    ...(step?.endedAt === undefined ? {} : { endedAt: step.endedAt }),
    ...(durationMs === undefined ? {} : { durationMs }),
    ...(step?.instance === undefined ? {} : { instance: step.instance.v }),
    ...(error === undefined || status === "SUCCEEDED" || status === "COMPENSATED" ? {} : { error }),
  };
}

function stepStatus(step: StepState | undefined, execution: ExecutionStatus): StepStatus {
  // A redrive re-runs compensated steps: a run of a later redrive outranks an earlier compensation.
  const rerun =
    step?.run !== undefined &&
    step.compensation !== undefined &&
    Number(step.run.k[0] ?? 0) > Number(step.compensation.k[0] ?? 0);
  if (rerun) return step.run?.v.status ?? "PENDING";
  const compensation = step?.compensation?.v.status;
  if (compensation === "COMPENSATED") return "COMPENSATED";
  if (compensation === "FAILED") return "COMPENSATION_FAILED";
  const run = step?.run?.v.status;
  // A call still in flight when the execution stopped never reports: its outcome is unknown.
  if (run === "RUNNING" && !isActiveStatus(execution)) return "FAILED";
  if (run !== undefined) return run;
  if (compensation === "RUNNING") return "SUCCEEDED"; // being compensated: it had succeeded
  const traced = step?.traced?.v;
  if (traced !== undefined) return traced;
  return execution === "SUCCEEDED" ? "SKIPPED" : "PENDING";
}

/** The error of a step whose call was in flight when the execution stopped. */
function interrupted(execution: ExecutionStatus, stop: ExecutionError | undefined): ExecutionError {
  return {
    name: execution === "CANCELLED" ? BatonError.Cancelled : (stop?.name ?? "States.Runtime"),
    message: `The call was in flight when the execution stopped (${execution}); its outcome is unknown.`,
  };
}

/** Sum of the attempts' own durations when known, else wall time from first start to last end. */
function stepDuration(step: StepState | undefined): number | undefined {
  const durations = Object.values(step?.durations ?? {});
  if (durations.length > 0) return durations.reduce((sum, d) => sum + d, 0);
  if (step?.startedAt !== undefined && step.endedAt !== undefined) {
    const ms = Date.parse(step.endedAt) - Date.parse(step.startedAt);
    return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
  }
  return undefined;
}
