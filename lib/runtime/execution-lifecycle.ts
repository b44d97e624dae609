/**
 * Execution use cases over the stores and the engine: start (idempotent), cancel (with
 * compensation) and redrive. The HTTP routes (`api/routes/executions.ts`) only parse and answer.
 *
 * Cancel with `{compensate: true}`: Step Functions cannot run a stopped execution's catch path, so
 * the compensation path depends on where the execution is.
 * - Parked at an `await` step: the API fails that task with `Baton.Cancelled`; the workflow's own
 *   saga compensates the succeeded steps (`compensation: "in-workflow"`).
 * - Otherwise, when the workflow has compensable steps: the API stops the execution, reads the
 *   results of the steps that succeeded (`ExecutionEngine.results`) and starts the workflow's
 *   compensation-only entry as execution `<id>--compensation` with
 *   `{batonCompensate: {executionId, input, steps, failure}}` (`compensation: "running"`). That run
 *   publishes `Compensation *` and `Step Compensated` events under the original id, so the
 *   original's record ends `CANCELLED` with `compensation: COMPLETED` or `FAILED`; the run's own
 *   status changes are not recorded (see `observe.ts`), so it is never listed as an execution.
 * - Otherwise (not asked, or nothing compensable): the execution is stopped, `compensation: NONE`.
 * A stop aborts the calls in flight where the engine can (locally) and waits for them; what the
 * compensation run undoes, in-flight calls and running maps' finished items included, is
 * `compensationSteps` (`compensation-plan.ts`). A redrive of a compensated execution is refused
 * (`redriveRefusal`, 409).
 */
import { createHash, randomUUID } from "node:crypto";
import { BatonError } from "../core/errors.ts";
import { initialState } from "../core/execution-state.ts";
import type { Json } from "../core/model.ts";
import type { CatalogueWorkflow } from "../core/project/catalogue.ts";
import { compensationSteps, redriveRefusal } from "./compensation-plan.ts";
import type { EventPublisher } from "./events.ts";
import {
  type CancelCause,
  compensationRunName,
  type ExecutionEngine,
  type InFlightCall,
  isEngineError,
  type RedrivePlan,
  type StopOutcome,
} from "./execution-engine.ts";
import { admit, cancelQueued, semaphoreOf } from "./limits/concurrency.ts";
import type { SlotStore } from "./limits/slot-store.ts";
import type { PauseStore } from "./pause/pause-store.ts";
import { type ExecutionDocument, isActiveStatus } from "./records/document.ts";
import type { ExecutionStore } from "./records/execution-store.ts";
import { cancelDelta, originDelta, type StartOrigin, startDelta } from "./records/observe.ts";
import type { SignalStore } from "./records/signal-store.ts";
import { canonicalJson } from "./records/state.ts";
import type { WorkflowCatalogue } from "./workflow-catalogue.ts";

export interface ExecutionsDeps {
  readonly catalogue: WorkflowCatalogue;
  readonly executions: ExecutionStore;
  readonly signals: SignalStore;
  readonly engine: ExecutionEngine;
  /** Concurrency slots and queues; required to start a workflow with `concurrency`. */
  readonly slots?: SlotStore;
  /** Pause flags read by the service-call handler (`pause/`); required to pause. */
  readonly pauses?: PauseStore;
  /** Where `Execution Queued`, `Paused`, `Resumed` are published. @default none */
  readonly events?: EventPublisher;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  /** New execution ids (also the Step Functions execution name). @default randomUUID */
  readonly newId?: () => string;
}

/**
 * What a cancel needs: record reads and merges, and the await steps waiting (no listing or
 * idempotency keys), so the test harness cancels through the same use case over its memory records.
 */
export type CancelDeps = Omit<ExecutionsDeps, "executions" | "signals"> & {
  readonly executions: Pick<ExecutionStore, "get" | "merge">;
  readonly signals: Pick<SignalStore, "waiting">;
};

