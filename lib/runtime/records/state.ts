/**
 * The stored state of an execution record: a join-semilattice (a state-based CRDT). Every event is
 * turned into a small state of the same type (a delta) and merged; `merge` is commutative,
 * associative and idempotent, so any order of delivery, with any duplicates, converges to the same
 * state. The execution document is then a pure function of that state (`toDocument`).
 *
 * Conflicting values are "registers" ordered by a key; the greater key wins and equal keys are
 * broken by canonical JSON, so the outcome never depends on arrival order:
 * - the execution's run: `[redriveCount, phase]` (a terminal status beats RUNNING of the same run,
 *   a redriven run beats every earlier one);
 * - a step's run and its compensation: `[redriveCount, attempt start, attempt, rank]`, so the
 *   latest attempt wins (retries, and redriven runs whose step events lack `redriveCount`), and
 *   inside one attempt RUNNING < SUCCEEDED (COMPENSATED) < FAILED;
 * - the compensation phase: `[redriveCount, rank]` with RUNNING < COMPLETED < FAILED.
 * Timestamps merge with min (starts) and max (ends); attempts and durations with max.
 */
import type { Json } from "../../core/model.ts";
import type { ExecutionError } from "./document.ts";
import type { TracedStatus } from "./trace.ts";

export type Key = readonly (number | string)[];

export interface Register<T> {
  readonly k: Key;
  readonly v: T;
}

/** `QUEUED`: waiting for a concurrency slot; every other status of the same run outranks it. */
export type RunStatus = "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";
export type StepRunStatus = "RUNNING" | "FAILED" | "SUCCEEDED";
export type StepCompensationStatus = "RUNNING" | "FAILED" | "COMPENSATED";
export type CompensationPhase = "RUNNING" | "COMPLETED" | "FAILED";

export interface ExecutionRun {
  readonly status: RunStatus;
  readonly error?: ExecutionError;
}

export interface StepOutcome<S extends string> {
  readonly status: S;
  readonly error?: ExecutionError;
}

export interface StepState {
  readonly run?: Register<StepOutcome<StepRunStatus>>;
  readonly compensation?: Register<StepOutcome<StepCompensationStatus>>;
  /**
   * An attempt of the step's undo failed in a way that may have undone it anyway (it timed out or
   * lost its connection after sending): once true, always true.
   */
  readonly undoMaybeApplied?: true;
  readonly attempts?: number;
  readonly startedAt?: string;
  readonly endedAt?: string;
  /** Milliseconds per attempt, keyed `<redriveCount>:<attempt start>:<attempt>`. */
  readonly durations?: { readonly [attempt: string]: number };
  readonly instance?: Register<string>;
  /** The step's status read from a finished run's state trace (`trace.ts`), keyed `[redriveCount]`. */
  readonly traced?: Register<TracedStatus>;
}

export interface RecordState {
  readonly id: string;
  readonly workflow?: string;
  /** Keyed by source priority (`VERSION_PRIORITY`): the API's start beats a catalogue lookup. */
  readonly version?: Register<number>;
  readonly startedAt?: string;
  readonly stoppedAt?: string;
  /** Earliest and latest time of any event seen, fallbacks for missing start and stop times. */
  readonly firstSeen?: string;
  readonly lastSeen?: string;
  readonly run?: Register<ExecutionRun>;
  /** Who started it, keyed by `STARTER_PRIORITY`: an API caller beats a trigger. */
  readonly startedBy?: Register<string>;
  /** Whether the start named its version (`?version=` or `?alias=`); recorded by the API's start. */
  readonly versionPinned?: Register<boolean>;
  /**
   * The trace id the execution's service calls sent (`traceparent`), keyed `[redriveCount, -attempt
   * start ms]`: the latest run's earliest call wins (in AWS every call of a run shares the X-Ray
   * trace). Before any call reports, the trace the start joined, keyed `[-1]`.
   */
  readonly traceId?: Register<string>;
  readonly input?: Register<Json>;
  readonly output?: Register<Json>;
  readonly compensation?: Register<CompensationPhase>;
  /** A cancel asked through the API; `compensate: true` wins over false. */
  readonly cancel?: Register<{ readonly compensate: boolean }>;
  /** Pause and resume through the API, keyed `[pause version]` (`lib/runtime/pause/`): the latest wins. */
  readonly pause?: Register<{ readonly paused: boolean }>;
  readonly steps?: { readonly [id: string]: StepState };
}

/** Source priority of the recorded starter. */
export const STARTER_PRIORITY = { workflow: 1, trigger: 1, api: 2 } as const;

