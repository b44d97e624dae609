/**
 * The local execution engine: runs compiled ASL with aws-local-stepfunctions in this process, as
 * Step Functions would run it in AWS.
 *
 * - `start` returns at once; the execution runs in the background and reports Step Functions
 *   "Execution Status Change" events (RUNNING, then SUCCEEDED / FAILED / TIMED_OUT / ABORTED).
 * - Tasks are routed by kind (see `machine.ts`) to the runtime: service calls to the real
 *   service-call handler, `emit` to the local bus, `await` to a task token parked by the real
 *   await-signal handler and resumed by `sendTaskSuccess`/`sendTaskFailure`, child workflows to
 *   nested executions of this engine (`startExecution.sync:2` semantics).
 * - `stop` aborts the interpreter, fails the execution's waiting tokens, aborts its service calls
 *   in flight (their outcomes are collected by `stopped`) and stops its children.
 * - `redrive` re-runs the execution from the top with its original input, replaying the recorded
 *   result of every task that already succeeded instead of running it again, so work resumes at
 *   the failed step. Work that a compensation undid is not replayed: a compensation that succeeds
 *   drops the results of its step, so that step runs again. Status events carry `redriveCount`.
 * - Executions that were RUNNING when the process stopped are found in the journal at startup
 *   and resumed (`resumeInterrupted`): replayed up to where they stopped, or, when their saga had
 *   started compensating, run to the end of that compensation without going forward again. The
 *   journal gets a new execution, a final status and the start of a compensation on disk before
 *   anything else hears of them, so nothing is lost or left RUNNING by a `kill -9`.
 * - `results` gives what a compensation-only run needs, read as `GetExecutionHistory` gives it in
 *   AWS: the union of `$.steps` over every state the interpreter exited (its event log). Recorded
 *   task results are not used: they are raw task outputs (before `ResultSelector`), not `$.steps`.
 */

import { createHash, randomUUID } from "node:crypto";
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
} from "aws-local-stepfunctions";
import { stateName } from "../core/compiler/state-names.ts";
import type {
  AwaitSignalRequest,
  ChildInputRequest,
  ServiceCallRequest,
  ServiceCallResult,
} from "../core/contract.ts";
import { EntryRedirectError, entryRequest } from "../core/entry-request.ts";
import { isRetryable } from "../core/errors.ts";
import { executionInputOf, isExecutionState } from "../core/execution-state.ts";
import type { Json } from "../core/model.ts";
import { type RecordedFailure, recordedFailure } from "../core/recorded-failure.ts";
import { DetailType, EVENT_SOURCE } from "../core/wire.ts";
import {
  collectItemSteps,
  collectSteps,
  type ExecutionResults,
} from "../runtime/execution-engine.ts";
import type { PutEntry } from "./event-bus.ts";
import { InFlightCalls, type SettledCall } from "./in-flight-calls.ts";
import {
  type EngineStatus,
  type ExecutionEntry,
  ExecutionJournal,
  type RecordedResult,
  type StateTrace,
} from "./journal.ts";
import {
  executionArn,
  LOCAL_EVENT_BUS,
  type PreparedMachine,
  RUN_PARAMETER,
  stateBeingEvaluated,
  stateMachineArn,
  type TaskInfo,
  workflowOfArn,
} from "./machine.ts";
import { TaskTokens, taskError } from "./task-tokens.ts";

export const INTERRUPTED = "Baton.Interrupted";

/** Detail of a Step Functions "Execution Status Change" event (the fields Step Functions sends). */
export interface StatusChangeDetail {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: EngineStatus;
  readonly startDate: number;
  readonly stopDate: number | null;
  readonly input: string;
  readonly inputDetails: { readonly included: true };
  readonly output: string | null;
  readonly outputDetails: { readonly included: true } | null;
  readonly error: string | null;
  readonly cause: string | null;
  readonly redriveCount: number;
  readonly redriveDate: number | null;
}

/** What the engine needs from the rest of the runtime. */
export interface EngineRuntime {
  /**
   * The service-call task (the real handler). Throws `Baton.*` errors; aborts its request when
   * `signal` aborts (the execution stopped), failing with `Baton.Cancelled`.
   */
  callService(
    request: ServiceCallRequest,
    meta: { readonly redriveCount: number; readonly signal: AbortSignal },
  ): Promise<ServiceCallResult>;
  /** `emit` tasks: puts entries on the local bus. */
  emit(entries: readonly PutEntry[]): void;
  /** The await-signal task: parks the token (it may complete it at once when the signal came early). */
  parkSignal(request: AwaitSignalRequest): Promise<void>;
  /** Step Functions status changes (onto the bus, for the execution records). */
  statusChanged(detail: StatusChangeDetail): void;
  /**
   * The child-input task of a `workflow` step (the start-execution handler's check): resolves the
   * child's input and checks it against the child's schema; throws `Baton.*` errors (the step
   * then fails and the child never runs).
   */
  checkChildInput(request: ChildInputRequest): Promise<Json>;
}