/** The execution is not in a state that allows the operation (the API answers 409). */
export class ExecutionStateError extends Error {
  override readonly name = "ExecutionStateError";
}

/** An idempotency key came back with a different input (422). */
export class IdempotencyKeyReusedError extends Error {
  override readonly name = "IdempotencyKeyReusedError";
}

/** The engine has no state machine for the workflow (503). */
export class WorkflowUnavailableError extends Error {
  override readonly name = "WorkflowUnavailableError";
}

/** The execution was stopped but its compensation run could not start (500; compensation owed). */
export class CompensationNotStartedError extends Error {
  override readonly name = "CompensationNotStartedError";
}

export interface StartOutcome {
  readonly document: ExecutionDocument;
  /** false when an idempotent retry found the execution its first request started. */
  readonly created: boolean;
}

export interface CancelOptions {
  readonly compensate: boolean;
  readonly reason?: string;
}

export interface CancelOutcome {
  readonly document: ExecutionDocument;
  readonly compensation: CancelCause["compensation"];
}

/**
 * Starts an execution and records it. With an idempotency key, a repeated request with the same
 * input answers the execution the first one started (`created: false`).
 */
export async function startExecution(
  deps: ExecutionsDeps,
  workflow: CatalogueWorkflow,
  input: Json,
  key: string | undefined,
  origin: StartOrigin = {},
): Promise<StartOutcome> {
  // `workflow` is the version to run: the engine starts that version, whatever is current.
  const clock = deps.clock ?? (() => new Date());
  let executionId = (deps.newId ?? randomUUID)();
  let replay = false;
  if (key !== undefined) {
    const requestHash = createHash("sha256").update(canonicalJson(input)).digest("hex");
    const claim = await deps.executions.claimIdempotencyKey(workflow.name, key, {
      executionId,
      requestHash,
    });
    if (!claim.claimed) {
      if (claim.requestHash !== requestHash) {
        throw new IdempotencyKeyReusedError(
          `Idempotency-Key ${key} was used for ${workflow.name} with a different input; use a new key.`,
        );
      }
      executionId = claim.executionId;
      replay = true;
      const existing = await deps.executions.get(executionId);
      if (existing !== undefined) return { document: existing, created: false };
    }
  }
  const semaphore = await admitUnderLimit(deps, workflow, executionId, input);
  if (semaphore === "queued") {
    if (origin.startedBy !== undefined || origin.versionPinned !== undefined) {
      const { document } = await deps.executions.merge(
        executionId,
        originDelta(executionId, origin),
      );
      return { document, created: !replay };
    }
    const queued = await deps.executions.get(executionId);
    if (queued !== undefined) return { document: queued, created: !replay };
  }
  let startedAt: string | undefined;
  let traceId: string | undefined;
  // Whether this request started the execution: a replayed key whose first request failed before
  // the start still answers 201 the first time the execution really starts.
  let startedNow = false;
  try {
    // The machine's state built here: the run goes from its entry straight to the first step.
    const state = initialState(executionId, input, clock().toISOString());
    const started = await deps.engine.start(workflow.name, executionId, state, {
      version: workflow.version,
    });
    startedAt = started.startedAt;
    traceId = started.traceId;
    startedNow = true;
  } catch (error) {
    // A replayed key whose first request died after starting: the execution exists, record it.
    if (!(replay && isEngineError(error, "already-exists"))) {
      // Nothing started: the slot taken for it is free again.
      if (semaphore !== undefined && semaphore !== "queued")
        await deps.slots?.release(semaphore, executionId);
      if (isEngineError(error, "not-found")) {
        throw new WorkflowUnavailableError((error as Error).message, { cause: error });
      }
      throw error;
    }
  }
  const { document } = await deps.executions.merge(
    executionId,
    startDelta(
      executionId,
      workflow,
      input,
      startedAt ?? (replay ? undefined : clock().toISOString()),
      traceId === undefined ? origin : { ...origin, traceId },
    ),
  );
  return { document, created: !replay || startedNow };
}

