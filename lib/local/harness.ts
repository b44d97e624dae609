/**
 * A test harness for workflows: the compiled ASL and the real service-call handler, in process,
 * with a virtual clock (retry pauses and Wait states take no time) and scripted faults.
 *
 * ```ts
 * import { createHarness } from "baton/harness";
 *
 * const harness = await createHarness({
 *   file: "workflows/order-fulfillment.yaml",
 *   services: {
 *     inventory: (req) => ({ status: 201, body: { id: "r-1" } }),   // an in-process handler
 *     payments: "http://127.0.0.1:7002",                            // or a real base URL
 *     shipping: () => ({ status: 201, body: { id: "s-1" } }),
 *   },
 * });
 * const { execution, calls } = await harness.run(
 *   { orderId: "o-1", amount: 10 },
 *   { faults: [{ step: "charge", attempt: 1, status: 503 }, { step: "ship", error: "Baton.ClientError" }] },
 * );
 * expect(execution.status).toEqual("FAILED");
 * expect(calls.payments.map((c) => c.path)).toEqual(["/charges", "/refunds"]);
 * await harness.close();
 * ```
 *
 * - `workflow` is the text of a workflow file (`children`: the texts of the workflows it starts);
 *   `file` a path (its folder is loaded too, so `workflow` steps find their children). Either way
 *   they go through the same Project as every Baton tool; problems throw `HarnessLoadError`
 *   listing each as `file:line: CODE message (hint)`.
 * - A fault matches a call by `step`, optionally `attempt` and `mode` (`call`, the default, or
 *   `compensate`). `error` makes the attempt fail with that error name without reaching the
 *   service; `status` answers with that HTTP status instead of the service (the handler's own
 *   classification applies: 5xx retryable, 4xx not); `delayMs` delays the request (and can trip
 *   the step's timeout). Faults without `attempt` apply to every attempt.
 * - `signals` answer `await` steps by signal name (the payload, or `{error, cause}` to fail the
 *   step); an `await` without a scripted signal times out at once (`Baton.SignalTimeout`).
 * - `calls` lists, per service, the requests the service received (faulted attempts did not reach
 *   it), in order, with the step, mode and attempt that sent them.
 * - Circuits are effectively off (a huge failure threshold) so runs do not influence each other.
 * - Concurrency limits, pause and cancel behave as in `baton dev` (same use cases, memory stores):
 *   `start` returns at once with `RUNNING` or, over a workflow's `concurrency` limit, `QUEUED`
 *   (queued starts begin in arrival order as slots free; every terminal status frees its slot);
 *   `run` is `start` then `result()`. `pause` stops the execution before its next call (calls in
 *   flight finish; the Task's `Baton.Paused` retrier asks again, at once on the virtual clock, and
 *   the handler parks each attempt 0.5 s of real time), `resume` goes on with true attempt
 *   numbers, `cancel` removes a queued start or stops (and with `compensate` compensates) a running
 *   or paused one. `concurrency()` lists the slots held and the starts queued (a leak check).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { dirname, resolve } from "node:path";
import { PREPARE_MS } from "../core/call-budget.ts";
import type { ServiceCallRequest } from "../core/contract.ts";
import { BatonError, type BatonErrorName } from "../core/errors.ts";
import type { Json } from "../core/model.ts";
import { type FileProblem, formatProblems } from "../core/problems.ts";
import { buildProject } from "../core/project/build.ts";
import { displayPath, loadProject } from "../core/project/load.ts";
import type { Project } from "../core/project/model.ts";
import { STATUS_CHANGE_DETAIL_TYPE, STEP_FUNCTIONS_SOURCE } from "../core/wire.ts";
import type { FieldProblem } from "../runtime/api/http.ts";
import { InputValidator } from "../runtime/api/input-validation.ts";
import type { CircuitStore } from "../runtime/circuit/circuit-store.ts";
import { systemClock } from "../runtime/circuit/clock.ts";
import { BatonRuntimeError, ValidationError } from "../runtime/errors.ts";
import { compensationRunName } from "../runtime/execution-engine.ts";
import { type CancelDeps, cancelExecution } from "../runtime/execution-lifecycle.ts";
import type { Fetch } from "../runtime/http/caller.ts";
import {
  admit,
  type ConcurrencyDeps,
  releaseOnStatusChange,
  semaphoreOf,
} from "../runtime/limits/concurrency.ts";
import { MemorySlotStore } from "../runtime/limits/memory-slot-store.ts";
import { pauseExecution, resumeExecution } from "../runtime/pause/pause-execution.ts";
import { passPauseGate } from "../runtime/pause/pause-gate.ts";
import { MemoryPauseStore } from "../runtime/pause/pause-store.ts";
import type { ExecutionDocument, ExecutionEvent } from "../runtime/records/document.ts";
import type { MergeResult } from "../runtime/records/execution-store.ts";
import type { RecordState } from "../runtime/records/state.ts";
import { InMemoryRegistryStore } from "../runtime/registry/memory-store.ts";
import type { ServiceEntry } from "../runtime/registry/registry-model.ts";
import type { RegistryStore } from "../runtime/registry/registry-store.ts";
import type { BusEvent } from "./event-bus.ts";
import { MemoryRecords } from "./memory-records.ts";
import { createLocalRuntime, type LocalRuntime } from "./runtime.ts";
import { type CompiledSet, compileProject } from "./workflows.ts";

/** What an in-process service handler receives. */
export interface ServiceRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Json | undefined;
}