export interface LocalEngineOptions {
  readonly machines: (workflow: string) => PreparedMachine | undefined;
  readonly runtime: EngineRuntime;
  readonly journal?: ExecutionJournal;
  /** Zero pauses for `Retry` and `Wait` states (a virtual clock for tests). @default false */
  readonly skipDelays?: boolean;
  /**
   * With `skipDelays`, compensations (`<id>#undo`) still wait their retry intervals, so an undo's
   * attempts spread over its backoff as they do in AWS instead of running back to back. @default false
   */
  readonly realUndoDelays?: boolean;
  /** Maps an await step's timeout (seconds) to the one enforced. @default identity */
  readonly awaitTimeout?: (seconds: number) => number;
  /** Told of each execution `start` creates (its id is new to the journal), before it runs. */
  readonly onNewExecution?: (executionId: string) => void;
  readonly newId?: () => string;
  readonly now?: () => number;
}

export interface StartOptions {
  /** Execution id (name); generated when absent. `[A-Za-z0-9_-]{1,80}`. */
  readonly executionId?: string;
  readonly parentId?: string;
}

export interface LocalExecutionDescription {
  readonly executionId: string;
  readonly executionArn: string;
  readonly workflow: string;
  readonly status: EngineStatus;
  readonly input: Json;
  readonly output: Json | null;
  readonly error: string | null;
  readonly cause: string | null;
  readonly startDate: number;
  readonly stopDate: number | null;
  readonly redriveCount: number;
  readonly redriveDate: number | null;
  readonly parentId: string | null;
}

export class LocalEngineError extends Error {
  /** Step Functions-style code: ExecutionDoesNotExist, ExecutionAlreadyExists, ExecutionNotRedrivable, StateMachineDoesNotExist, InvalidName. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = code;
    this.code = code;
  }
}

const NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** How long `stop` waits for the calls it aborted before counting them as unknown outcomes. */
const STOP_SETTLE_MS = 5_000;

interface Live {
  abort: () => void;
  readonly calls: InFlightCalls;
  stopRequest: { error: string | null; cause: string | null } | undefined;
  readonly done: Promise<void>;
  readonly children: Set<string>;
}

export class LocalEngine {
  readonly #options: LocalEngineOptions;
  readonly #journal: ExecutionJournal;
  readonly #tokens = new TaskTokens();
  readonly #live = new Map<string, Live>();
  readonly #waiters = new Map<string, Set<() => void>>();
  /** What the calls in flight at each stop did, until `stopped` collects it. */
  readonly #stops = new Map<string, Promise<SettledCall[]>>();
  readonly #newId: () => string;
  readonly #now: () => number;
  #crashed = false;

  private constructor(options: LocalEngineOptions, journal: ExecutionJournal) {
    this.#options = options;
    this.#journal = journal;
    this.#newId = options.newId ?? randomUUID;
    this.#now = options.now ?? Date.now;
  }

  static async create(options: LocalEngineOptions): Promise<LocalEngine> {
    return new LocalEngine(options, options.journal ?? (await ExecutionJournal.open()));
  }

  /** Starts an execution; returns as soon as it is RUNNING. */
  start(workflow: string, input: Json, options: StartOptions = {}): LocalExecutionDescription {
    if (this.#options.machines(workflow) === undefined) {
      throw new LocalEngineError("StateMachineDoesNotExist", `Workflow ${workflow} is not loaded.`);
    }
    const id = options.executionId ?? this.#newId();
    if (!NAME.test(id))
      throw new LocalEngineError(
        "InvalidName",
        `Execution name "${id}" must match ${NAME.source}.`,
      );
    if (this.#journal.get(id) !== undefined) {
      throw new LocalEngineError("ExecutionAlreadyExists", `Execution ${id} already exists.`);
    }
    const entry: ExecutionEntry = {
      id,
      workflow,
      input,
      status: "RUNNING",
      startDate: this.#now(),
      stopDate: null,
      output: null,
      error: null,
      cause: null,
      redriveCount: 0,
      redriveDate: null,
      parentId: options.parentId ?? null,
      results: {},
    };
    this.#journal.put(entry);
    // On disk before anyone hears of it: a crash from here on finds it in the journal.
    this.#journal.writeNow(id);
    this.#options.onNewExecution?.(id);
    if (options.parentId !== undefined) this.#live.get(options.parentId)?.children.add(id);
    this.#launch(entry);
    return describeEntry(entry);
  }

