/**
 * Turns one EventBridge event into a delta of the record state (see `state.ts`) plus the event as
 * listed by `GET /executions/{id}/events`. Accepts Step Functions "Execution Status Change" events
 * (`source: aws.states`) and Baton orchestration events (`source: baton`); anything else is ignored
 * with a reason. Never throws on malformed input.
 */

import { createHash } from "node:crypto";
import { BatonError, MAY_HAVE_TAKEN_EFFECT } from "../../core/errors.ts";
import { childStarterOf, executionInputOf } from "../../core/execution-state.ts";
import type { Json } from "../../core/model.ts";
import { parseCause } from "../../core/recorded-failure.ts";
import {
  DetailType,
  EVENT_SOURCE,
  STATUS_CHANGE_DETAIL_TYPE,
  STEP_FUNCTIONS_SOURCE,
} from "../../core/wire.ts";
import {
  COMPENSATION_RUN_SUFFIX,
  isCompensationRun,
  parseRedriveRun,
} from "../execution-engine.ts";

export { parseCause };

import type { WorkflowCatalogue } from "../workflow-catalogue.ts";
import type { ExecutionError, ExecutionEvent } from "./document.ts";
import {
  COMPENSATION_RANK,
  type ExecutionRun,
  type RecordState,
  type Register,
  type RunStatus,
  STARTER_PRIORITY,
  STEP_COMPENSATION_RANK,
  STEP_RUN_RANK,
  type StepCompensationStatus,
  type StepOutcome,
  type StepRunStatus,
  type StepState,
  VERSION_PRIORITY,
} from "./state.ts";

/** The EventBridge envelope (the fields Baton reads). */
export interface EventEnvelope {
  readonly id?: string;
  readonly "detail-type"?: string;
  readonly source?: string;
  readonly time?: string;
  readonly resources?: readonly string[];
  readonly detail?: unknown;
}

export type Observation =
  | {
      readonly kind: "observed";
      readonly executionId: string;
      readonly delta: RecordState;
      readonly event: ExecutionEvent;
      /** Sort key suffix ordering the event among the execution's events. */
      readonly order: string;
    }
  | { readonly kind: "ignored"; readonly reason: string };

type Detail = Readonly<Record<string, unknown>>;

export function observe(envelope: unknown, catalogue?: WorkflowCatalogue): Observation {
  if (typeof envelope !== "object" || envelope === null) return ignored("event is not an object");
  const e = envelope as EventEnvelope;
  const type = e["detail-type"];
  if (typeof type !== "string") return ignored("event has no detail-type");
  if (typeof e.detail !== "object" || e.detail === null)
    return ignored(`"${type}" event has no detail`);
  const detail = e.detail as Detail;
  if (e.source === STEP_FUNCTIONS_SOURCE && type === STATUS_CHANGE_DETAIL_TYPE)
    return observeStatusChange(e, detail, catalogue);
  if (e.source === EVENT_SOURCE) return observeBaton(e, type, detail);
  return ignored(`"${type}" from ${String(e.source)} is not an execution event`);
}

/** The last segment of an execution ARN (`arn:aws:states:…:execution:<machine>:<id>`), or the id itself. */
export function executionIdOf(value: string): string {
  return value.slice(value.lastIndexOf(":") + 1);
}

