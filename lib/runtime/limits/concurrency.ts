/**
 * Workflow concurrency limits (`concurrency: {limit, key}`, docs/limits-and-pause.md): at most
 * `limit` executions of a workflow run at once per key value; more starts wait `QUEUED` and start
 * in arrival order as slots free.
 *
 * - Start (API, triggers, schedules): `admit` takes a slot when none is queued ahead and one is
 *   free; otherwise the start is queued (`QUEUED` record, `Execution Queued`) and the queue drained
 *   once, in case a slot freed meanwhile.
 * - Every terminal status change of a limited execution (SUCCEEDED, FAILED, TIMED_OUT, ABORTED:
 *   crashes and timeouts included) releases its slot (`releaseOnStatusChange`) and drains the
 *   queue. Releases are idempotent (the holder is removed only if present).
 * - A drain that finds the semaphore full reaps, at most once a minute, holders whose execution is
 *   not running in the engine (a lost status change): no slot leaks even when an event does.
 * - Cancel of a queued start removes it unless a drainer already claimed it.
 */
import { createHash } from "node:crypto";
import { executionInputOf, initialState } from "../../core/execution-state.ts";
import type { Json } from "../../core/model.ts";
import type { CatalogueWorkflow } from "../../core/project/catalogue.ts";
import { resolveTemplates, TemplateReadError } from "../../core/template-resolve.ts";
import { DetailType } from "../../core/wire.ts";
import { ValidationError } from "../errors.ts";
import type { EventPublisher } from "../events.ts";
import {
  type ExecutionEngine,
  isCompensationRun,
  isEngineError,
  parseRedriveRun,
} from "../execution-engine.ts";
import type { Logger } from "../logger.ts";
import type { ExecutionStore } from "../records/execution-store.ts";
import { executionIdOf, queuedCancelDelta, queuedDelta, startDelta } from "../records/observe.ts";
import type { WorkflowCatalogue } from "../workflow-catalogue.ts";
import { type QueuedStart, queuePosition, type SlotStore } from "./slot-store.ts";

export interface ConcurrencyDeps {
  readonly catalogue: WorkflowCatalogue;
  /** Only merges (the queued, start and cancel deltas): the harness keeps records in memory. */
  readonly executions: Pick<ExecutionStore, "merge">;
  readonly engine: ExecutionEngine;
  readonly slots: SlotStore;
  readonly events?: EventPublisher;
  readonly clock?: () => Date;
  readonly logger?: Logger;
}

/** Minimum milliseconds between two reaps of one semaphore. */
export const REAP_INTERVAL_MS = 60_000;
/** A holder younger than this is never reaped (its start may still be on its way to the engine). */
export const REAP_GRACE_MS = 60_000;
/** Starts one drain may start before it hands over to the next release. */
const DRAIN_BATCH = 50;
/** Longest key value kept as it is; longer ones are hashed. */
const MAX_KEY_TEXT = 200;

/**
 * The semaphore a start of `workflow` with `input` counts against: `<workflow>` or
 * `<workflow>#<key value>`. A key that reads an absent input value refuses the start.
 */
export function semaphoreOf(
  workflow: CatalogueWorkflow,
  input: Json,
  executionId: string,
): string | undefined {
  const limit = workflow.concurrency;
  if (limit === undefined) return undefined;
  if (limit.key === undefined) return workflow.name;
  let value: Json;
  try {
    value = resolveTemplates(limit.key, {
      data: { input },
      executionId,
      workflow: workflow.name,
      version: workflow.version,
    });
  } catch (error) {
    if (!(error instanceof TemplateReadError)) throw error;
    throw new ValidationError(
      [{ path: "/input", message: `concurrency key ${limit.key}: ${error.message}` }],
      `The concurrency key of ${workflow.name} (${limit.key}) cannot be resolved from this input: ${error.message}.`,
    );
  }
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const key =
    text.length <= MAX_KEY_TEXT
      ? text
      : `sha256:${createHash("sha256").update(text).digest("hex")}`;
  return `${workflow.name}#${key}`;
}

export type Admission =
  | { readonly outcome: "run"; readonly semaphore: string }
  | { readonly outcome: "queued"; readonly semaphore: string };