/**
 * Takes a concurrency slot for a start of a limited workflow (`limits/concurrency.ts`): the
 * semaphore it holds, `"queued"` when it waits, undefined when the workflow has no limit.
 */
async function admitUnderLimit(
  deps: ExecutionsDeps,
  workflow: CatalogueWorkflow,
  executionId: string,
  input: Json,
): Promise<string | "queued" | undefined> {
  const semaphore = semaphoreOf(workflow, input, executionId);
  if (semaphore === undefined) return undefined;
  if (deps.slots === undefined) {
    throw new WorkflowUnavailableError(
      `${workflow.name} has a concurrency limit, but this runtime has no slot store to enforce it.`,
    );
  }
  const admission = await admit(
    { ...deps, slots: deps.slots },
    workflow,
    executionId,
    input,
    semaphore,
  );
  return admission.outcome === "queued" ? "queued" : semaphore;
}

/**
 * Cancels a RUNNING or PAUSED execution, compensating its succeeded steps when asked (see the top
 * of this file), or removes a QUEUED start (nothing ran: nothing to compensate).
 */
export async function cancelExecution(
  deps: CancelDeps,
  execution: ExecutionDocument,
  options: CancelOptions,
): Promise<CancelOutcome> {
  if (execution.status === "QUEUED" && deps.slots !== undefined) {
    const message = options.reason ?? "Cancelled through the API while queued.";
    const removed = await cancelQueued({ ...deps, slots: deps.slots }, execution.id, message);
    const current = (await deps.executions.get(execution.id)) ?? execution;
    if (removed.kind === "removed") return { document: current, compensation: "none" };
    if (current.status === "QUEUED") {
      throw new ExecutionStateError(
        `Execution ${execution.id} is leaving the queue (a slot freed and it is starting); retry the cancel in a moment.`,
      );
    }
    return cancelExecution(deps, current, options);
  }
  if (execution.status !== "RUNNING" && execution.status !== "PAUSED") {
    throw new ExecutionStateError(
      `Execution ${execution.id} is ${execution.status}; only a QUEUED, RUNNING or PAUSED execution can be cancelled.`,
    );
  }
  const compensation = await stopOrCompensate(deps, execution, options);
  const { document } = await deps.executions.merge(
    execution.id,
    cancelDelta(execution.id, compensation !== "none"),
  );
  return { document, compensation };
}

/** Redrives a failed, timed out or cancelled standard execution from its first unfinished step. */
export async function redriveExecution(
  deps: ExecutionsDeps,
  execution: ExecutionDocument,
): Promise<{ readonly redriveDate: string }> {
  if (isActiveStatus(execution.status) || execution.status === "SUCCEEDED") {
    throw new ExecutionStateError(
      `Execution ${execution.id} is ${execution.status}; only a failed, timed out or cancelled one can be redriven.`,
    );
  }
  if (executionWorkflow(deps, execution)?.type === "express") {
    throw new ExecutionStateError(
      `Execution ${execution.id} belongs to an express workflow; express executions cannot be redriven.`,
    );
  }
  const refusal = redriveRefusal(execution);
  if (refusal !== undefined) throw new ExecutionStateError(refusal);
  try {
    return await deps.engine.redrive(execution.id, {
      ...redrivePlan(execution),
      ...(execution.version === undefined ? {} : { version: execution.version }),
    });
  } catch (error) {
    if (isEngineError(error, "not-redrivable") || isEngineError(error, "not-found")) {
      throw new ExecutionStateError(
        `Execution ${execution.id} cannot be redriven: ${(error as Error).message}`,
      );
    }
    throw error;
  }
}

/**
 * Where a redrive resumes, from the record: at the first step (in file order) that did not succeed,
 * keeping the results of the steps that did. (Executions with compensated steps are refused
 * before: `redriveRefusal`.)
 */