function observeStatusChange(
  e: EventEnvelope,
  d: Detail,
  catalogue?: WorkflowCatalogue,
): Observation {
  const arn = str(d.executionArn);
  const name = arn === undefined ? str(d.name) : executionIdOf(arn);
  if (name === undefined || name === "") return ignored("status change has no executionArn");
  const rerun = parseRedriveRun(name);
  const id = rerun?.original ?? name;
  // A compensation-only run started by a cancel (`<id>--compensation`) is not an execution of its
  // own: its saga events carry the original id, and a record of it would list a phantom FAILED
  // execution under the workflow.
  if (isCompensationRun(name)) return observeCompensationRun(e, d, name);
  const status = str(d.status);
  if (!isRunStatus(status)) return ignored(`status change has unknown status ${String(status)}`);
  const redrive = rerun?.count ?? num(d.redriveCount) ?? 0;
  const started = isoFromMs(d.startDate);
  const stopped = isoFromMs(d.stopDate);
  const time = (status === "RUNNING" ? started : stopped) ?? iso(e.time) ?? EPOCH;
  const workflow =
    str(d.stateMachineArn) === undefined
      ? undefined
      : catalogue?.byStateMachineArn(str(d.stateMachineArn) ?? "");
  const error = status === "RUNNING" || status === "SUCCEEDED" ? undefined : sfnError(status, d);
  // A redrive run's input is the resume request, not the execution's input.
  // The API starts executions with their state built (`execution-state.ts`): the input is inside.
  const raw = rerun === undefined ? parseJsonText(d.input) : undefined;
  const input = raw === undefined ? undefined : executionInputOf(raw);
  // A child execution's state names the parent that started it (`child-input.ts`).
  const parent = raw === undefined ? undefined : childStarterOf(raw);
  const output = parseJsonText(d.output);
  const delta: RecordState = {
    id,
    ...(workflow === undefined
      ? {}
      : {
          workflow: workflow.name,
          version: { k: [VERSION_PRIORITY.catalogue], v: workflow.version },
        }),
    ...(started === undefined ? {} : { startedAt: started }),
    ...(stopped === undefined || status === "RUNNING" ? {} : { stoppedAt: stopped }),
    firstSeen: time,
    lastSeen: time,
    run: runRegister(redrive, { status, ...(error === undefined ? {} : { error }) }),
    ...(input === undefined ? {} : { input: { k: [0], v: input } }),
    ...(parent === undefined ? {} : starterDelta(id, { by: parent, source: "workflow" })),
    ...(output === undefined || status !== "SUCCEEDED"
      ? {}
      : { output: { k: [redrive], v: output } }),
  };
  const { input: _i, output: _o, inputDetails: _id, outputDetails: _od, ...rest } = d;
  return {
    kind: "observed",
    executionId: id,
    delta,
    order: orderKey(time, status === "RUNNING" ? 0 : 9, e, d),
    event: {
      id: eventId(e),
      time,
      source: STEP_FUNCTIONS_SOURCE,
      type: e["detail-type"] ?? STATUS_CHANGE_DETAIL_TYPE,
      detail: toJson(rest),
    },
  };
}

/**
 * The compensation run ends `FAILED` with the cancel's error (`Baton.Cancelled`) or
 * `Baton.CompensationFailed` after publishing `Compensation Completed`/`Failed` itself. Any other
 * end (a runtime error, a timeout, a stop) means its chain did not finish: the original's
 * compensation is `FAILED`, never left `RUNNING`.
 */
function observeCompensationRun(e: EventEnvelope, d: Detail, name: string): Observation {
  const status = str(d.status);
  const error = str(d.error);
  const finishedItself =
    status === "RUNNING" ||
    status === "SUCCEEDED" ||
    error === BatonError.Cancelled ||
    error === BatonError.CompensationFailed;
  const original = name.slice(0, -COMPENSATION_RUN_SUFFIX.length);
  if (finishedItself || !EXECUTION_ID_PATTERN.test(original))
    return ignored(`status change of compensation run ${name} (recorded under the original)`);
  const time = isoFromMs(d.stopDate) ?? iso(e.time) ?? EPOCH;
  const { input: _i, output: _o, inputDetails: _id, outputDetails: _od, ...rest } = d;
  return {
    kind: "observed",
    executionId: original,
    delta: {
      id: original,
      lastSeen: time,
      compensation: { k: [0, COMPENSATION_RANK.FAILED], v: "FAILED" },
    },
    order: orderKey(time, TYPE_RANK["Compensation Failed"] ?? 7, e, d),
    event: {
      id: eventId(e),
      time,
      source: "aws.states",
      type: e["detail-type"] ?? STATUS_CHANGE_DETAIL_TYPE,
      detail: toJson(rest),
    },
  };
}

/** Execution ids the API accepts (a shortened compensation run name does not give one back). */
const EXECUTION_ID_PATTERN = /^[A-Za-z0-9._:-]{1,256}$/;

const EXECUTION_EVENTS: Readonly<Record<string, RunStatus>> = {
  [DetailType.ExecutionStarted]: "RUNNING",
  [DetailType.ExecutionSucceeded]: "SUCCEEDED",
  [DetailType.ExecutionFailed]: "FAILED",
  [DetailType.ExecutionCancelled]: "ABORTED",
  [DetailType.ExecutionTimedOut]: "TIMED_OUT",
};

