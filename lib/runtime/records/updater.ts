/**
 * The record updater: consumes Step Functions status changes and Baton orchestration events and
 * keeps the execution record (`execution-store.ts`): a batch of events of one execution is
 * appended as one log item, and the head (the execution item) is merged only when an event changes
 * it (`changesHead`): the start, the end, the compensation phase. Safe under duplicate and
 * out-of-order delivery (see `state.ts`); a failure is thrown (per execution) so the batch's events
 * are delivered again.
 *
 * Baton's `Execution *` events are published from the status changes: one per run start and one per
 * run end, whatever order they arrive in. A status change is published before its batch is
 * appended and only if the log does not hold it yet (at least once: a crash between publishing and
 * appending publishes again), and the published events are appended with the batch.
 */

import { createHash } from "node:crypto";
import { DetailType, EVENT_SOURCE, STEP_FUNCTIONS_SOURCE } from "../../core/wire.ts";
import type { EventEntry, EventPublisher } from "../events.ts";
import { isCompensationRun, parseRedriveRun } from "../execution-engine.ts";
import type { WorkflowCatalogue } from "../workflow-catalogue.ts";
import { changesHead, headPart } from "./assemble.ts";
import { toDocument } from "./derive.ts";
import type { ExecutionDocument, ExecutionStatus } from "./document.ts";
import type { ExecutionStore, LoggedEvent, StoredRecord } from "./execution-store.ts";
import { type Observation, observe } from "./observe.ts";
import { merge, type RecordState, sameState } from "./state.ts";
import { type StateTrace, traceDelta, tracedStatuses } from "./trace.ts";

export interface UpdaterDeps {
  readonly store: ExecutionStore;
  readonly catalogue?: WorkflowCatalogue;
  /**
   * Where Baton `Execution *` events are published when a Step Functions status change reports a
   * run's start or end (Step Functions itself only reports on the default bus).
   */
  readonly publisher?: EventPublisher;
  /**
   * The states a finished run entered and exited (its execution name is `<id>` or
   * `<id>--redrive-<n>`): read once per terminal status change so every step kind gets its true
   * status (`trace.ts`). Without it, non-call steps fall back to what the step events imply.
   */
  readonly trace?: (run: FinishedRun) => Promise<StateTrace | undefined>;
  /** Head writes lost to a concurrent writer before giving up. @default 20 */
  readonly maxConflicts?: number;
}

export type ApplyResult =
  | {
      /** `duplicate` only when the log was read (a batch with a status change) and held the event. */
      readonly outcome: "applied" | "duplicate";
      readonly executionId: string;
      readonly status: ExecutionStatus;
    }
  | { readonly outcome: "ignored"; readonly reason: string };

/** The outcome of each event of a batch, in the batch's order. */
export type BatchResult = readonly (
  | ApplyResult
  | { readonly outcome: "failed"; readonly error: unknown }
)[];

export async function applyEvent(event: unknown, deps: UpdaterDeps): Promise<ApplyResult> {
  const [result] = await applyBatch([event], deps);
  if (result === undefined) throw new Error("applyBatch returned no result for the event.");
  if (result.outcome === "failed") throw result.error;
  return result;
}

/**
 * Records a batch of events: grouped by execution, each group stored with one log append and at
 * most a few head writes; groups are independent (one failing leaves the others recorded).
 */
export async function applyBatch(
  events: readonly unknown[],
  deps: UpdaterDeps,
): Promise<BatchResult> {
  const results: BatchResult[number][] = new Array(events.length);
  const groups = new Map<string, { index: number; raw: unknown; observation: Observed }[]>();
  for (const [index, raw] of events.entries()) {
    const observation = observe(raw, deps.catalogue);
    if (observation.kind === "ignored") {
      results[index] = { outcome: "ignored", reason: observation.reason };
      continue;
    }
    const group = groups.get(observation.executionId) ?? [];
    group.push({ index, raw, observation });
    groups.set(observation.executionId, group);
  }
  await Promise.all(
    [...groups.entries()].map(async ([executionId, group]) => {
      try {
        const outcomes = await recordGroup(executionId, group, deps);
        for (const [i, member] of group.entries())
          results[member.index] = outcomes[i] as ApplyResult;
      } catch (error) {
        for (const member of group) results[member.index] = { outcome: "failed", error };
      }
    }),
  );
  return results;
}