  /** Stops a running execution (Step Functions `StopExecution`). */
  stop(
    executionId: string,
    details: { error?: string; cause?: string } = {},
  ): LocalExecutionDescription {
    const entry = this.#require(executionId);
    const live = this.#live.get(executionId);
    if (entry.status === "RUNNING" && live !== undefined) {
      live.stopRequest = { error: details.error ?? null, cause: details.cause ?? null };
      live.abort();
      this.#stops.set(executionId, live.calls.abort(STOP_SETTLE_MS));
      this.#tokens.abandon(executionId, taskError("States.Runtime", "The execution was stopped."));
      for (const child of live.children) {
        if (this.#journal.get(child)?.status === "RUNNING") this.stop(child, details);
      }
    }
    return describeEntry(entry);
  }

  /**
   * What the service calls in flight when `stop` stopped the execution did: `stop` aborts them
   * and this waits (at most a few seconds) for them to settle. Empty when nothing was in flight.
   */
  async stopped(executionId: string): Promise<SettledCall[]> {
    const settled = this.#stops.get(executionId);
    this.#stops.delete(executionId);
    return (await settled) ?? [];
  }

  /** Redrives a FAILED, TIMED_OUT or ABORTED execution (see the module comment). */
  redrive(executionId: string): LocalExecutionDescription {
    const entry = this.#require(executionId);
    if (entry.status === "RUNNING" || entry.status === "SUCCEEDED") {
      throw new LocalEngineError(
        "ExecutionNotRedrivable",
        `Execution ${executionId} is ${entry.status}; only failed, timed-out or aborted executions can be redriven.`,
      );
    }
    if (this.#options.machines(entry.workflow) === undefined) {
      throw new LocalEngineError(
        "StateMachineDoesNotExist",
        `Workflow ${entry.workflow} is not loaded.`,
      );
    }
    entry.status = "RUNNING";
    entry.redriveCount += 1;
    entry.redriveDate = this.#now();
    entry.stopDate = null;
    entry.output = null;
    entry.error = null;
    entry.cause = null;
    delete entry.compensating;
    this.#journal.writeNow(entry.id);
    this.#launch(entry);
    return describeEntry(entry);
  }

  sendTaskSuccess(taskToken: string, output: Json): void {
    this.#tokens.succeed(taskToken, output);
  }

  sendTaskFailure(taskToken: string, error: string, cause: string): void {
    this.#tokens.fail(taskToken, error, cause);
  }

  describe(executionId: string): LocalExecutionDescription | undefined {
    const entry = this.#journal.get(executionId);
    return entry === undefined ? undefined : describeEntry(entry);
  }

  /**
   * The input and the step results of the current run so far (see the module comment), stopped
   * executions included; undefined when the execution does not exist.
   */
  async results(executionId: string): Promise<ExecutionResults | undefined> {
    // The event log is read asynchronously: let it catch up with what the interpreter did.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const entry = this.#journal.get(executionId);
    if (entry === undefined) return undefined;
    return {
      // The API starts executions with their state built: the execution's input is inside it.
      input: executionInputOf(entry.input),
      steps: { ...(entry.steps ?? {}) },
      ...(entry.items === undefined || Object.keys(entry.items).length === 0
        ? {}
        : { items: structuredClone(entry.items) }),
    };
  }

  /**
   * The states the latest run entered and exited (as `GetExecutionHistory` lists them), for the
   * records to tell which steps ran, failed or were skipped; undefined for an unknown execution.
   */
  async trace(executionId: string): Promise<StateTrace | undefined> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const trace = this.#journal.get(executionId)?.trace;
    return trace === undefined
      ? undefined
      : { entered: [...new Set(trace.entered)], exited: [...new Set(trace.exited)] };
  }

  list(): LocalExecutionDescription[] {
    return this.#journal.all().map(describeEntry);
  }

  /** Resolves with the description once the execution is no longer RUNNING. */
  async waitFor(executionId: string): Promise<LocalExecutionDescription> {
    const entry = this.#require(executionId);
    if (entry.status !== "RUNNING") return describeEntry(entry);
    await new Promise<void>((resolve) => {
      const set = this.#waiters.get(executionId) ?? new Set();
      set.add(resolve);
      this.#waiters.set(executionId, set);
    });
    return describeEntry(this.#require(executionId));
  }

  /**
   * Resumes the executions a previous process left RUNNING (it was killed): each runs again from
   * the top, replaying the recorded result of every task that finished, so work continues where
   * it stopped without being done twice (calls in flight are sent again with the same
   * `Idempotency-Key`). One whose saga had started compensating finishes its compensation instead
   * (see `#refuseForwardWork`). Returns the ids, by how they resume.
   */
  resumeInterrupted(): { resumed: string[]; compensating: string[] } {
    const resumed: string[] = [];
    const compensating: string[] = [];
    for (const entry of this.#journal.all()) {
      if (entry.status !== "RUNNING" || this.#live.has(entry.id)) continue;
      if (this.#options.machines(entry.workflow) === undefined) {
        this.#finish(entry, {
          status: "FAILED",
          error: INTERRUPTED,
          cause: JSON.stringify({
            message: `The local server stopped while this execution was running, and its workflow ${entry.workflow} is no longer loaded; load it and redrive the execution.`,
            step: "",
          }),
        });
        continue;
      }
      (entry.compensating === undefined ? resumed : compensating).push(entry.id);
      this.#launch(entry);
    }
    return { resumed, compensating };
  }