/** Source priority of the recorded workflow version. */
export const VERSION_PRIORITY = { catalogue: 0, event: 1, api: 2 } as const;

export const STEP_RUN_RANK: Readonly<Record<StepRunStatus, number>> = {
  RUNNING: 0,
  SUCCEEDED: 1,
  FAILED: 2,
};
export const STEP_COMPENSATION_RANK: Readonly<Record<StepCompensationStatus, number>> = {
  RUNNING: 0,
  COMPENSATED: 1,
  FAILED: 2,
};
export const COMPENSATION_RANK: Readonly<Record<CompensationPhase, number>> = {
  RUNNING: 0,
  COMPLETED: 1,
  FAILED: 2,
};

export function merge(a: RecordState, b: RecordState): RecordState {
  return compact({
    id: maxString(a.id, b.id) ?? a.id,
    workflow: maxString(a.workflow, b.workflow),
    version: pick(a.version, b.version),
    startedAt: minString(a.startedAt, b.startedAt),
    stoppedAt: maxString(a.stoppedAt, b.stoppedAt),
    firstSeen: minString(a.firstSeen, b.firstSeen),
    lastSeen: maxString(a.lastSeen, b.lastSeen),
    run: pick(a.run, b.run),
    startedBy: pick(a.startedBy, b.startedBy),
    versionPinned: pick(a.versionPinned, b.versionPinned),
    traceId: pick(a.traceId, b.traceId),
    input: pick(a.input, b.input),
    output: pick(a.output, b.output),
    compensation: pick(a.compensation, b.compensation),
    cancel: pick(a.cancel, b.cancel),
    pause: pick(a.pause, b.pause),
    steps: mergeSteps(a.steps, b.steps),
  });
}

function mergeSteps(
  a: RecordState["steps"],
  b: RecordState["steps"],
): RecordState["steps"] | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const ids = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const result: Record<string, StepState> = {};
  for (const id of ids) {
    const x = a[id];
    const y = b[id];
    result[id] = x === undefined ? (y ?? {}) : y === undefined ? x : mergeStep(x, y);
  }
  return result;
}

function mergeStep(a: StepState, b: StepState): StepState {
  return compact({
    run: pick(a.run, b.run),
    compensation: pick(a.compensation, b.compensation),
    undoMaybeApplied: a.undoMaybeApplied ?? b.undoMaybeApplied,
    attempts: maxNumber(a.attempts, b.attempts),
    startedAt: minString(a.startedAt, b.startedAt),
    endedAt: maxString(a.endedAt, b.endedAt),
    durations: mergeMax(a.durations, b.durations),
    instance: pick(a.instance, b.instance),
    traced: pick(a.traced, b.traced),
  });
}

function mergeMax(
  a: { readonly [k: string]: number } | undefined,
  b: { readonly [k: string]: number } | undefined,
): { readonly [k: string]: number } | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const result: Record<string, number> = {};
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    result[key] = Math.max(a[key] ?? Number.NEGATIVE_INFINITY, b[key] ?? Number.NEGATIVE_INFINITY);
  }
  return result;
}

/** The register with the greater key; equal keys are broken by canonical JSON (a total order). */
export function pick<T>(
  a: Register<T> | undefined,
  b: Register<T> | undefined,
): Register<T> | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const byKey = compareKeys(a.k, b.k);
  if (byKey !== 0) return byKey > 0 ? a : b;
  // The same value (a record merged with what it already holds): no serialisation needed.
  if (a.v === b.v) return a;
  return canonicalJson(a.v) >= canonicalJson(b.v) ? a : b;
}

export function compareKeys(a: Key, b: Key): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === "number" && typeof y === "number") return x < y ? -1 : 1;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

/** JSON with object keys sorted, so equal values have equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([x], [y]) =>
            x < y ? -1 : x > y ? 1 : 0,
          ),
        )
      : v,
  );
}

export function sameState(a: RecordState, b: RecordState): boolean {
  return a === b || canonicalJson(a) === canonicalJson(b);
}

const minString = (a: string | undefined, b: string | undefined): string | undefined =>
  a === undefined ? b : b === undefined ? a : a <= b ? a : b;
const maxString = (a: string | undefined, b: string | undefined): string | undefined =>
  a === undefined ? b : b === undefined ? a : a >= b ? a : b;
const maxNumber = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);

/** Drops undefined fields so states compare and serialize identically. */
function compact<T extends object>(value: { [K in keyof T]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