const STEP_EVENTS = new Set<string>([
  DetailType.StepStarted,
  DetailType.StepSucceeded,
  DetailType.StepFailed,
  DetailType.StepRetried,
  DetailType.StepCompensated,
]);
const COMPENSATION_EVENTS = new Set<string>([
  DetailType.CompensationStarted,
  DetailType.CompensationCompleted,
  DetailType.CompensationFailed,
]);

/**
 * Relative order of event types that share a timestamp. Baton's `Execution *` events follow the
 * Step Functions status change they are published for (rank 0 for RUNNING, 9 for the others), so
 * a cause never sorts after its effect.
 */
const TYPE_RANK: Readonly<Record<string, number>> = {
  [DetailType.ExecutionStarted]: 1,
  [DetailType.StepStarted]: 2,
  [DetailType.StepRetried]: 3,
  [DetailType.StepSucceeded]: 4,
  [DetailType.StepFailed]: 4,
  [DetailType.CompensationStarted]: 5,
  [DetailType.StepCompensated]: 6,
  [DetailType.CompensationCompleted]: 7,
  [DetailType.CompensationFailed]: 7,
  [DetailType.ExecutionSucceeded]: 10,
  [DetailType.ExecutionFailed]: 10,
  [DetailType.ExecutionCancelled]: 10,
  [DetailType.ExecutionTimedOut]: 10,
};

function observeBaton(e: EventEnvelope, type: string, d: Detail): Observation {
  const rawId = str(d.executionId);
  if (rawId === undefined || rawId === "") return ignored(`"${type}" has no executionId`);
  const runStatus = EXECUTION_EVENTS[type];
  if (runStatus === undefined && !STEP_EVENTS.has(type) && !COMPENSATION_EVENTS.has(type)) {
    return ignored(`"${type}" is not an execution event`);
  }
  const id = executionIdOf(rawId);
  const time =
    iso(d.timestamp) ?? iso(d.time) ?? iso(d.at) ?? ownTime(type, d) ?? iso(e.time) ?? EPOCH;
  const redrive = num(d.redriveCount) ?? 0;
  const version = num(d.version);
  const workflow = str(d.workflow);
  const base: RecordState = {
    id,
    ...(workflow === undefined ? {} : { workflow }),
    ...(version === undefined ? {} : { version: { k: [VERSION_PRIORITY.event], v: version } }),
    firstSeen: time,
    lastSeen: time,
  };
  let delta: RecordState;
  if (runStatus !== undefined) {
    delta = { ...base, ...executionDelta(runStatus, d, time, redrive) };
  } else if (COMPENSATION_EVENTS.has(type)) {
    delta = { ...base, ...compensationDelta(type, d, time, redrive) };
  } else {
    const stepId = str(d.stepId);
    if (stepId === undefined || stepId === "") return ignored(`"${type}" has no stepId`);
    // A call inside a map reports its item (`<mapId>[<index>]`): each item has its own entry.
    const itemPath = str(d.itemPath);
    const key = itemPath === undefined || itemPath === "" ? stepId : `${itemPath}.${stepId}`;
    delta = {
      ...base,
      ...traceDelta(d, redrive),
      steps: { [key]: stepDelta(type, d, time, redrive) },
    };
  }
  const stepId = str(d.stepId);
  const attempt = num(d.attempt);
  return {
    kind: "observed",
    executionId: id,
    delta,
    order: orderKey(time, TYPE_RANK[type] ?? 8, e, d),
    event: {
      id: eventId(e),
      time,
      source: EVENT_SOURCE,
      type,
      ...(stepId === undefined ? {} : { stepId }),
      ...(attempt === undefined ? {} : { attempt }),
      detail: toJson(withReadableError(d)),
    },
  };
}

/**
 * The detail with `error.message` decoded once. Compensation events carry the recorded failure,
 * whose message is the raw `Cause` Step Functions caught: a Lambda error envelope around a JSON
 * service-call failure (three encodings deep); records and listings show the message itself.
 */