type Observed = Extract<Observation, { kind: "observed" }>;

async function recordGroup(
  executionId: string,
  group: readonly { readonly raw: unknown; readonly observation: Observed }[],
  deps: UpdaterDeps,
): Promise<ApplyResult[]> {
  const observations = group.map((g) => g.observation);
  const logged: LoggedEvent[] = observations.map((o) => ({ order: o.order, event: o.event }));
  const headEvents = observations.filter((o) => changesHead(o.event));
  const delta = observations.reduce<RecordState>((all, o) => merge(all, o.delta), {
    id: executionId,
  });
  // A batch without a status change or compensation phase is only appended: no read at all.
  const record = headEvents.length > 0 ? await deps.store.read(executionId) : undefined;
  const workflow = delta.workflow ?? record?.state?.workflow ?? "";
  let traced: RecordState | undefined;
  for (const { raw } of group) {
    const trace = await runTrace(raw, executionId, workflow, deps);
    if (trace !== undefined) traced = traced === undefined ? trace : merge(traced, trace);
  }
  let state: RecordState;
  if (record === undefined) {
    await deps.store.append(executionId, logged, traced);
    state = merge(delta, traced ?? { id: executionId });
  } else {
    const head = headEvents.reduce<RecordState>((h, o) => merge(h, headPart(o.delta)), {
      id: executionId,
    });
    state = await mergeHead(executionId, record, { head, headEvents, traced, delta, logged }, deps);
  }
  const seen = record?.orders ?? new Set<string>();
  const status = documentStatus(state, deps);
  return observations.map((o) => ({
    outcome: seen.has(o.order) ? "duplicate" : "applied",
    executionId,
    status,
  }));
}

function documentStatus(state: RecordState, deps: Pick<UpdaterDeps, "catalogue">): ExecutionStatus {
  const workflow = state.workflow === undefined ? undefined : deps.catalogue?.get(state.workflow);
  return toDocument(state, workflow).status;
}

interface HeadBatch {
  /** The execution-level part of the batch's head events. */
  readonly head: RecordState;
  readonly headEvents: readonly Observed[];
  readonly traced: RecordState | undefined;
  /** Everything the batch adds (steps included). */
  readonly delta: RecordState;
  /** The batch's events, appended with the `Execution *` events published for it. */
  readonly logged: readonly LoggedEvent[];
}

/**
 * Publishes the `Execution *` events of status changes the log does not hold yet, appends the
 * batch (with them: the records log what they publish, the bus does not deliver them back), then
 * writes the head if it changed, conditionally; a lost race reads again and appends only what it
 * publishes more.
 */
async function mergeHead(
  executionId: string,
  first: StoredRecord,
  batch: HeadBatch,
  deps: UpdaterDeps,
): Promise<RecordState> {
  let record = first;
  const maxConflicts = deps.maxConflicts ?? 20;
  // Published by an attempt whose head write then lost: not published again by the next attempt.
  const publishedHere = new Set<string>();
  let appended = false;
  for (let attempt = 0; ; attempt++) {
    const head = merge(record.head ?? { id: executionId }, batch.head);
    const state = merge(
      merge(record.state ?? { id: executionId }, batch.delta),
      merge(head, batch.traced ?? { id: executionId }),
    );
    const workflow = state.workflow === undefined ? undefined : deps.catalogue?.get(state.workflow);
    const document = toDocument(state, workflow);
    // A status change already in the log had its event published before it was appended.
    const due =
      deps.publisher === undefined
        ? []
        : statusEvents(
            batch.headEvents.filter((o) => !record.orders.has(o.order)),
            state,
            document,
          );
    const unpublished = due.filter((e) => !publishedHere.has(e.marker));
    if (unpublished.length > 0) await deps.publisher?.publish(unpublished.map((e) => e.entry));
    for (const e of unpublished) publishedHere.add(e.marker);
    const announced = unpublished.map((e) => loggedStatusEvent(executionId, e));
    if (!appended)
      await deps.store.append(executionId, [...batch.logged, ...announced], batch.traced);
    else if (announced.length > 0) await deps.store.append(executionId, announced);
    appended = true;
    if (record.head !== undefined && sameState(record.head, head)) return state;
    if (await deps.store.writeHead(executionId, head, record.rev)) return state;
    if (attempt >= maxConflicts)
      throw new Error(
        `Execution record ${executionId}: ${attempt + 1} head writes lost to concurrent writers; the events will be delivered again.`,
      );
    record = await deps.store.read(executionId);
  }
}

