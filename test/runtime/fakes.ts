/** In-memory stand-ins for the API's dependencies, for route tests where AWS is not the point. */

import type { Json } from "../../lib/core/model.ts";
import type { CatalogueWorkflow } from "../../lib/core/project/catalogue.ts";
import { withInputValidator } from "../../lib/core/schema/input-validator-code.ts";
import type { ApiDeps, HealthCheck } from "../../lib/runtime/api/deps.ts";
import { InputValidator } from "../../lib/runtime/api/input-validation.ts";
import type { CallerEvent, EventBusWriter } from "../../lib/runtime/bus-input.ts";
import { ManualClock } from "../../lib/runtime/circuit/clock.ts";
import type {
  DeadLetter,
  DeadLetterQueue,
  RedriveResult,
} from "../../lib/runtime/dead-letter-queue.ts";
import { RecordingPublisher } from "../../lib/runtime/events.ts";
import {
  EngineError,
  type EngineStartOptions,
  type ExecutionDescription,
  type ExecutionEngine,
  type ExecutionResults,
  type InFlightCall,
  type StartedExecution,
  type StopOptions,
  type StopOutcome,
} from "../../lib/runtime/execution-engine.ts";
import { loggedDelta } from "../../lib/runtime/records/assemble.ts";
import { toDocument } from "../../lib/runtime/records/derive.ts";
import type {
  ExecutionDocument,
  ExecutionEvent,
  Page,
} from "../../lib/runtime/records/document.ts";
import type {
  ClaimResult,
  ExecutionListOptions,
  ExecutionStore,
  IdempotencyClaim,
  ListOptions,
  LoggedEvent,
  MergeResult,
  StoredRecord,
} from "../../lib/runtime/records/execution-store.ts";
import { InvalidCursorError } from "../../lib/runtime/records/execution-store.ts";
import type {
  DeliverResult,
  RegisterResult,
  SignalStore,
  Waiter,
} from "../../lib/runtime/records/signal-store.ts";
import { merge, type RecordState, sameState } from "../../lib/runtime/records/state.ts";
import { InMemoryRegistryStore } from "../../lib/runtime/registry/memory-store.ts";
import { RegistryService } from "../../lib/runtime/registry/registry-service.ts";
import { WorkflowCatalogue } from "../../lib/runtime/workflow-catalogue.ts";
import { orderWorkflow } from "./records/fixtures.ts";

const offsetCursor = (n: number): string => Buffer.from(`offset:${n}`).toString("base64url");
function readOffset(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString());
  if (match === null) throw new InvalidCursorError("bad cursor");
  return Number(match[1]);
}
function paginate<T>(items: readonly T[], options: ListOptions): Page<T> {
  const start = readOffset(options.cursor);
  const page = items.slice(start, start + options.limit);
  return start + options.limit < items.length
    ? { items: page, cursor: offsetCursor(start + options.limit) }
    : { items: page };
}

export class MemoryExecutionStore implements ExecutionStore {
  readonly states = new Map<string, RecordState>();
  readonly events = new Map<string, Map<string, ExecutionEvent>>();
  readonly heads = new Map<string, { head: RecordState; rev: number }>();
  readonly claims = new Map<string, IdempotencyClaim>();

  constructor(readonly catalogue: WorkflowCatalogue) {}

  async get(id: string): Promise<ExecutionDocument | undefined> {
    const state = this.states.get(id);
    return state === undefined ? undefined : this.#document(state);
  }