function withReadableError(d: Detail): Detail {
  const error = d.error;
  if (typeof error !== "object" || error === null || Array.isArray(error)) return d;
  const message = (error as Readonly<Record<string, unknown>>).message;
  if (typeof message !== "string") return d;
  const readable = parseCause(message).message ?? message;
  return readable === message ? d : { ...d, error: { ...error, message: readable } };
}

type Partial = Omit<RecordState, "id">;

function executionDelta(status: RunStatus, d: Detail, time: string, redrive: number): Partial {
  const error =
    status === "RUNNING" || status === "SUCCEEDED"
      ? undefined
      : (errorOf(d.error) ?? defaultError(status));
  const output = d.output === undefined ? undefined : toJson(d.output);
  return {
    ...(status === "RUNNING" ? { startedAt: time } : { stoppedAt: time }),
    run: runRegister(redrive, { status, ...(error === undefined ? {} : { error }) }),
    ...(output === undefined || status !== "SUCCEEDED"
      ? {}
      : { output: { k: [redrive], v: output } }),
  };
}

function compensationDelta(type: string, d: Detail, time: string, redrive: number): Partial {
  const phase =
    type === DetailType.CompensationStarted
      ? "RUNNING"
      : type === DetailType.CompensationCompleted
        ? "COMPLETED"
        : "FAILED";
  const stepId = str(d.stepId);
  const error = errorOf(d.error);
  const steps: Record<string, StepState> =
    phase === "FAILED" && stepId !== undefined
      ? {
          [stepId]: {
            compensation: {
              // Reported after every attempt: it outranks each attempt's own events.
              k: [redrive, time, Number.MAX_SAFE_INTEGER, STEP_COMPENSATION_RANK.FAILED],
              v: { status: "FAILED", ...(error === undefined ? {} : { error }) },
            },
          },
        }
      : {};
  return {
    compensation: {
      k: [redrive, COMPENSATION_RANK[phase]],
      v: phase,
    },
    ...(Object.keys(steps).length > 0 ? { steps } : {}),
  };
}

/**
 * One attempt's event. Registers are keyed `[redriveCount, attempt start, attempt, rank]`: a later
 * attempt (a retry, or the same attempt number after a redrive whose events carry no
 * `redriveCount`) always started later, so it wins over everything before it.
 */
function stepDelta(type: string, d: Detail, time: string, redrive: number): StepState {
  const attempt = Math.max(1, Math.trunc(num(d.attempt) ?? 1));
  const error = errorOf(d.error);
  const ended =
    type === DetailType.StepSucceeded ||
    type === DetailType.StepFailed ||
    type === DetailType.StepCompensated;
  const failed =
    type === DetailType.StepFailed ||
    (type === DetailType.StepCompensated && (error !== undefined || isFailedStatus(d.status)));
  const withError = failed && error !== undefined ? { error } : {};
  const durationMs = num(d.durationMs);
  const attemptStart =
    iso(d.startedAt) ??
    (ended && durationMs !== undefined ? (shift(time, -durationMs) ?? time) : time);
  if (type === DetailType.StepCompensated || d.mode === "compensate") {
    const status: StepCompensationStatus = !ended ? "RUNNING" : failed ? "FAILED" : "COMPENSATED";
    const outcome: StepOutcome<StepCompensationStatus> = { status, ...withError };
    const k = [redrive, attemptStart, attempt, STEP_COMPENSATION_RANK[status]];
    const maybeApplied =
      failed && error !== undefined && MAY_HAVE_TAKEN_EFFECT.includes(error.name);
    return { compensation: { k, v: outcome }, ...(maybeApplied ? { undoMaybeApplied: true } : {}) };
  }
  const status: StepRunStatus = !ended ? "RUNNING" : failed ? "FAILED" : "SUCCEEDED";
  const outcome: StepOutcome<StepRunStatus> = { status, ...withError };
  const instance = str(d.instance);
  return {
    run: { k: [redrive, attemptStart, attempt, STEP_RUN_RANK[status]], v: outcome },
    attempts: attempt,
    startedAt: attemptStart,
    ...(ended ? { endedAt: time } : {}),
    ...(ended && durationMs !== undefined && durationMs >= 0
      ? { durations: { [`${redrive}:${attemptStart}:${attempt}`]: durationMs } }
      : {}),
    ...(instance === undefined
      ? {}
      : { instance: { k: [redrive, attemptStart, attempt], v: instance } }),
  };
}