/**
 * A published `Execution *` event as the log keeps it: its id derived from the execution and the
 * marker, so publishing it again (at least once) logs the same entry.
 */
export function loggedStatusEvent(executionId: string, e: StatusEvent): LoggedEvent {
  const id = createHash("sha256").update(`${executionId}|${e.marker}`).digest("hex").slice(0, 32);
  const observation = observe({
    id,
    "detail-type": e.entry.detailType,
    source: EVENT_SOURCE,
    detail: e.entry.detail,
  });
  if (observation.kind === "ignored")
    throw new Error(
      `Published event ${e.entry.detailType} is not an execution event: ${observation.reason}`,
    );
  return { order: observation.order, event: observation.event };
}

const DETAIL_TYPES: Readonly<Record<ExecutionStatus, string>> = {
  QUEUED: DetailType.ExecutionQueued,
  RUNNING: DetailType.ExecutionStarted,
  PAUSED: DetailType.ExecutionPaused,
  SUCCEEDED: DetailType.ExecutionSucceeded,
  FAILED: DetailType.ExecutionFailed,
  COMPENSATION_FAILED: DetailType.ExecutionFailed,
  CANCELLED: DetailType.ExecutionCancelled,
  TIMED_OUT: DetailType.ExecutionTimedOut,
};

/** A Baton `Execution *` event and the run phase it announces (`<redriveCount>:start|end`). */
export interface StatusEvent {
  readonly marker: string;
  readonly entry: EventEntry;
}

/**
 * The `Execution *` events the status changes among `observations` stand for: `Execution Started`
 * for every run start (`<redriveCount>:start`), whatever arrived before it; the end event
 * (`<redriveCount>:end`) once the record shows that run ended (an end superseded by a later
 * redrive is not announced). Details come from the document, the start's as it was at the start.
 */
export function statusEvents(
  observations: readonly Observation[],
  state: RecordState,
  document: ExecutionDocument,
): StatusEvent[] {
  const events: StatusEvent[] = [];
  const currentRun = Number(state.run?.k[0] ?? 0);
  for (const o of observations) {
    if (o.kind !== "observed" || o.event.source !== STEP_FUNCTIONS_SOURCE) continue;
    const run = o.delta.run;
    if (run === undefined) continue; // a compensation run's failure: not a run of its own
    const redrive = Number(run.k[0] ?? 0);
    if (run.v.status === "RUNNING") {
      const compensation = document.status === "RUNNING" ? document.compensation : "NONE";
      events.push({
        marker: `${redrive}:start`,
        entry: entryOf(document, redrive, {
          status: "RUNNING",
          stoppedAt: null,
          durationMs: null,
          error: null,
          compensation,
        }),
      });
    } else if (redrive === currentRun && document.status !== "RUNNING") {
      events.push({ marker: `${redrive}:end`, entry: entryOf(document, redrive, {}) });
    }
  }
  return events.filter((e, i) => events.findIndex((x) => x.marker === e.marker) === i);
}

function entryOf(
  document: ExecutionDocument,
  redriveCount: number,
  override: Partial<
    Pick<ExecutionDocument, "status" | "stoppedAt" | "durationMs" | "error" | "compensation">
  >,
): EventEntry {
  const d = { ...document, ...override };
  return {
    detailType: DETAIL_TYPES[d.status],
    detail: {
      executionId: d.id,
      workflow: d.workflow,
      version: d.version,
      status: d.status,
      startedAt: d.startedAt,
      stoppedAt: d.stoppedAt,
      durationMs: d.durationMs,
      error: d.error,
      compensation: d.compensation,
      redriveCount,
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