export interface ServiceReply {
  /** @default 200 */
  readonly status?: number;
  readonly body?: Json;
  readonly headers?: Readonly<Record<string, string>>;
}

export type ServiceHandler = (
  request: ServiceRequest,
) => ServiceReply | undefined | Promise<ServiceReply | undefined>;

export interface HarnessOptions {
  /** The YAML/JSON text of a workflow file. */
  readonly workflow?: string;
  /** A workflow file; the other workflows of its folder are loaded for `workflow` steps. */
  readonly file?: string;
  /** Texts of more workflows (children) when `workflow` is given. */
  readonly children?: readonly string[];
  /** Every service the workflow calls: an in-process handler or a base URL. */
  readonly services: Readonly<Record<string, ServiceHandler | string>>;
  /** Wraps the registry and circuit store the handler uses (e.g. to make it slow in a test). */
  readonly store?: (store: RegistryStore & CircuitStore) => RegistryStore & CircuitStore;
  /**
   * Sees every event the execution records receive (Baton's and Step Functions' status changes),
   * in delivery order: what the records function is invoked with in AWS (the cost bench replays
   * them against DynamoDB).
   */
  readonly onRecordsEvent?: (event: BusEvent) => void;
}

export interface Fault {
  readonly step: string;
  /** Only this attempt (1 = the first try); every attempt when absent. */
  readonly attempt?: number;
  /** @default "call" */
  readonly mode?: "call" | "compensate";
  /** Fail the attempt with this error name (e.g. `Baton.Timeout`), without calling the service. */
  readonly error?: string;
  /** Answer with this HTTP status instead of the service. */
  readonly status?: number;
  /** Body of the `status` answer. */
  readonly body?: Json;
  /** Delay the request by this many milliseconds (real time; may trip the step's timeout). */
  readonly delayMs?: number;
}

export interface RunOptions {
  readonly faults?: readonly Fault[];
  /** Answers to `await` steps by signal name: the payload, or `{error, cause?}` to fail the step. */
  readonly signals?: Readonly<
    Record<string, Json | { readonly error: string; readonly cause?: string }>
  >;
  /** Workflow to run when the harness holds several (default: the one given or the file's). */
  readonly workflow?: string;
}

export interface ReceivedCall extends ServiceRequest {
  readonly service: string;
  readonly step: string;
  readonly mode: "call" | "compensate";
  readonly attempt: number;
}

export interface RunResult {
  readonly execution: ExecutionDocument;
  /** Requests each service received, by service name, in order. */
  readonly calls: Readonly<Record<string, readonly ReceivedCall[]>>;
  /** The execution's orchestration events, in order. */
  readonly events: readonly ExecutionEvent[];
}