  /**
   * Brings the execution records up to the journal after a crash: a final status the journal
   * holds but whose status event was lost with the process is reported again. `recorded` gives
   * the status a record holds (undefined when there is none).
   */
  async reconcileRecords(recorded: (id: string) => Promise<string | undefined>): Promise<string[]> {
    const reported: string[] = [];
    for (const entry of this.#journal.all()) {
      if (entry.status === "RUNNING" || this.#live.has(entry.id)) continue;
      const status = await recorded(entry.id);
      if (status !== undefined && status !== "RUNNING") continue;
      this.#report(entry);
      reported.push(entry.id);
    }
    return reported;
  }

  /** Executions currently running in this process. */
  get running(): number {
    return this.#live.size;
  }

  /**
   * Stops every running execution without reporting it: the process is going away, and the
   * journal keeps them RUNNING so the next process fails them with `Baton.Interrupted`.
   */
  async close(): Promise<void> {
    this.#crashed = true;
    for (const live of this.#live.values()) live.abort();
    for (const id of this.#live.keys())
      this.#tokens.abandon(id, taskError("States.Runtime", "The process stopped."));
    await Promise.allSettled([...this.#live.values()].map((l) => l.done));
    await this.#journal.close();
  }

  #require(executionId: string): ExecutionEntry {
    const entry = this.#journal.get(executionId);
    if (entry === undefined)
      throw new LocalEngineError(
        "ExecutionDoesNotExist",
        `Execution ${executionId} does not exist.`,
      );
    return entry;
  }

  #launch(entry: ExecutionEntry): void {
    const machine = this.#options.machines(entry.workflow) as PreparedMachine;
    this.#report(entry);
    const run = new ExecutionRun(this, entry, machine);
    const execution = machine.machine.run(entry.input as never, {
      overrides: {
        taskResourceLocalHandlers: run.handlers() as never,
        // Finishing a compensation, the failed step fails again at once: no waits between its
        // tries, which would only replay the original failure. Its undos keep their backoff.
        ...(entry.compensating !== undefined && this.#options.skipDelays !== true
          ? { retryIntervalOverrides: zeroWaits(machine.retryStates.filter((s) => !isUndo(s))) }
          : {}),
        ...(this.#options.skipDelays === true
          ? {
              retryIntervalOverrides: zeroWaits(
                this.#options.realUndoDelays === true
                  ? machine.retryStates.filter((s) => !isUndo(s))
                  : machine.retryStates,
              ),
              waitTimeOverrides: zeroWaits(machine.waitStates),
            }
          : {}),
      },
      context: run.context() as never,
    });
    entry.steps = {};
    entry.trace = { entered: [], exited: [] };
    entry.items = {};
    void collectRunSteps(execution.eventLogs, entry.steps, entry.trace, entry.items);
    const live: Live = {
      abort: execution.abort,
      calls: run.calls,
      stopRequest: undefined,
      children: new Set(),
      done: execution.result.then(
        (output) => this.#settle(entry, { status: "SUCCEEDED", output: (output ?? null) as Json }),
        (error: unknown) => this.#settle(entry, outcomeOf(error, live.stopRequest)),
      ),
    };
    this.#live.set(entry.id, live);
  }

  #settle(entry: ExecutionEntry, outcome: Outcome): void {
    this.#live.delete(entry.id);
    if (this.#crashed) return;
    this.#finish(entry, outcome);
  }

  #finish(entry: ExecutionEntry, outcome: Outcome): void {
    entry.status = outcome.status;
    entry.stopDate = this.#now();
    entry.output = outcome.output ?? null;
    entry.error = outcome.error ?? null;
    entry.cause = outcome.cause ?? null;
    // On disk before the status event: at the next start the journal is the truth the records
    // are brought up to (`reconcileRecords`).
    this.#journal.writeNow(entry.id);
    this.#report(entry);
    const waiters = this.#waiters.get(entry.id);
    this.#waiters.delete(entry.id);
    for (const wake of waiters ?? []) wake();
  }

  #report(entry: ExecutionEntry): void {
    this.#options.runtime.statusChanged(statusDetail(entry));
  }

  // Used by ExecutionRun -------------------------------------------------------------------------

  /** @internal */
  get runtime(): EngineRuntime {
    return this.#options.runtime;
  }

  /** @internal */
  get tokens(): TaskTokens {
    return this.#tokens;
  }

  /** @internal */
  awaitTimeout(seconds: number): number {
    return this.#options.awaitTimeout?.(seconds) ?? seconds;
  }

  /** @internal */
  record(entry: ExecutionEntry): void {
    this.#journal.touch(entry.id);
  }

  /** @internal Pause between the resends of a call whose outcome a crash left uncertain. */
  get resendPauseMs(): number {
    return this.#options.skipDelays === true ? 0 : 1_000;
  }

  /** @internal Resolves once the entry is on disk (`ExecutionJournal.durable`). */
  recordNow(entry: ExecutionEntry): Promise<void> {
    return this.#journal.durable(entry.id);
  }
}

/** `$$.BatonRun`: which (sub-)execution a Task runs in (see `context`). */
interface RunRef {
  readonly run: number;
}

const zeroWaits = (states: readonly string[]): Record<string, number> =>
  Object.fromEntries(states.map((s) => [s, 0]));

/** A compensation's Task (`<id>#undo`, also inside map item processors). */
const isUndo = (state: string): boolean => state.endsWith(stateName.undo(""));

/** Resends of a call a crash left uncertain, before its transient failure counts. */
const UNCERTAIN_TRIES = 10;

const isUndoWork = (result: RecordedResult): boolean =>
  result.undone !== undefined || result.undo !== undefined;

type Outcome = {
  readonly status: EngineStatus;
  readonly output?: Json;
  readonly error?: string | null;
  readonly cause?: string | null;
};

function outcomeOf(error: unknown, stop: Live["stopRequest"]): Outcome {
  if (error instanceof ExecutionAbortedError) {
    return { status: "ABORTED", error: stop?.error ?? null, cause: stop?.cause ?? null };
  }
  if (error instanceof ExecutionTimeoutError) {
    return {
      status: "TIMED_OUT",
      error: "States.Timeout",
      cause: "The execution exceeded its TimeoutSeconds.",
    };
  }
  if (error instanceof ExecutionError && error.cause instanceof Error) {
    return { status: "FAILED", error: error.cause.name, cause: error.cause.message };
  }
  const failure = error instanceof Error ? error : new Error(String(error));
  return { status: "FAILED", error: "States.Runtime", cause: failure.message };
}

/**
 * Unions `$.steps` of every state exited into `steps` and notes the states entered and exited in
 * `trace`; ends when the run does (its log closes).
 */
async function collectRunSteps(
  events: AsyncIterable<{
    readonly type: string;
    readonly state?: { readonly name?: string; readonly output?: unknown };
  }>,
  steps: Record<string, Json>,
  trace: StateTrace,
  items: Record<string, Record<number, Record<string, Json>>>,
): Promise<void> {
  for await (const event of events) {
    const name = event.state?.name;
    if (event.type === "StateEntered" && name !== undefined) trace.entered.push(name);
    if (event.type !== "StateExited") continue;
    if (name !== undefined) trace.exited.push(name);
    collectSteps(steps, event.state?.output);
    collectItemSteps(items, event.state?.output);
  }
}

function describeEntry(entry: ExecutionEntry): LocalExecutionDescription {
  return {
    executionId: entry.id,
    executionArn: executionArn(entry.workflow, entry.id),
    workflow: entry.workflow,
    status: entry.status,
    input: executionInputOf(entry.input),
    output: entry.output,
    error: entry.error,
    cause: entry.cause,
    startDate: entry.startDate,
    stopDate: entry.stopDate,
    redriveCount: entry.redriveCount,
    redriveDate: entry.redriveDate,
    parentId: entry.parentId,
  };
}

function statusDetail(entry: ExecutionEntry): StatusChangeDetail {
  const succeeded = entry.status === "SUCCEEDED";
  return {
    executionArn: executionArn(entry.workflow, entry.id),
    stateMachineArn: stateMachineArn(entry.workflow),
    name: entry.id,
    status: entry.status,
    startDate: entry.startDate,
    stopDate: entry.status === "RUNNING" ? null : entry.stopDate,
    input: JSON.stringify(entry.input),
    inputDetails: { included: true },
    output: succeeded ? JSON.stringify(entry.output) : null,
    outputDetails: succeeded ? { included: true } : null,
    error: entry.error,
    cause: entry.cause,
    redriveCount: entry.redriveCount,
    redriveDate: entry.redriveDate,
  };
}

/**
 * One run (the first, or a redrive) of an execution: the interpreter's context object and the
 * in-process handlers of its Task states.
 */
class ExecutionRun {
  readonly #engine: LocalEngine;
  readonly #entry: ExecutionEntry;
  readonly #machine: PreparedMachine;
  /** Attempts per (sub-)execution and state; a retry calls the handler again in the same run. */
  readonly #attempts = new Map<string, number>();
  /** Occurrence slots of each identical request taken in this run (see `#handle`). */
  readonly #slots = new Map<string, Set<number>>();
  #runs = 0;
  /** This run's service calls in flight (aborted when the execution stops). */
  readonly calls = new InFlightCalls();
  /** Set when this run finishes the compensation an interrupted run had started. */
  readonly #finishing: ExecutionEntry["compensating"];
  /** Calls the previous process had in flight when it died (replay keys), until sent again. */
  readonly #uncertain: Set<string>;