  async merge(id: string, delta: RecordState): Promise<MergeResult> {
    const previous = this.states.get(id);
    const state = merge(previous ?? { id }, { ...delta, id });
    this.states.set(id, state);
    const before = this.heads.get(id);
    this.heads.set(id, {
      head: merge(before?.head ?? { id }, { ...delta, id }),
      rev: (before?.rev ?? 0) + 1,
    });
    const changed = previous === undefined || !sameState(previous, state);
    return { document: this.#document(state), state, previous, changed };
  }

  async read(id: string): Promise<StoredRecord> {
    const head = this.heads.get(id);
    return {
      head: head?.head,
      rev: head?.rev ?? 0,
      orders: new Set(this.events.get(id)?.keys() ?? []),
      state: this.states.get(id),
    };
  }

  async writeHead(id: string, head: RecordState, rev: number): Promise<boolean> {
    if ((this.heads.get(id)?.rev ?? 0) !== rev) return false;
    this.heads.set(id, { head, rev: rev + 1 });
    this.states.set(id, merge(this.states.get(id) ?? { id }, { ...head, id }));
    return true;
  }

  async append(id: string, logged: readonly LoggedEvent[], extra?: RecordState): Promise<void> {
    const events = this.events.get(id) ?? new Map<string, ExecutionEvent>();
    this.events.set(id, events);
    let state = this.states.get(id) ?? { id };
    for (const { order, event } of logged) {
      events.set(order, event);
      const delta = loggedDelta(event, this.catalogue);
      if (delta !== undefined) state = merge(state, { ...delta, id });
    }
    if (extra !== undefined) state = merge(state, { ...extra, id });
    this.states.set(id, state);
  }

  async listEvents(id: string, options: ListOptions): Promise<Page<ExecutionEvent>> {
    const events = [...(this.events.get(id) ?? new Map<string, ExecutionEvent>()).entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, e]) => e);
    return paginate(events, options);
  }

  async list(workflow: string, options: ExecutionListOptions): Promise<Page<ExecutionDocument>> {
    return paginate(
      this.#newestFirst(workflow).filter(
        (d) =>
          (options.status === undefined || d.status === options.status) &&
          (options.before === undefined || `${d.startedAt}#${d.id}` < options.before),
      ),
      options,
    );
  }

  async listSince(
    workflow: string,
    since: string,
    max: number,
  ): Promise<{ items: ExecutionDocument[]; truncated: boolean }> {
    const all = this.#newestFirst(workflow).filter((d) => d.startedAt >= since);
    return { items: all.slice(0, max), truncated: all.length > max };
  }

  async claimIdempotencyKey(
    workflow: string,
    key: string,
    claim: IdempotencyClaim,
  ): Promise<ClaimResult> {
    const existing = this.claims.get(`${workflow}#${key}`);
    if (existing !== undefined) return { claimed: false, ...existing };
    this.claims.set(`${workflow}#${key}`, claim);
    return { claimed: true };
  }

  #newestFirst(workflow: string): ExecutionDocument[] {
    return [...this.states.values()]
      .map((s) => this.#document(s))
      .filter((d) => d.workflow === workflow)
      .sort((a, b) => (`${b.startedAt}#${b.id}` < `${a.startedAt}#${a.id}` ? -1 : 1));
  }

  #document(state: RecordState): ExecutionDocument {
    return toDocument(
      state,
      state.workflow === undefined ? undefined : this.catalogue.get(state.workflow),
    );
  }
}

interface SignalItem {
  state: "WAITING" | "PENDING" | "DELIVERING" | "DELIVERED" | "EXPIRED";
  taskToken?: string;
  stepId?: string;
  payload?: Json;
}

export class MemorySignalStore implements SignalStore {
  readonly items = new Map<string, SignalItem>();

  async registerWaiter(
    executionId: string,
    signal: string,
    waiter: Waiter,
  ): Promise<RegisterResult> {
    const key = `${executionId}/${signal}`;
    const item = this.items.get(key);
    if (item?.state === "PENDING") {
      this.items.set(key, {
        ...item,
        state: "DELIVERING",
        taskToken: waiter.taskToken,
        stepId: waiter.stepId,
      });
      return { kind: "early", payload: item.payload ?? null };
    }
    this.items.set(key, { state: "WAITING", taskToken: waiter.taskToken, stepId: waiter.stepId });
    return { kind: "waiting" };
  }

  async deliver(
    executionId: string,
    signal: string,
    payload: Json,
    options: { acceptEarly: boolean },
  ): Promise<DeliverResult> {
    const key = `${executionId}/${signal}`;
    const item = this.items.get(key);
    if (item?.state === "WAITING") {
      this.items.set(key, { ...item, state: "DELIVERING", payload });
      return { kind: "waiter", taskToken: item.taskToken ?? "", stepId: item.stepId ?? "" };
    }
    if (item !== undefined && item.state !== "EXPIRED") return { kind: "already-delivered" };
    if (!options.acceptEarly) return { kind: "not-waiting" };
    this.items.set(key, { state: "PENDING", payload });
    return { kind: "stored" };
  }