/** An execution `start` began (or queued). */
export interface StartedRun {
  readonly executionId: string;
  /** `QUEUED` when the workflow's `concurrency` limit was reached: it starts when a slot frees. */
  readonly status: "RUNNING" | "QUEUED";
  /** Resolves once it ended (a queued one: once it started and ended, or was cancelled). */
  result(): Promise<RunResult>;
}

export interface ConcurrencyUsage {
  /** Semaphore (`<workflow>` or `<workflow>#<key>`) → executions holding a slot. */
  readonly held: Readonly<Record<string, readonly string[]>>;
  /** Semaphore → queued executions, in arrival order. */
  readonly queued: Readonly<Record<string, readonly string[]>>;
}

export interface Harness {
  readonly workflow: string;
  readonly compiled: CompiledSet;
  /** Starts an execution and waits for its end: `start(...)` then `result()`. */
  run(input: Json, options?: RunOptions): Promise<RunResult>;
  /** Starts (or, over a concurrency limit, queues) an execution without waiting for it. */
  start(input: Json, options?: RunOptions): Promise<StartedRun>;
  /** Pauses a RUNNING standard execution (as `POST /executions/{id}/pause`); the record after. */
  pause(executionId: string): Promise<ExecutionDocument>;
  /** Resumes a PAUSED execution (as `POST /executions/{id}/resume`); the record after. */
  resume(executionId: string): Promise<ExecutionDocument>;
  /**
   * Cancels as `POST /executions/{id}/cancel`: a QUEUED start is removed, a RUNNING or PAUSED
   * execution stopped and, with `compensate`, compensated. Resolves with the record once the
   * compensation run (if any) ended.
   */
  cancel(
    executionId: string,
    options?: { readonly compensate?: boolean; readonly reason?: string },
  ): Promise<ExecutionDocument>;
  /** The execution's record now. */
  execution(executionId: string): ExecutionDocument | undefined;
  /** Slots held and starts queued under concurrency limits. */
  concurrency(): ConcurrencyUsage;
  close(): Promise<void>;
}

export class HarnessLoadError extends Error {
  override readonly name = "HarnessLoadError";
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`The workflow cannot be run:\n${problems.join("\n")}`);
    this.problems = problems;
  }
}

/**
 * The input does not match the workflow's input schema: the run is refused before it starts, as
 * `POST /workflows/{name}/executions` refuses it with 400 (same validator, same `errors`).
 */
export class HarnessInputError extends Error {
  override readonly name = "HarnessInputError";
  readonly errors: readonly FieldProblem[];

  constructor(workflow: string, errors: readonly FieldProblem[]) {
    const list = errors.map((e) => `  ${e.path}: ${e.message}`).join("\n");
    super(`The input does not match the input schema of ${workflow}:\n${list}`);
    this.errors = errors;
  }
}

const HOST_SUFFIX = ".harness.invalid";

interface CallContext {
  readonly request: ServiceCallRequest;
  readonly fault: Fault | undefined;
}