  constructor(engine: LocalEngine, entry: ExecutionEntry, machine: PreparedMachine) {
    this.#engine = engine;
    this.#entry = entry;
    this.#machine = machine;
    this.#finishing = entry.compensating;
    this.#uncertain = new Set(Object.keys(entry.inFlight ?? {}));
    entry.inFlight = {};
  }

  /**
   * The Context Object. The interpreter copies it (spreading it) into every (sub-)execution it
   * starts, so the `BatonRun` getter hands each Parallel branch and Map iteration its own number.
   */
  context(): object {
    const entry = this.#entry;
    const run = this;
    return {
      Execution: {
        Id: entry.id,
        Name: entry.id,
        RoleArn: "arn:aws:iam::000000000000:role/baton-local",
        RedriveCount: entry.redriveCount,
      },
      StateMachine: { Id: stateMachineArn(entry.workflow), Name: entry.workflow },
      Task: { Token: "" },
      // The interpreter spreads this object once per (sub-)execution, reading BatonRun and then
      // State: each run gets its own number and a State object bound to it. The number is in an
      // object: for every scalar a path selects, the interpreter's JSONPath library throws and
      // catches an Error (a stack trace each time, once per Task here).
      get BatonRun(): RunRef {
        run.#runs += 1;
        return { run: run.#runs };
      },
      get State(): object {
        return run.#stateContext(run.#runs);
      },
    };
  }

  /**
   * `$$.State` of one run. Its fields are read while a state evaluates its Parameters, as it is
   * entered: Name is that state (`stateBeingEvaluated`), EnteredTime now (so events stamped with
   * it, compensations, order after the steps they undo), and RetryCount the attempts of that
   * state in this run so far: the handler counts an attempt only after its Parameters were
   * evaluated, so attempt n reads n - 1, as in AWS.
   */
  #stateContext(runId: number): object {
    const attempts = this.#attempts;
    return {
      get Name(): string {
        return stateBeingEvaluated();
      },
      get EnteredTime(): string {
        return new Date().toISOString();
      },
      get RetryCount(): number {
        return attempts.get(`${runId}:${stateBeingEvaluated()}`) ?? 0;
      },
    };
  }

