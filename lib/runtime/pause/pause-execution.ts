/**
 * Pause and resume use cases (`POST /executions/{id}/pause|resume`, docs/limits-and-pause.md).
 * Step Functions has no pause: the flag is kept in the `PauseStore`, and each call attempt of the
 * execution checks it before sending (`pause-gate.ts`); a paused attempt is turned away with
 * `Baton.Paused`, which its Task retries until the flag is cleared. In-flight calls finish; the
 * next call waits. The record says `PAUSED` from the pause on (`pauseDelta`).
 */
import { DetailType } from "../../core/wire.ts";
import type { EventPublisher } from "../events.ts";
import { ExecutionStateError } from "../execution-lifecycle.ts";
import type { ExecutionDocument } from "../records/document.ts";
import type { ExecutionStore } from "../records/execution-store.ts";
import { pauseDelta } from "../records/observe.ts";
import type { WorkflowCatalogue } from "../workflow-catalogue.ts";
import type { PauseStore } from "./pause-store.ts";

export interface PauseDeps {
  readonly catalogue: WorkflowCatalogue;
  readonly executions: Pick<ExecutionStore, "merge">;
  readonly pauses?: PauseStore;
  readonly events?: EventPublisher;
}

export interface PauseOutcome {
  readonly document: ExecutionDocument;
  /** false when it already was in the asked state (a repeated request). */
  readonly changed: boolean;
}

/** Pauses a RUNNING standard execution; a PAUSED one is answered as it is. */
export async function pauseExecution(
  deps: PauseDeps,
  execution: ExecutionDocument,
): Promise<PauseOutcome> {
  const pauses = requirePausable(deps, execution);
  if (execution.status === "PAUSED") return { document: execution, changed: false };
  if (execution.status !== "RUNNING") {
    throw new ExecutionStateError(
      `Execution ${execution.id} is ${execution.status}; only a RUNNING execution can be paused${execution.status === "QUEUED" ? " (a QUEUED one has not started: cancel it instead)" : ""}.`,
    );
  }
  return change(deps, pauses, execution, true);
}

/** Resumes a PAUSED execution; a RUNNING one is answered as it is. */
export async function resumeExecution(
  deps: PauseDeps,
  execution: ExecutionDocument,
): Promise<PauseOutcome> {
  const pauses = requirePausable(deps, execution);
  if (execution.status === "RUNNING") return { document: execution, changed: false };
  if (execution.status !== "PAUSED") {
    throw new ExecutionStateError(
      `Execution ${execution.id} is ${execution.status}; only a PAUSED execution can be resumed.`,
    );
  }
  return change(deps, pauses, execution, false);
}

function requirePausable(deps: PauseDeps, execution: ExecutionDocument): PauseStore {
  if (deps.catalogue.get(execution.workflow)?.type === "express") {
    throw new ExecutionStateError(
      `Execution ${execution.id} belongs to the express workflow ${execution.workflow}; express executions cannot be paused (they run to the end within 5 minutes). Use type: standard to pause.`,
    );
  }
  if (deps.pauses === undefined) {
    throw new ExecutionStateError("This runtime has no pause store: executions cannot be paused.");
  }
  return deps.pauses;
}

async function change(
  deps: PauseDeps,
  pauses: PauseStore,
  execution: ExecutionDocument,
  paused: boolean,
): Promise<PauseOutcome> {
  const state = await pauses.set(execution.id, paused);
  const { document } = await deps.executions.merge(
    execution.id,
    pauseDelta(execution.id, state.version, paused),
  );
  await deps.events?.publish([
    {
      detailType: paused ? DetailType.ExecutionPaused : DetailType.ExecutionResumed,
      detail: {
        executionId: execution.id,
        workflow: execution.workflow,
        version: execution.version,
        at: new Date().toISOString(),
      },
    },
  ]);
  return { document, changed: true };
}