export async function createHarness(options: HarnessOptions): Promise<Harness> {
  const { project, root, problems } = load(options);
  const errors = problems.filter((p) => p.problem.severity === "error");
  if (root === undefined || errors.length > 0) {
    throw new HarnessLoadError(
      errors.length > 0 ? formatProblems(errors) : ["no workflow was given"],
    );
  }
  const compiled = compileProject(project, { roots: [root] });
  const refused = compiled.problems.filter((p) => p.problem.code === "E_LOCAL_RUNTIME");
  if (refused.length > 0) throw new HarnessLoadError(formatProblems(refused));

  const registry = new InMemoryRegistryStore({ yieldEachCall: false });
  for (const [name, target] of Object.entries(options.services)) {
    await registry.putService(
      serviceEntry(name, typeof target === "string" ? target : `http://${name}${HOST_SUFFIX}`),
    );
  }
  const handlers = new Map(
    Object.entries(options.services).flatMap(([name, target]) =>
      typeof target === "string" ? [] : [[name, target] as const],
    ),
  );
  const context = new AsyncLocalStorage<CallContext>();
  const received = new Map<string, ReceivedCall[]>();
  let publisher: LocalRuntime["publisher"] | undefined;
  const records = new MemoryRecords(compiled.catalogue, () => publisher);
  const signals = new Map<string, RunOptions["signals"]>();
  const faults = new Map<string, readonly Fault[]>();

  const fetchImpl: Fetch = async (input, init) => {
    const call = context.getStore();
    const url = new URL(
      typeof input === "string" ? input : input instanceof URL ? input.href : input.url,
    );
    const fault = call?.fault;
    if (fault?.delayMs !== undefined) await sleep(fault.delayMs, init?.signal ?? undefined);
    if (fault?.status !== undefined)
      return jsonResponse(fault.status, fault.body ?? { error: "injected fault" });
    const request = toServiceRequest(url, init);
    const service = call?.request.service ?? url.hostname.replace(HOST_SUFFIX, "");
    if (call !== undefined) {
      const list = received.get(call.request.executionId) ?? [];
      list.push({
        ...request,
        service,
        step: call.request.stepId,
        mode: call.request.mode,
        attempt: call.request.attempt,
      });
      received.set(call.request.executionId, list);
    }
    const handler = url.hostname.endsWith(HOST_SUFFIX) ? handlers.get(service) : undefined;
    if (handler === undefined) return globalThis.fetch(input, init);
    // A slow in-process service is cut off at the step's timeout like a real one (the handler
    // keeps running, as a real service would: its effect may still happen).
    const reply = (await abortable(Promise.resolve(handler(request)), init?.signal)) ?? {};
    return jsonResponse(reply.status ?? 200, reply.body ?? null, reply.headers);
  };

  const pauses = new MemoryPauseStore();
  const slots = new MemorySlotStore();
  const live = await createLocalRuntime({
    compiled,
    // A compensation run starts the version its execution ran (`<name>:<version>`).
    machines: (key) => {
      const versioned = /^(.+):(\d+)$/.exec(key);
      const [, name, version] = versioned ?? [];
      if (name !== undefined && compiled.catalogue.get(name)?.version === Number(version))
        return compiled.machines.get(name);
      return compiled.machines.get(key);
    },
    registry: options.store === undefined ? registry : options.store(registry),
    records: (event) => {
      options.onRecordsEvent?.(event);
      return records.apply(event);
    },
    fetch: fetchImpl,
    skipDelays: true,
    busRetryDelaysMs: [],
    registryCacheMs: 0,
    log: () => {},
    interceptCall: async (original, next) => {
      // The pause gate first, as in the service-call handler: a paused attempt is turned away
      // before any fault applies, and faults match the attempt numbers the records show.
      const { request } = await passPauseGate(original, pauses, systemClock, {
        maxWaitMs: PREPARE_MS / 2,
      });
      const fault = (faults.get(request.executionId) ?? []).find(
        (f) =>
          f.step === request.stepId &&
          (f.mode ?? "call") === request.mode &&
          (f.attempt === undefined || f.attempt === request.attempt),
      );
      if (fault?.error !== undefined) return Promise.reject(injectedError(fault.error, request));
      return context.run({ request, fault }, () => next(request));
    },
    parkSignal: async (request, engine) => {
      const answer = signals.get(request.executionId)?.[request.signal];
      if (answer === undefined) {
        await engine.sendTaskFailure(
          request.taskToken,
          "States.Timeout",
          `No signal ${request.signal} was scripted.`,
        );
      } else if (isErrorAnswer(answer)) {
        await engine.sendTaskFailure(request.taskToken, answer.error, answer.cause ?? answer.error);
      } else {
        await engine.sendTaskSuccess(request.taskToken, answer);
      }
    },
  });
  records.traceWith((run) => live.engine.trace(run.name));

  publisher = live.publisher;
  const validator = new InputValidator();

  // Record merges by the use cases wake whoever waits for a queued execution to start or end.
  const changes = new Map<string, Set<() => void>>();
  const executions = {
    merge: async (id: string, delta: RecordState): Promise<MergeResult> => {
      const result = await records.merge(id, delta);
      const waiting = changes.get(id);
      changes.delete(id);
      for (const wake of waiting ?? []) wake();
      return result;
    },
    get: async (id: string) => records.document(id),
  };
  const nextChange = (id: string): Promise<void> =>
    new Promise((wake) => changes.set(id, (changes.get(id) ?? new Set()).add(wake)));
  const limits: ConcurrencyDeps = {
    catalogue: compiled.catalogue,
    executions,
    engine: live.executionEngine,
    slots,
    events: live.publisher,
  };
  const lifecycle: CancelDeps = {
    ...limits,
    executions,
    // Await steps are answered at once from the scripted signals: none is ever left waiting.
    signals: { waiting: async () => [] },
    pauses,
  };
  // Terminal status changes free their slot and start the next queued start, as the
  // concurrency-slots rule does in `baton dev` and AWS.
  live.bus.addRule(
    "concurrency-slots",
    { source: [STEP_FUNCTIONS_SOURCE], "detail-type": [STATUS_CHANGE_DETAIL_TYPE] },
    async (event) => {
      await releaseOnStatusChange(event, limits);
    },
  );

  const settle = async (executionId: string): Promise<RunResult> => {
    while (records.document(executionId)?.status === "QUEUED") await nextChange(executionId);
    if (live.engine.describe(executionId) !== undefined) await waitForTree(live, executionId);
    await live.idle();
    const execution = records.document(executionId);
    if (execution === undefined) throw new Error(`execution ${executionId} left no record`);
    const calls: Record<string, ReceivedCall[]> = {};
    for (const name of Object.keys(options.services)) calls[name] = [];
    for (const id of [executionId, ...childrenOf(live, executionId)]) {
      for (const call of received.get(id) ?? [])
        calls[call.service] = [...(calls[call.service] ?? []), call];
    }
    return { execution, calls, events: records.events(executionId) };
  };

  const recordOf = (executionId: string): ExecutionDocument => {
    const execution = records.document(executionId);
    if (execution === undefined) throw new Error(`Execution ${executionId} does not exist.`);
    return execution;
  };

  const start = async (input: Json, runOptions: RunOptions = {}): Promise<StartedRun> => {
    const workflow = runOptions.workflow ?? root;
    const started = checkedInput(validator, compiled, workflow, input);
    const entry = compiled.catalogue.get(workflow);
    const executionId = crypto.randomUUID();
    faults.set(executionId, runOptions.faults ?? []);
    signals.set(executionId, runOptions.signals ?? {});
    const forget = (): void => {
      faults.delete(executionId);
      signals.delete(executionId);
    };
    let status: StartedRun["status"] = "RUNNING";
    try {
      const semaphore = entry === undefined ? undefined : semaphoreOf(entry, started, executionId);
      const admission =
        entry === undefined || semaphore === undefined
          ? undefined
          : await admit(limits, entry, executionId, started, semaphore);
      if (admission?.outcome === "queued") status = "QUEUED";
      else live.engine.start(workflow, started, { executionId });
    } catch (error) {
      forget();
      if (error instanceof ValidationError) throw new HarnessInputError(workflow, error.errors);
      throw error;
    }
    const done = settle(executionId).finally(forget);
    done.catch(() => undefined); // reported through result()
    return { executionId, status, result: () => done };
  };

  return {
    workflow: root,
    compiled,
    start,
    run: async (input, runOptions) => (await start(input, runOptions)).result(),
    pause: async (executionId) => (await pauseExecution(lifecycle, recordOf(executionId))).document,
    resume: async (executionId) =>
      (await resumeExecution(lifecycle, recordOf(executionId))).document,
    async cancel(executionId, cancelOptions = {}) {
      const { compensation } = await cancelExecution(lifecycle, recordOf(executionId), {
        compensate: cancelOptions.compensate === true,
        ...(cancelOptions.reason === undefined ? {} : { reason: cancelOptions.reason }),
      });
      const run = compensationRunName(executionId);
      if (compensation === "running" && live.engine.describe(run) !== undefined)
        await live.engine.waitFor(run);
      await live.idle();
      return recordOf(executionId);
    },
    execution: (executionId) => records.document(executionId),
    concurrency: () => slots.usage(),
    close: () => live.stop(),
  };
}