  handlers(): Record<string, (input: unknown) => Promise<unknown>> {
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const task of this.#machine.tasks.values()) {
      handlers[task.name] = (input: unknown) => this.#handle(task, input);
    }
    return handlers;
  }

  async #handle(task: TaskInfo, raw: unknown): Promise<unknown> {
    const { [RUN_PARAMETER]: runRef, ...input } = (raw ?? {}) as Record<string, unknown>;
    const runId = (runRef as RunRef | undefined)?.run;
    if (task.kind === "jsonToString") return stringifyKeys(input, task.stringify ?? []);
    // A first step redirects a run that does not start there before it counts as an attempt.
    if (task.kind === "serviceCall") redirectEntry(input);
    const attemptKey = `${String(runId)}:${task.name}`;
    const attempt = (this.#attempts.get(attemptKey) ?? 0) + 1;
    this.#attempts.set(attemptKey, attempt);
    // Emits always run again (events are at-least-once); other finished work is replayed.
    // Identical requests (map items whose call does not depend on the item) are distinct work: each
    // takes the lowest free occurrence slot of its request, and replays only what an earlier run
    // recorded in that slot. A failed attempt frees its slot, so a retried step still replays its
    // one recorded success.
    const request =
      task.kind === "emit"
        ? undefined
        : `${task.name}|${canonical(withoutVolatile(task.kind, input))}`;
    const slot = request === undefined ? 0 : this.#claim(request);
    const replayKey = request === undefined ? undefined : `${request}#${slot}`;
    const recorded = replayKey === undefined ? undefined : this.#entry.results[replayKey];
    // Finishing a compensation replays the forward work (undone or not) so the saga takes the
    // same path, and sends the compensations again under their own Idempotency-Keys (the service
    // answers a finished one from its store, and the records hear of it again). A redrive runs an
    // undone step again and compensates it afresh.
    const finishing = this.#finishing;
    const replay =
      recorded !== undefined &&
      (finishing === undefined ? !isUndoWork(recorded) : recorded.undo === undefined);
    if (replay) return recorded.output;
    // A service call is marked in flight on disk before it goes out, so that after a crash the
    // next process knows its outcome is uncertain (see `#settleUncertain`).
    const tracked = task.kind === "serviceCall" ? replayKey : undefined;
    const uncertain = tracked !== undefined && this.#uncertain.delete(tracked);
    // An uncertain call is asked again even when finishing: it may have taken effect, and only
    // an answer lets the compensation undo it.
    if (finishing !== undefined && !uncertain) this.#refuseForwardWork(task, input, finishing);
    let noted = task.kind === "emit" && this.#noteCompensationStart(input);
    if (task.kind === "serviceCall" && input.mode === "compensate")
      noted = this.#noteCompensating(recordedFailure(input.failure)) || noted;
    if (tracked !== undefined) {
      this.#entry.inFlight = { ...this.#entry.inFlight, [tracked]: true };
      noted = true;
    }
    let result: { output: Json; stepId: string; compensated?: string };
    try {
      if (noted) {
        // On disk before the work goes out (written with what other executions noted meanwhile).
        await this.#engine.recordNow(this.#entry);
        // Stopped while it was written: the work never went out.
        if (this.calls.signal.aborted)
          throw taskError("States.Runtime", "The execution was stopped.");
      }
      result = await this.#run(task, input, attempt, uncertain, replayKey ?? task.name);
    } catch (error) {
      if (request !== undefined) this.#slots.get(request)?.delete(slot);
      if (tracked !== undefined) this.#settled(tracked);
      throw error;
    }
    if (tracked !== undefined) this.#settled(tracked);
    const { output, stepId, compensated } = result;
    if (replayKey === undefined) return output;
    if (compensated !== undefined) {
      for (const [key, result] of Object.entries(this.#entry.results)) {
        if (result.stepId === compensated && result.undo === undefined)
          this.#entry.results[key] = { ...result, undone: true };
      }
      this.#entry.results[replayKey] = { stepId, output, undo: true };
    } else {
      this.#entry.results[replayKey] = { stepId, output };
    }
    this.#engine.record(this.#entry);
    return output;
  }

  /**
   * Finishing an interrupted compensation: the step that failed fails again the same way (its
   * result is not recorded; running it again could succeed and send the saga forward over steps
   * already undone), and so does an `await` that never got its signal. Other steps without a
   * recorded result (a parallel sibling cut short) run: they succeed and are compensated too.
   */
  #refuseForwardWork(
    task: TaskInfo,
    input: Record<string, unknown>,
    failure: NonNullable<ExecutionEntry["compensating"]>,
  ): void {
    const failing =
      (task.kind === "serviceCall" && input.mode === "call" && input.stepId === failure.step) ||
      task.kind === "awaitSignal";
    // As the handler fails it (a Lambda error envelope naming the step), so the failure recorded
    // from it, by a Pass or by the first undo, names the step again.
    if (failing)
      throw lambdaError(
        Object.assign(new Error(JSON.stringify({ message: failure.message, step: failure.step })), {
          name: failure.name,
        }),
      );
  }