/**
 * The trace id a call sent to its service (`traceparent`), from its attempt's end event: the
 * latest run's earliest attempt wins (see `RecordState.traceId`).
 */
function traceDelta(d: Detail, redrive: number): Pick<RecordState, "traceId"> {
  const traceId = str(d.traceId);
  if (traceId === undefined || !TRACE_ID.test(traceId)) return {};
  const startedMs = Date.parse(str(d.startedAt) ?? "");
  return {
    traceId: {
      k: [redrive, Number.isFinite(startedMs) ? -startedMs : -Number.MAX_SAFE_INTEGER],
      v: traceId,
    },
  };
}

/** A W3C trace id: 32 lowercase hex digits. */
const TRACE_ID = /^[0-9a-f]{32}$/;

/** The event's own timestamp field: when an attempt or execution started or ended. */
function ownTime(type: string, d: Detail): string | undefined {
  if (
    type === DetailType.StepStarted ||
    type === DetailType.StepRetried ||
    type === DetailType.ExecutionStarted
  )
    return iso(d.startedAt);
  if (type.startsWith("Step ")) return iso(d.endedAt);
  if (type.startsWith("Execution ")) return iso(d.stoppedAt);
  return undefined;
}

const runRegister = (redrive: number, run: ExecutionRun): Register<ExecutionRun> => ({
  k: [
    redrive,
    run.status === "QUEUED" ? -1 : run.status === "RUNNING" ? 0 : 1,
    run.error === undefined ? 0 : run.error.step === undefined ? 1 : 2,
  ],
  v: run,
});

function defaultError(status: RunStatus): ExecutionError {
  if (status === "ABORTED")
    return { name: BatonError.Cancelled, message: "The execution was cancelled." };
  if (status === "TIMED_OUT")
    return { name: "States.Timeout", message: "The execution timed out." };
  return { name: "States.Runtime", message: "The execution failed." };
}

/** Reads SFN `error`/`cause`; the cause may be a Baton failure, a Lambda error envelope or plain text. */
export function sfnError(status: RunStatus, d: Detail): ExecutionError {
  const name = str(d.error);
  const cause = str(d.cause);
  if (name === undefined && cause === undefined) return defaultError(status);
  const parsed = parseCause(cause);
  return {
    name: name ?? defaultError(status).name,
    message: parsed.message ?? cause ?? "",
    ...(parsed.step === undefined ? {} : { step: parsed.step }),
  };
}

function errorOf(value: unknown): ExecutionError | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const o = value as Readonly<Record<string, unknown>>;
  const name = str(o.name);
  if (name === undefined) return undefined;
  const message = str(o.message);
  const parsed = parseCause(message);
  // A saga event published straight from a caught failure carries its cause text as `message`.
  const step = str(o.step) ?? parsed.step;
  return {
    name,
    message: message === undefined ? "" : (parsed.message ?? message),
    ...(step === undefined ? {} : { step }),
  };
}

const isFailedStatus = (value: unknown): boolean =>
  value === "FAILED" || value === "COMPENSATION_FAILED";

function isRunStatus(value: string | undefined): value is RunStatus {
  return (
    value === "RUNNING" ||
    value === "SUCCEEDED" ||
    value === "FAILED" ||
    value === "TIMED_OUT" ||
    value === "ABORTED"
  );
}

function orderKey(time: string, rank: number, e: EventEnvelope, d: Detail): string {
  const attempt = num(d.attempt) ?? 0;
  return `${time}#${String(rank).padStart(2, "0")}#${String(attempt).padStart(4, "0")}#${eventId(e)}`;
}

function eventId(e: EventEnvelope): string {
  if (typeof e.id === "string" && e.id !== "") return e.id;
  return createHash("sha256").update(JSON.stringify(e)).digest("hex").slice(0, 32);
}

const EPOCH = "1970-01-01T00:00:00.000Z";

const ignored = (reason: string): Observation => ({ kind: "ignored", reason });

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const num = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) ? value : undefined;

/** Normalizes a timestamp to `toISOString()` form so string order is time order. */
function iso(value: unknown): string | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const ms = typeof value === "number" ? value : Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

const isoFromMs = (value: unknown): string | undefined =>
  typeof value === "number" ? iso(value) : undefined;