/** The input as the API would start it (schema defaults applied), or `HarnessInputError`. */
function checkedInput(
  validator: InputValidator,
  compiled: CompiledSet,
  workflow: string,
  input: Json,
): Json {
  const entry = compiled.catalogue.get(workflow);
  if (entry === undefined) {
    const known = compiled.catalogue.list().map((w) => w.name);
    throw new HarnessLoadError([
      `workflow ${workflow} is not loaded (loaded: ${known.join(", ")})`,
    ]);
  }
  if (entry.inputSchema === undefined) return input;
  const copy = structuredClone(input) as Json;
  const errors = validator.validate(entry, copy);
  if (errors.length > 0) throw new HarnessInputError(entry.name, errors);
  return copy;
}

/** The project to run and its root workflow, with the problems that concern it. */
function load(options: HarnessOptions): {
  project: Project;
  root: string | undefined;
  problems: readonly FileProblem[];
} {
  if (options.file !== undefined) {
    const file = resolve(options.file);
    const shown = displayPath(file);
    const project = loadProject([file, dirname(file)], { cwd: process.cwd() });
    const own = project.files.find((f) => f.file === shown);
    // Problems of unrelated files in the folder do not concern this harness.
    const problems = project.problems.filter((p) => p.file === shown);
    return { project, root: own?.ready === true ? own.name : undefined, problems };
  }
  const texts =
    options.workflow === undefined ? [] : [options.workflow, ...(options.children ?? [])];
  const project = buildProject(
    texts.map((text, index) => ({
      file: index === 0 ? "workflow" : `children[${index - 1}]`,
      text,
    })),
  );
  const [first] = project.files;
  return {
    project,
    root: first?.ready === true ? first.name : undefined,
    problems: project.problems,
  };
}