export function redrivePlan(execution: ExecutionDocument): RedrivePlan {
  const succeeded = new Set(
    execution.steps.filter((s) => s.status === "SUCCEEDED").map((s) => s.id),
  );
  const from = execution.steps.find((s) => s.status !== "SUCCEEDED" && s.status !== "SKIPPED")?.id;
  return {
    ...(from === undefined ? {} : { from }),
    keep: (id) => succeeded.has(id),
  };
}

/** Cancels through the compensation path described at the top of this file; returns its name. */
async function stopOrCompensate(
  deps: CancelDeps,
  execution: ExecutionDocument,
  options: CancelOptions,
): Promise<CancelCause["compensation"]> {
  const id = execution.id;
  const requestedAt = (deps.clock ?? (() => new Date()))().toISOString();
  const message = options.reason ?? "Cancelled through the API.";
  const cause = (compensation: CancelCause["compensation"]): string =>
    JSON.stringify({
      message,
      compensate: options.compensate,
      compensation,
      requestedAt,
    } satisfies CancelCause);
  if (options.compensate) {
    for (const waiter of await deps.signals.waiting(id)) {
      try {
        await deps.engine.sendTaskFailure(
          waiter.taskToken,
          BatonError.Cancelled,
          cause("in-workflow"),
        );
        return "in-workflow";
      } catch (error) {
        if (!isEngineError(error, "task-gone")) throw error;
      }
    }
  }
  const workflow = executionWorkflow(deps, execution);
  const compensation =
    options.compensate && workflow !== undefined && hasCompensableSteps(workflow)
      ? "running"
      : "none";
  let stopped: StopOutcome;
  try {
    stopped = await deps.engine.stop(id, {
      error: BatonError.Cancelled,
      cause: cause(compensation),
    });
  } catch (error) {
    if (isEngineError(error, "not-found"))
      throw new ExecutionStateError(`Execution ${id} is not running in the engine.`);
    throw error;
  }
  if (compensation === "running" && workflow !== undefined) {
    await startCompensation(deps, workflow, execution, message, stopped.inFlight);
  }
  return compensation;
}

/**
 * The version an execution ran (its compensation run and redrive use it, never a newer one); the
 * current version when the record names none or this process does not know it.
 */
export function executionWorkflow(
  deps: Pick<ExecutionsDeps, "catalogue">,
  execution: Pick<ExecutionDocument, "workflow" | "version">,
): CatalogueWorkflow | undefined {
  const ran =
    execution.version === undefined
      ? undefined
      : deps.catalogue.version(execution.workflow, execution.version);
  return ran ?? deps.catalogue.get(execution.workflow);
}

const hasCompensableSteps = (workflow: CatalogueWorkflow): boolean =>
  workflow.steps.some((s) => s.compensable === true);

/**
 * Starts the compensation-only run of a stopped execution over the results of its succeeded
 * steps. When it cannot start, the record keeps `compensation: PENDING` (compensation owed).
 */
async function startCompensation(
  deps: CancelDeps,
  workflow: CatalogueWorkflow,
  execution: ExecutionDocument,
  message: string,
  inFlight: readonly InFlightCall[],
): Promise<void> {
  const id = execution.id;
  try {
    const results = (await deps.engine.results(id)) ?? { input: execution.input, steps: {} };
    const running = execution.steps.find((s) => s.status === "RUNNING");
    await deps.engine.start(
      workflow.name,
      compensationRunName(id),
      {
        batonCompensate: {
          executionId: id,
          input: results.input,
          steps: compensationSteps(workflow, execution, results, inFlight),
          failure: { name: BatonError.Cancelled, message, step: running?.id ?? "cancel" },
        },
      },
      { version: workflow.version },
    );
  } catch (error) {
    // A repeated cancel (the record still said RUNNING) finds the run already started.
    if (isEngineError(error, "already-exists")) return;
    await deps.executions.merge(id, cancelDelta(id, true));
    throw new CompensationNotStartedError(
      `Execution ${id} was stopped, but its compensation could not start (${(error as Error).message}); its compensation stays PENDING.`,
      { cause: error },
    );
  }
}