  /**
   * The saga's first act is its `Compensation Started` event: the failure it carries is noted
   * (true: the caller puts it on disk before the event, and so any compensation, goes out), so a
   * crash from here on is recovered by finishing the compensation.
   */
  #noteCompensationStart(input: Record<string, unknown>): boolean {
    if (this.#entry.compensating !== undefined) return false;
    const entries = Array.isArray(input.Entries)
      ? (input.Entries as Record<string, unknown>[])
      : [];
    for (const e of entries) {
      if (e.Source !== EVENT_SOURCE || e.DetailType !== DetailType.CompensationStarted) continue;
      const error = ((e.Detail ?? {}) as { error?: Record<string, unknown> }).error ?? {};
      this.#entry.compensating = {
        name: typeof error.name === "string" ? error.name : "States.TaskFailed",
        message: typeof error.message === "string" ? error.message : "",
        step: typeof error.step === "string" ? error.step : "",
      };
      return true;
    }
    return false;
  }

  /**
   * A saga entered at its first undo publishes `Compensation Started` from that undo's handler
   * (lib/runtime/service-call.ts): its failure is noted, and on disk before the undo goes out, as
   * above.
   */
  #noteCompensating(failure: RecordedFailure | undefined): boolean {
    if (this.#entry.compensating !== undefined || failure === undefined) return false;
    this.#entry.compensating = { name: failure.name, message: failure.message, step: failure.step };
    return true;
  }

  /** The call answered (or failed for good): its outcome is no longer in doubt. */
  #settled(key: string): void {
    if (this.#entry.inFlight === undefined) return;
    delete this.#entry.inFlight[key];
    this.#engine.record(this.#entry);
  }

  #claim(request: string): number {
    const taken = this.#slots.get(request) ?? new Set<number>();
    this.#slots.set(request, taken);
    let slot = 1;
    while (taken.has(slot)) slot++;
    taken.add(slot);
    return slot;
  }

  async #run(
    task: TaskInfo,
    input: Record<string, unknown>,
    attempt: number,
    uncertain: boolean,
    workKey: string,
  ): Promise<{ output: Json; stepId: string; compensated?: string }> {
    switch (task.kind) {
      case "serviceCall":
        return this.#serviceCall(input, attempt, uncertain);
      case "emit":
        return { output: this.#emit(input), stepId: task.name };
      case "awaitSignal":
        return { output: await this.#await(task, input), stepId: task.name };
      case "childInput":
        return { output: await this.#childInput(input), stepId: task.name };
      case "childWorkflow":
        return { output: await this.#child(input, workKey), stepId: task.name };
      case "jsonToString":
        return { output: stringifyKeys(input, task.stringify ?? []) as Json, stepId: task.name };
    }
  }

  async #serviceCall(
    input: Record<string, unknown>,
    attempt: number,
    uncertain: boolean,
  ): Promise<{ output: Json; stepId: string; compensated?: string }> {
    const request = { ...input, attempt } as unknown as ServiceCallRequest;
    const call = (): Promise<Json> =>
      this.calls.track(
        request.stepId,
        request.mode,
        this.#engine.runtime.callService(request, {
          redriveCount: this.#entry.redriveCount,
          signal: this.calls.signal,
        }) as unknown as Promise<Json>,
      );
    try {
      const output = uncertain ? await this.#settleUncertain(call) : await call();
      return request.mode === "compensate"
        ? { output, stepId: request.stepId, compensated: request.stepId }
        : { output, stepId: request.stepId };
    } catch (error) {
      throw lambdaError(error);
    }
  }

  /**
   * A call the previous process sent but never heard back from may have taken effect. Sent again
   * under the same `Idempotency-Key`, the service answers with what it did; a transient failure
   * says nothing about that, so the question is asked again (up to `UNCERTAIN_TRIES` times) rather
   * than letting a 503 fail the step while its effect stands uncompensated.
   */
  async #settleUncertain(call: () => Promise<Json>): Promise<Json> {
    for (let tries = 1; ; tries++) {
      try {
        return await call();
      } catch (error) {
        const name = error instanceof Error ? error.name : "";
        if (!isRetryable(name) || tries >= UNCERTAIN_TRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, this.#engine.resendPauseMs));
      }
    }
  }

  #emit(input: Record<string, unknown>): Json {
    const entries = Array.isArray(input.Entries)
      ? (input.Entries as Record<string, unknown>[])
      : [];
    const bad = entries.find(
      (e) => e.EventBusName !== undefined && e.EventBusName !== LOCAL_EVENT_BUS,
    );
    if (bad !== undefined) {
      throw taskError(
        "EventBridge.ResourceNotFoundException",
        `Event bus ${String(bad.EventBusName)} does not exist.`,
      );
    }
    const events = entries.map((e) => ({
      source: String(e.Source ?? ""),
      detailType: String(e.DetailType ?? ""),
      detail: e.Detail ?? {},
      ...(Array.isArray(e.Resources) ? { resources: e.Resources as string[] } : {}),
    }));
    const ids = events.map(() => randomUUID());
    this.#engine.runtime.emit(events);
    return { Entries: ids.map((EventId) => ({ EventId })), FailedEntryCount: 0 };
  }

  async #await(task: TaskInfo, input: Record<string, unknown>): Promise<Json> {
    const payload = (input.Payload ?? {}) as Record<string, unknown>;
    const token = TaskTokens.newToken();
    const declared =
      task.timeoutSeconds ?? (typeof payload.timeout === "number" ? payload.timeout : undefined);
    const waiting = this.#engine.tokens.wait(
      token,
      this.#entry.id,
      declared === undefined ? undefined : this.#engine.awaitTimeout(declared),
    );
    // The token must be parked before the handler runs: it may deliver an early signal at once.
    try {
      await this.#engine.runtime.parkSignal({
        ...payload,
        taskToken: token,
      } as unknown as AwaitSignalRequest);
    } catch (error) {
      if (this.#engine.tokens.has(token))
        this.#engine.tokens.fail(token, nameOf(error), messageOf(error));
    }
    return waiting;
  }

  async #childInput(input: Record<string, unknown>): Promise<Json> {
    try {
      return await this.#engine.runtime.checkChildInput(input as unknown as ChildInputRequest);
    } catch (error) {
      throw lambdaError(error);
    }
  }

  async #child(input: Record<string, unknown>, workKey: string): Promise<Json> {
    const arn = String(input.StateMachineArn ?? "");
    const workflow = workflowOfArn(arn);
    if (workflow === undefined) throw taskError("States.Runtime", `Unknown state machine ${arn}.`);
    // The child's id follows from the parent's run and the work: a parent resumed after a crash
    // finds the child it had started (resumed on its own) instead of starting a second one.
    const childId = `child-${createHash("sha256")
      .update(`${this.#entry.id}|${this.#entry.redriveCount}|${workKey}`)
      .digest("hex")
      .slice(0, 40)}`;
    if (this.#engine.describe(childId) === undefined) {
      try {
        this.#engine.start(workflow, childInputUnder(childId, (input.Input ?? {}) as Json), {
          parentId: this.#entry.id,
          executionId: childId,
        });
      } catch (error) {
        throw taskError("StepFunctions.StateMachineDoesNotExistException", messageOf(error));
      }
    }
    const done = await this.#engine.waitFor(childId);
    const description = {
      ExecutionArn: done.executionArn,
      StateMachineArn: arn,
      Name: done.executionId,
      Status: done.status,
      StartDate: done.startDate,
      StopDate: done.stopDate,
      Input: JSON.stringify(done.input),
    };
    if (done.status === "SUCCEEDED") return { ...description, Output: done.output } as Json;
    throw taskError(
      "States.TaskFailed",
      JSON.stringify({ ...description, Error: done.error, Cause: done.cause }),
    );
  }
}

/**
 * The child's start under the id the local engine gives it. A compiled `workflow` step passes the
 * state the child-input task built under the name it chose (`Name`, which AWS uses); locally the
 * id follows from the parent's work instead (see `#child`), so the state's own id is that one.
 */