function serviceEntry(name: string, url: string): ServiceEntry {
  return {
    name,
    instances: [{ id: `${name}-1`, url, weight: 1 }],
    health: { path: "/health", intervalSeconds: 3600, unhealthyAfter: 1_000_000, healthyAfter: 1 },
    balancing: "round_robin",
    circuit: {
      failureRateThreshold: 100,
      minimumCalls: 1_000_000,
      windowSeconds: 1,
      cooldownSeconds: 1,
    },
    timeout: 30,
    headers: {},
  };
}

const CATALOGUE_NAMES = new Set<string>(Object.values(BatonError));

function injectedError(name: string, request: ServiceCallRequest): Error {
  const reason = `Injected fault on ${request.stepId} attempt ${request.attempt}.`;
  if (CATALOGUE_NAMES.has(name)) {
    return new BatonRuntimeError(name as BatonErrorName, reason, { step: request.stepId });
  }
  const error = new Error(reason);
  error.name = name;
  return error;
}

const isErrorAnswer = (value: unknown): value is { error: string; cause?: string } =>
  typeof value === "object" &&
  value !== null &&
  !Array.isArray(value) &&
  typeof (value as { error?: unknown }).error === "string";

/** Waits for the execution and every child it started (children finish before their parent). */
async function waitForTree(runtime: LocalRuntime, executionId: string): Promise<void> {
  await runtime.engine.waitFor(executionId);
}

function childrenOf(runtime: LocalRuntime, executionId: string): string[] {
  const all = runtime.engine.list();
  const found: string[] = [];
  const visit = (parent: string): void => {
    for (const child of all.filter((e) => e.parentId === parent)) {
      found.push(child.executionId);
      visit(child.executionId);
    }
  };
  visit(executionId);
  return found;
}

function toServiceRequest(url: URL, init: RequestInit | undefined): ServiceRequest {
  const headers: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, key) => {
    headers[key] = value;
  });
  let body: Json | undefined;
  if (typeof init?.body === "string" && init.body !== "") {
    try {
      body = JSON.parse(init.body) as Json;
    } catch {
      body = init.body;
    }
  }
  return {
    method: init?.method ?? "GET",
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    body,
  };
}

function jsonResponse(
  status: number,
  body: Json,
  headers: Readonly<Record<string, string>> = {},
): Response {
  const noBody = status === 204 || status === 304;
  return new Response(noBody ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

function abortable<T>(work: Promise<T>, signal: AbortSignal | null | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