/** Takes a slot for a new start, or queues it (recorded QUEUED). See the top of this file. */
export async function admit(
  deps: ConcurrencyDeps,
  workflow: CatalogueWorkflow,
  executionId: string,
  input: Json,
  semaphore: string,
): Promise<Admission> {
  const limit = workflow.concurrency?.limit ?? Number.POSITIVE_INFINITY;
  const now = (deps.clock ?? (() => new Date()))();
  // Arrival order: nobody overtakes a queued start.
  const ahead = await deps.slots.head(semaphore, 1);
  if (ahead.length === 0) {
    const taken = await deps.slots.acquire(semaphore, executionId, limit, now.getTime());
    if (taken !== "full") return { outcome: "run", semaphore };
  }
  const queuedAt = now.toISOString();
  await deps.slots.enqueue({
    semaphore,
    position: queuePosition(queuedAt, executionId),
    executionId,
    workflow: workflow.name,
    version: workflow.version,
    input,
    queuedAt,
    claimed: false,
  });
  await deps.executions.merge(executionId, queuedDelta(executionId, workflow, input, queuedAt));
  await deps.events?.publish([
    {
      detailType: DetailType.ExecutionQueued,
      detail: {
        executionId,
        workflow: workflow.name,
        version: workflow.version,
        semaphore,
        limit: workflow.concurrency?.limit ?? null,
        queuedAt,
      },
    },
  ]);
  // A slot may have freed between the acquire and the enqueue, its drain finding no queue.
  await drain(deps, workflow.name, semaphore);
  return { outcome: "queued", semaphore };
}

/**
 * Starts queued starts of `semaphore` in arrival order while slots are free. Safe to run
 * concurrently and again after a crash: every step is idempotent (the slot is taken per
 * execution id, the engine start is by execution name).
 */
export async function drain(
  deps: ConcurrencyDeps,
  workflowName: string,
  semaphore: string,
): Promise<number> {
  const workflow = deps.catalogue.get(workflowName);
  const limit = workflow?.concurrency?.limit;
  if (workflow === undefined || limit === undefined) return 0;
  const clock = deps.clock ?? (() => new Date());
  let started = 0;
  for (let n = 0; n < DRAIN_BATCH; n++) {
    const [next] = await deps.slots.head(semaphore, 1);
    if (next === undefined) break;
    const taken = await deps.slots.acquire(semaphore, next.executionId, limit, clock().getTime());
    if (taken === "full") {
      if (await reap(deps, semaphore)) continue;
      break;
    }
    if (!(await deps.slots.claim(next))) {
      // Cancelled between the read and the claim.
      if (taken === "acquired") await deps.slots.release(semaphore, next.executionId);
      continue;
    }
    await startQueued(deps, workflow, next);
    await deps.slots.remove(next, { unclaimedOnly: false });
    started++;
  }
  return started;
}

async function startQueued(
  deps: ConcurrencyDeps,
  workflow: CatalogueWorkflow,
  start: QueuedStart,
): Promise<void> {
  const id = start.executionId;
  // The version the start was admitted with (pinned or live then; its QUEUED record names it), so
  // a version published while it waited does not change what it runs. A process whose catalogue
  // has not loaded that version yet starts the current one and records that.
  const version =
    deps.catalogue.version(start.workflow, start.version) === undefined
      ? workflow.version
      : start.version;
  let startedAt: string | undefined;
  let traceId: string | undefined;
  try {
    const state = initialState(id, start.input, clock(deps));
    const started = await deps.engine.start(workflow.name, id, state, { version });
    startedAt = started.startedAt;
    traceId = started.traceId;
  } catch (error) {
    if (!isEngineError(error, "already-exists")) {
      // It can never start (its workflow is gone, its input refused): free the slot, end it.
      await deps.slots.release(start.semaphore, id);
      const message = `The queued start could not be started: ${(error as Error).message}`;
      await deps.executions.merge(id, queuedCancelDelta(id, clock(deps), message));
      deps.logger?.warn("Queued start failed", { executionId: id, error: message });
      return;
    }
    // Started before (a concurrent or crashed drain). If it already ended, its release came
    // before this drain took the slot again: give the slot back.
    const description = await deps.engine.describe(id);
    if (description !== undefined && description.status !== "RUNNING")
      await deps.slots.release(start.semaphore, id);
  }
  await deps.executions.merge(
    id,
    startDelta(
      id,
      { name: start.workflow, version },
      start.input,
      startedAt,
      traceId === undefined ? {} : { traceId },
    ),
  );
}

/**
 * Frees the slots of holders that are not running in the engine (their status change was lost),
 * at most once per `REAP_INTERVAL_MS` per semaphore; true when one was freed.
 */