function childInputUnder(childId: string, input: Json): Json {
  if (!isExecutionState(input)) return input;
  return { ...input, context: { ...input.context, executionId: childId } };
}

/** The `jsonToString` stand-in: `input` with the values at `keys` (paths) as exact JSON text. */
export function stringifyKeys(
  input: Record<string, unknown>,
  keys: readonly (readonly string[])[],
): Record<string, unknown> {
  const result = structuredClone(input);
  for (const path of keys) {
    const last = path.at(-1);
    if (last === undefined) continue;
    let node = result;
    for (const key of path.slice(0, -1)) node = (node[key] ?? {}) as Record<string, unknown>;
    node[last] = JSON.stringify(node[last] ?? null);
  }
  return result;
}

/** Fields that differ between tries of the same work (and must not defeat replay). */
function withoutVolatile(kind: TaskInfo["kind"], input: Record<string, unknown>): unknown {
  if (kind === "serviceCall") {
    const { attempt: _attempt, ...rest } = input;
    return rest;
  }
  if (kind === "awaitSignal") {
    const { taskToken: _token, ...payload } = (input.Payload ?? {}) as Record<string, unknown>;
    return { ...input, Payload: payload };
  }
  return input;
}

/**
 * A handler failure as Step Functions sees a Lambda function error: `Error` is the error's name
 * and `Cause` the runtime's JSON envelope `{errorType, errorMessage, trace}`.
 */
/** Throws a first step's redirect (lib/core/entry-request.ts) as the Task error its Catch matches. */
function redirectEntry(input: Record<string, unknown>): void {
  if (input.state === undefined) return;
  try {
    entryRequest(input as unknown as ServiceCallRequest);
  } catch (error) {
    if (error instanceof EntryRedirectError) throw taskError(error.name, error.message);
    throw error;
  }
}

export function lambdaError(error: unknown): Error {
  const name = nameOf(error);
  const message = messageOf(error);
  return taskError(name, JSON.stringify({ errorType: name, errorMessage: message, trace: [] }));
}

const nameOf = (error: unknown): string => (error instanceof Error ? error.name : "Error");
const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
            a < b ? -1 : a > b ? 1 : 0,
          ),
        )
      : v,
  );
}