function shift(time: string, ms: number): string | undefined {
  return iso(Date.parse(time) + ms);
}

function parseJsonText(value: unknown): Json | undefined {
  if (typeof value !== "string") return undefined;
  try {
    return JSON.parse(value) as Json;
  } catch {
    return undefined;
  }
}

function toJson(value: unknown): Json {
  return JSON.parse(JSON.stringify(value ?? null)) as Json;
}

/** The delta the API records when it starts an execution (before Step Functions reports it). */
export function startDelta(
  id: string,
  workflow: { readonly name: string; readonly version: number },
  input: Json,
  startedAt: string | undefined,
  origin: StartOrigin = {},
): RecordState {
  const time = startedAt === undefined ? undefined : iso(startedAt);
  return {
    ...originDelta(id, origin),
    workflow: workflow.name,
    version: { k: [VERSION_PRIORITY.api], v: workflow.version },
    ...(time === undefined ? {} : { startedAt: time, firstSeen: time, lastSeen: time }),
    input: { k: [0], v: input },
    run: runRegister(0, { status: "RUNNING" }),
  };
}

/** Who started an execution: an API caller (IAM ARN, JWT `sub`, `anonymous`) or a trigger. */
export interface Starter {
  readonly by: string;
  readonly source: keyof typeof STARTER_PRIORITY;
}

/** Records who started an execution (`startedBy` in its document). */
export function starterDelta(id: string, starter: Starter): RecordState {
  return { id, startedBy: { k: [STARTER_PRIORITY[starter.source]], v: starter.by.slice(0, 256) } };
}

/** How a start was asked for: who asked, and whether it named its version (`?version=`/`?alias=`). */
export interface StartOrigin {
  readonly startedBy?: Starter;
  readonly versionPinned?: boolean;
  /** The trace the engine's start joined (`StartedExecution.traceId`). */
  readonly traceId?: string;
}

/** Below every call's key (`traceDelta`): what a call sent outranks the trace the start joined. */
const START_TRACE_KEY = [-1] as const;

/** The starter and pinning of a start (`startedBy`, `versionPinned` in its document). */
export function originDelta(id: string, origin: StartOrigin): RecordState {
  return {
    id,
    ...(origin.startedBy === undefined ? {} : starterDelta(id, origin.startedBy)),
    ...(origin.versionPinned === undefined
      ? {}
      : { versionPinned: { k: [0], v: origin.versionPinned } }),
    ...(origin.traceId === undefined || !TRACE_ID.test(origin.traceId)
      ? {}
      : { traceId: { k: START_TRACE_KEY, v: origin.traceId } }),
  };
}

/**
 * The delta of a start that waits for a concurrency slot (`QUEUED`): the engine has not started
 * it; the start (`startDelta`, RUNNING) or a cancel (`queuedCancelDelta`) outranks it.
 */
export function queuedDelta(
  id: string,
  workflow: { readonly name: string; readonly version: number },
  input: Json,
  queuedAt: string,
): RecordState {
  const time = iso(queuedAt) ?? EPOCH;
  return {
    id,
    workflow: workflow.name,
    version: { k: [VERSION_PRIORITY.api], v: workflow.version },
    firstSeen: time,
    lastSeen: time,
    input: { k: [0], v: input },
    run: runRegister(0, { status: "QUEUED" }),
  };
}

/** The delta of a queued start cancelled before it started: it ends CANCELLED, nothing ran. */
export function queuedCancelDelta(id: string, at: string, message: string): RecordState {
  const time = iso(at) ?? EPOCH;
  return {
    id,
    stoppedAt: time,
    lastSeen: time,
    cancel: { k: [0], v: { compensate: false } },
    run: runRegister(0, {
      status: "ABORTED",
      error: { name: BatonError.Cancelled, message },
    }),
  };
}

/** The delta of a pause (`paused: true`) or resume; `version` orders them (the latest wins). */
export function pauseDelta(id: string, version: number, paused: boolean): RecordState {
  return { id, pause: { k: [version], v: { paused } } };
}

/** The delta the API records when it cancels an execution. */
export function cancelDelta(id: string, compensate: boolean): RecordState {
  return { id, cancel: { k: [compensate ? 1 : 0], v: { compensate } } };
}
