/**
 * The execution document as a pure function of the merged record state and the workflow's
 * catalogue entry (for the full step list). Same state, same document: that is what makes the
 * record updater order-independent.
 */
import { BatonError } from "../../core/errors.ts";
import type { CatalogueWorkflow } from "../../core/project/catalogue.ts";
import type {
  CompensationStatus,
  ExecutionDocument,
  ExecutionError,
  ExecutionStatus,
  StepRecord,
  StepStatus,
} from "./document.ts";
import type { RecordState, StepState } from "./state.ts";

export function toDocument(state: RecordState, workflow?: CatalogueWorkflow): ExecutionDocument {
  const status = executionStatus(state);
  const terminal = status !== "RUNNING";
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
    stepsCompleted: steps.filter((s) => COMPLETED.has(s.status)).length,
    totalSteps: catalogueSteps?.length ?? steps.length,
    input: state.input?.v ?? null,
    output: status === "SUCCEEDED" ? (state.output?.v ?? null) : null,
    error: terminal && status !== "SUCCEEDED" ? executionError(state, steps) : null,
    compensation: compensationStatus(state, status, steps),
    steps,
  };
}

const COMPLETED: ReadonlySet<StepStatus> = new Set([
  "SUCCEEDED",
  "COMPENSATED",
  "COMPENSATION_FAILED",
]);

export function executionStatus(state: RecordState): ExecutionStatus {
  const run = state.run?.v;
  switch (run?.status) {
    case undefined:
    case "RUNNING":
      return "RUNNING";
    case "SUCCEEDED":
      return "SUCCEEDED";
    case "TIMED_OUT":
      return "TIMED_OUT";
    case "ABORTED":
      return "CANCELLED";
    case "FAILED":
      if (run.error?.name === BatonError.CompensationFailed || state.compensation?.v === "FAILED") {
        return "COMPENSATION_FAILED";
      }
      return run.error?.name === BatonError.Cancelled ? "CANCELLED" : "FAILED";
  }
}

function compensationStatus(
  state: RecordState,
  status: ExecutionStatus,
  steps: readonly StepRecord[],
): CompensationStatus {
  if (status === "COMPENSATION_FAILED") return "FAILED";
  const phase = state.compensation?.v;
  if (phase !== undefined) return phase;
  if (steps.some((s) => s.status === "COMPENSATION_FAILED"))
    return status === "RUNNING" ? "RUNNING" : "FAILED";
  if (steps.some((s) => s.status === "COMPENSATED"))
    return status === "RUNNING" ? "RUNNING" : "COMPLETED";
  if (status === "CANCELLED" && state.cancel?.v.compensate === true) return "PENDING";
  return "NONE";
}

function executionError(state: RecordState, steps: readonly StepRecord[]): ExecutionError | null {
  const error = state.run?.v.error;
  const failedStep = steps.find((s) => s.status === "FAILED");
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
  const extra = Object.keys(seen)
    .filter((id) => !known.has(id))
    .sort();
  return [...(catalogueIds ?? []), ...extra].map((id) =>
    stepRecord(id, seen[id], status, silentButCertain.has(id)),
  );
}

function stepRecord(
  id: string,
  step: StepState | undefined,
  execution: ExecutionStatus,
  silentButCertain: boolean,
): StepRecord {
  const status =
    step === undefined && silentButCertain && execution === "SUCCEEDED"
      ? "SUCCEEDED"
      : stepStatus(step, execution);
  const durationMs = stepDuration(step);
  const error =
    step?.compensation?.v.status === "FAILED" ? step.compensation.v.error : step?.run?.v.error;
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
  if (run !== undefined) return run;
  if (compensation === "RUNNING") return "SUCCEEDED"; // being compensated: it had succeeded
  return execution === "SUCCEEDED" ? "SKIPPED" : "PENDING";
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