  #move(executionId: string, signal: string, token: string, state: SignalItem["state"]): void {
    const key = `${executionId}/${signal}`;
    const item = this.items.get(key);
    if (item?.state === "DELIVERING" && item.taskToken === token)
      this.items.set(key, { ...item, state });
  }

  async markDelivered(executionId: string, signal: string, token: string): Promise<void> {
    this.#move(executionId, signal, token, "DELIVERED");
  }
  async markExpired(executionId: string, signal: string, token: string): Promise<void> {
    this.#move(executionId, signal, token, "EXPIRED");
  }
  async release(executionId: string, signal: string, token: string): Promise<void> {
    this.#move(executionId, signal, token, "WAITING");
  }
  async restorePending(executionId: string, signal: string, token: string): Promise<void> {
    this.#move(executionId, signal, token, "PENDING");
  }
  async waiting(
    executionId: string,
  ): Promise<{ signal: string; taskToken: string; stepId: string }[]> {
    return [...this.items.entries()]
      .filter(([key, item]) => key.startsWith(`${executionId}/`) && item.state === "WAITING")
      .map(([key, item]) => ({
        signal: key.slice(executionId.length + 1),
        taskToken: item.taskToken ?? "",
        stepId: item.stepId ?? "",
      }));
  }
}

type EngineCall =
  | { op: "start"; workflow: string; name: string; input: Json }
  | { op: "stop"; id: string; options: StopOptions }
  | { op: "redrive"; id: string }
  | { op: "results"; id: string }
  | { op: "taskSuccess"; token: string; output: Json }
  | { op: "taskFailure"; token: string; error: string; cause: string };

export class FakeEngine implements ExecutionEngine {
  readonly calls: EngineCall[] = [];
  /** The version each start asked for, in order (undefined: the machine as deployed). */
  readonly startVersions: (number | undefined)[] = [];
  /** What `results` answers, by execution id (undefined: the execution is unknown). */
  readonly histories = new Map<string, ExecutionResults>();
  /** Errors to throw, by operation, once each. */
  readonly failures = new Map<EngineCall["op"], Error>();

  #fail(op: EngineCall["op"]): void {
    const error = this.failures.get(op);
    if (error !== undefined) {
      this.failures.delete(op);
      throw error;
    }
  }

  async start(
    workflow: string,
    name: string,
    input: Json,
    options: EngineStartOptions = {},
  ): Promise<StartedExecution> {
    this.calls.push({ op: "start", workflow, name, input });
    this.startVersions.push(options.version);
    this.#fail("start");
    return { executionId: name, startedAt: "2026-11-22T10:00:00.000Z" };
  }
  /** What `stop` reports the calls in flight did (per execution id). */
  readonly inFlight = new Map<string, InFlightCall[]>();
  async stop(id: string, options: StopOptions): Promise<StopOutcome> {
    this.calls.push({ op: "stop", id, options });
    this.#fail("stop");
    return { inFlight: this.inFlight.get(id) ?? [] };
  }
  async redrive(id: string): Promise<{ redriveDate: string }> {
    this.calls.push({ op: "redrive", id });
    this.#fail("redrive");
    return { redriveDate: "2026-11-22T11:00:00.000Z" };
  }
  async sendTaskSuccess(token: string, output: Json): Promise<void> {
    this.calls.push({ op: "taskSuccess", token, output });
    this.#fail("taskSuccess");
  }
  async sendTaskFailure(token: string, error: string, cause: string): Promise<void> {
    this.calls.push({ op: "taskFailure", token, error, cause });
    this.#fail("taskFailure");
  }
  async describe(): Promise<ExecutionDescription | undefined> {
    return undefined;
  }
  async results(id: string): Promise<ExecutionResults | undefined> {
    this.calls.push({ op: "results", id });
    this.#fail("results");
    return this.histories.get(id);
  }
}

export class FakeDeadLetterQueue implements DeadLetterQueue {
  letters: DeadLetter[] = [];
  redriveCalls: number[] = [];