async function reap(deps: ConcurrencyDeps, semaphore: string): Promise<boolean> {
  const now = (deps.clock ?? (() => new Date()))().getTime();
  const { holders, reapedAt } = await deps.slots.holders(semaphore);
  if (now - reapedAt < REAP_INTERVAL_MS) return false;
  if (!(await deps.slots.markReaped(semaphore, now, now - REAP_INTERVAL_MS))) return false;
  let freed = false;
  for (const [id, since] of Object.entries(holders)) {
    if (now - since < REAP_GRACE_MS) continue;
    const description = await deps.engine.describe(id);
    if (description !== undefined && description.status === "RUNNING") continue;
    if (await deps.slots.release(semaphore, id)) {
      freed = true;
      deps.logger?.warn("Reaped a concurrency slot whose release was lost", {
        semaphore,
        executionId: id,
        status: description?.status ?? "NOT_FOUND",
      });
    }
  }
  return freed;
}

export type ReleaseOutcome =
  | { readonly kind: "released"; readonly semaphore: string; readonly started: number }
  | { readonly kind: "ignored"; readonly reason: string };

/**
 * A Step Functions status change: when terminal and of a limited workflow, the execution's slot
 * is released and the queue drained. Runs, redrives and compensation runs that hold no slot are
 * ignored. Never throws on malformed input.
 */
export async function releaseOnStatusChange(
  event: unknown,
  deps: ConcurrencyDeps,
): Promise<ReleaseOutcome> {
  const detail = (event as { readonly detail?: unknown } | null)?.detail;
  if (typeof detail !== "object" || detail === null) return ignored("no detail");
  const d = detail as Readonly<Record<string, unknown>>;
  if (typeof d.status !== "string" || d.status === "RUNNING")
    return ignored("not a terminal status");
  const arn = typeof d.executionArn === "string" ? d.executionArn : undefined;
  const name = arn === undefined ? d.name : executionIdOf(arn);
  if (typeof name !== "string" || name === "") return ignored("no execution name");
  if (isCompensationRun(name) || parseRedriveRun(name) !== undefined)
    return ignored(`${name} holds no slot (compensation or redrive run)`);
  const workflow =
    typeof d.stateMachineArn === "string"
      ? deps.catalogue.byStateMachineArn(d.stateMachineArn)
      : undefined;
  if (workflow?.concurrency === undefined) return ignored("workflow has no concurrency limit");
  let input: Json = {};
  try {
    // The API starts machines with the built state ({input, context, steps}); the key reads input.
    input = executionInputOf(typeof d.input === "string" ? (JSON.parse(d.input) as Json) : {});
  } catch {
    return ignored("input is not JSON");
  }
  let semaphore: string | undefined;
  try {
    semaphore = semaphoreOf(workflow, input, name);
  } catch (error) {
    return ignored(`key unresolvable: ${(error as Error).message}`);
  }
  if (semaphore === undefined) return ignored("workflow has no concurrency limit");
  await deps.slots.release(semaphore, name);
  const started = await drain(deps, workflow.name, semaphore);
  return { kind: "released", semaphore, started };
}

export type QueuedCancel =
  | { readonly kind: "removed" }
  /** A drainer claimed it: it is starting (or started); cancel it as a running execution. */
  | { readonly kind: "starting" };

/** Removes a queued start (cancel); the record ends CANCELLED with nothing run. */
export async function cancelQueued(
  deps: Pick<ConcurrencyDeps, "slots" | "executions" | "clock" | "events">,
  executionId: string,
  message: string,
): Promise<QueuedCancel> {
  const queued = await deps.slots.queuedOf(executionId);
  if (queued === undefined || !(await deps.slots.remove(queued, { unclaimedOnly: true })))
    return { kind: "starting" };
  const { document } = await deps.executions.merge(
    executionId,
    queuedCancelDelta(executionId, clock(deps), message),
  );
  await deps.events?.publish([
    {
      detailType: DetailType.ExecutionCancelled,
      detail: {
        executionId,
        workflow: document.workflow,
        version: document.version,
        status: "CANCELLED",
        startedAt: document.startedAt,
        stoppedAt: document.stoppedAt,
        durationMs: document.durationMs,
        error: document.error,
        compensation: "NONE",
        redriveCount: 0,
      },
    },
  ]);
  return { kind: "removed" };
}

const clock = (deps: { readonly clock?: () => Date }): string =>
  (deps.clock ?? (() => new Date()))().toISOString();

const ignored = (reason: string): ReleaseOutcome => ({ kind: "ignored", reason });