  async list(limit: number): Promise<DeadLetter[]> {
    return this.letters.slice(0, limit);
  }
  async redrive(max: number): Promise<RedriveResult> {
    this.redriveCalls.push(max);
    const taken = this.letters.slice(0, max);
    this.letters = this.letters.slice(max);
    return { redriven: taken.length, failed: [] };
  }
  async count(): Promise<number> {
    return this.letters.length;
  }
}

const call = (id: string, scope: string, compensable: boolean) =>
  ({ id, kind: "call", scope, dependsOn: [], compensable }) as const;

/** Compensable steps at the top, in a parallel branch, and inside a map body (nested further). */
export const bulkWorkflow = {
  name: "bulk-orders",
  version: 1,
  type: "standard",
  definition: {},
  asl: {},
  mermaid: "",
  steps: [
    call("lookup", "/", false),
    { id: "fan", kind: "parallel", scope: "/", dependsOn: ["lookup"] },
    call("hold", "fan/0", true),
    { id: "items", kind: "map", scope: "/", dependsOn: ["fan"] },
    call("reserve_item", "items/0", true),
    { id: "pack", kind: "parallel", scope: "items/0", dependsOn: ["reserve_item"] },
    call("tag_item", "pack/1", true),
    call("charge", "/", true),
  ],
} as const satisfies CatalogueWorkflow;

/** Keeps what `POST /events` put on the bus; ids are `event-1`, `event-2`, … */
export class RecordingBus implements EventBusWriter {
  readonly entries: CallerEvent[] = [];
  async put(entries: readonly CallerEvent[]): Promise<readonly string[]> {
    return entries.map((entry) => `event-${this.entries.push(entry)}`);
  }
}

export function fakeDeps(
  overrides: Partial<ApiDeps> = {},
  extraWorkflows: readonly CatalogueWorkflow[] = [],
) {
  const entries: CatalogueWorkflow[] = [
    orderWorkflow,
    {
      name: "approval",
      version: 1,
      type: "standard",
      definition: {},
      asl: {},
      mermaid: "",
      steps: [{ id: "wait_ok", kind: "await", scope: "/", dependsOn: [], signal: "approved" }],
    },
    {
      name: "quick-check",
      version: 1,
      type: "express",
      definition: {},
      asl: {},
      mermaid: "",
      steps: [],
    },
    ...extraWorkflows,
  ];
  // Input schemas precompiled as synth and publish do (the API only loads the code).
  const catalogue = new WorkflowCatalogue(entries.map(withInputValidator));
  const executions = new MemoryExecutionStore(catalogue);
  const signals = new MemorySignalStore();
  const engine = new FakeEngine();
  const dlq = new FakeDeadLetterQueue();
  const events = new RecordingPublisher();
  const registryStore = new InMemoryRegistryStore({ clock: new ManualClock() });
  const registry = new RegistryService({
    store: registryStore,
    events,
    policy: { allowPrivate: true },
    resolver: async () => ["93.184.216.34"],
  });
  const healthChecks: HealthCheck[] = [{ name: "executions", check: async () => {} }];
  const bus = new RecordingBus();
  let ids = 0;
  const deps: ApiDeps = {
    catalogue,
    executions,
    signals,
    engine,
    registry,
    dlq,
    bus,
    healthChecks,
    inputValidator: new InputValidator(),
    clock: () => new Date("2026-11-22T10:00:00.000Z"),
    newId: () => `exec-${++ids}`,
    ...overrides,
  };
  return { deps, executions, signals, engine, dlq, events, registryStore, bus };
}

export const engineError = (reason: EngineError["reason"], message: string) =>
  new EngineError(reason, message);

/** A REST API (v1) proxy event. */
export function restEvent(
  method: string,
  path: string,
  o: {
    body?: unknown;
    query?: Record<string, string>;
    headers?: Record<string, string>;
    rawBody?: string;
  } = {},
) {
  return {
    resource: "/{proxy+}",
    httpMethod: method,
    path,
    headers: { "Content-Type": "application/json", ...(o.headers ?? {}) },
    multiValueHeaders: null,
    queryStringParameters: o.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: { proxy: path.slice(1) },
    stageVariables: null,
    requestContext: { requestId: "req-1", stage: "prod" },
    body: o.rawBody ?? (o.body === undefined ? null : JSON.stringify(o.body)),
    isBase64Encoded: false,
  };
}
