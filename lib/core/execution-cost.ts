/**
 * What one execution costs in AWS as a whole, not only its Step Functions part: the state machine,
 * the service-call, records and API Lambda invocations (requests and GB-seconds), the records'
 * DynamoDB units, the events on the bus, the API Gateway request and CloudWatch Logs. Usage per
 * path (the success path and each failure point) comes from a walk of the compiled machine
 * (`asl-walk.ts`); the records and handler figures from `USAGE_MODEL`, which follows the records
 * design (`lib/runtime/aws/dynamo-execution-store.ts`) and the handlers' event publishing.
 */
import type { State, StateMachineDefinition } from "./asl.ts";
import { type Outcome, walkNormalRun } from "./asl-walk.ts";
import type { WorkflowType } from "./model.ts";
import { type Architecture, PRICES } from "./pricing.ts";
import { TaskResource } from "./wire.ts";

/** Step Functions log levels (the CDK's `logging.level`). */
export type LogLevel = "OFF" | "ERROR" | "ALL";

export interface DeploymentOptions {
  readonly type: WorkflowType;
  /** Lambda memory of the service-call and records functions (the API's is `apiMemoryMb`). @default 256 */
  readonly memoryMb?: number;
  /** @default "arm64" */
  readonly architecture?: Architecture;
  /** State machine log level. @default "ERROR" */
  readonly logLevel?: LogLevel;
  /** Milliseconds one service-call attempt takes (Lambda billed duration and Express time). @default 100 */
  readonly callMs?: number;
  /** Items assumed for each map whose items are not known. @default 10 */
  readonly mapItems?: number;
  /** Iterations assumed for each loop. @default 3 */
  readonly loopIterations?: number;
}

/** The assumptions behind the counts that the machine itself does not show. */
export const USAGE_MODEL = {
  /** Step events per service-call attempt: `Step Started` and `Step Succeeded|Failed|Compensated`. */
  handlerEventsPerAttempt: 2,
  /** Standard: Step Functions status changes (RUNNING, terminal) reach the records function (free events). */
  statusChanges: 2,
  /** Standard: the records function publishes `Execution Started` and the terminal `Execution *`. */
  recordsPublishedEvents: 2,
  /**
   * The records queue's batches: the function drains up to this many messages per invocation,
   * gathered for `recordsWindowMs`. A short execution's events fit one batch; the model counts one
   * records invocation per execution (an idle queue; under load a batch carries many executions'
   * events, so the share is `events / recordsBatchSize`).
   */
  recordsBatchSize: 100,
  recordsWindowMs: 1000,
  recordsInvocationsPerExecution: 1,
  /**
   * The execution item (head): written by the API at the start (one unit, one more for its index
   * entry) and once more when the run ends (one unit, one for the index's status).
   */
  headWriteUnits: 2,
  endWriteUnits: 2,
  /** The head read (consistent Query) before the end write: one unit while under 4 KB. */
  headReadUnits: 1,
  /**
   * The log item one batch appends (gzipped JSON): bytes per logged event and per item (the order
   * keys, the terminal status change, the run's state trace), fitted to the units measured by
   * replaying linear sagas' events against the DynamoDB store (`bench/cost/records-units.ts`;
   * slightly above them on failure paths, whose events compress better).
   */
  logBytesPerEvent: 100,
  logItemBytes: 1000,
  /** The circuit breaker counts each call attempt with one atomic ADD (one write unit). */
  circuitWriteUnitsPerAttempt: 1,
  recordsMs: 40,
  apiMs: 60,
  apiMemoryMb: 512,
  /** CloudWatch Logs bytes per Lambda invocation (one INFO line, platform lines at WARN). */
  lambdaLogBytes: 300,
  /** Bytes per Step Functions log entry with execution data. */
  stateLogBytes: 600,
  /** At ALL, log entries per state transition (entered and exited). */
  stateLogEntriesPerTransition: 2,
} as const;

/** One execution's usage of each billed dimension. */
export interface ExecutionUsage {
  readonly transitions: number;
  readonly durationMs: number;
  readonly serviceCalls: number;
  readonly recordsInvocations: number;
  readonly apiRequests: number;
  readonly events: number;
  readonly writeUnits: number;
  readonly readUnits: number;
  readonly logBytes: number;
  readonly failed: boolean;
}

export interface UsdBreakdown {
  readonly stepFunctions: number;
  readonly lambda: number;
  readonly dynamodb: number;
  readonly eventBridge: number;
  readonly apiGateway: number;
  readonly logs: number;
  readonly total: number;
}

export interface PathCost {
  /** `success`, or `<state> fails` for a failure point. */
  readonly path: string;
  readonly usage: ExecutionUsage;
  /** USD per execution. */
  readonly usd: UsdBreakdown;
  readonly usdPerMillion: number;
}

/** What the machine itself does on one path: from the walk, or counted by running it. */
export interface MachineCounts {
  readonly transitions: number;
  readonly durationMs: number;
  /** Service-call Lambda invocations (attempts of calls and compensations). */
  readonly calls: number;
  /** Events the machine publishes itself (`putEvents` Tasks). */
  readonly events: number;
  readonly failed: boolean;
}

/** The success path and one path per failure point of a compiled Baton machine, priced. */
export function pathCosts(
  asl: StateMachineDefinition,
  options: DeploymentOptions,
): readonly PathCost[] {
  const callMs = options.callMs ?? 100;
  const walk = (failAt?: string): MachineCounts =>
    meanCounts(
      walkRun(asl, {
        mode: "expected",
        failureRate: 0,
        mapItems: options.mapItems ?? 10,
        loopIterations: options.loopIterations ?? 3,
        callMs,
        ...(failAt === undefined ? {} : { failAt }),
      }),
    );
  const paths = [
    { path: "success", counts: walk() },
    ...failurePoints(asl).map((name) => ({ path: `${name} fails`, counts: walk(name) })),
  ];
  return paths.map(({ path, counts }) => priced(path, batonUsage(counts, options), options));
}

/** Prices a path's usage. */
export function priced(path: string, usage: ExecutionUsage, options: DeploymentOptions): PathCost {
  const usd = priceUsage(usage, options);
  return { path, usage, usd, usdPerMillion: usd.total * 1e6 };
}

/** Baton's usage for what the machine did: its handlers, records, events, API and logs added. */
export function batonUsage(counts: MachineCounts, options: DeploymentOptions): ExecutionUsage {
  const m = USAGE_MODEL;
  const standard = options.type === "standard";
  const handlerEvents = counts.calls * m.handlerEventsPerAttempt;
  const recorded = handlerEvents + counts.events + (standard ? m.statusChanges : 0);
  const records = recordsUnits(recorded, standard);
  return {
    transitions: standard ? counts.transitions : 0,
    durationMs: counts.durationMs,
    serviceCalls: counts.calls,
    recordsInvocations: recorded > 0 ? m.recordsInvocationsPerExecution : 0,
    apiRequests: 1,
    events: handlerEvents + counts.events + (standard ? m.recordsPublishedEvents : 0),
    writeUnits: records.writeUnits + counts.calls * m.circuitWriteUnitsPerAttempt,
    readUnits: records.readUnits,
    logBytes:
      (counts.calls + (recorded > 0 ? m.recordsInvocationsPerExecution : 0) + 1) *
        m.lambdaLogBytes +
      stateLogEntries(counts, options.logLevel ?? "ERROR") * m.stateLogBytes,
    failed: counts.failed,
  };
}

/**
 * The records design (`lib/runtime/aws/dynamo-execution-store.ts`): the API writes the head at the
 * start; the execution's events arrive in one queue batch, appended as one gzipped log item (its
 * bytes grow linearly with the events); a Standard run's end reads the head and writes it once more
 * (status, published markers). Linear in the events: no item is rewritten per event.
 */
export function recordsUnits(
  recordedEvents: number,
  standard: boolean,
): { readonly writeUnits: number; readonly readUnits: number } {
  const m = USAGE_MODEL;
  const log = Math.ceil((m.logItemBytes + m.logBytesPerEvent * recordedEvents) / 1024);
  return {
    writeUnits: m.headWriteUnits + log + (standard ? m.endWriteUnits : 0),
    readUnits: standard ? m.headReadUnits : 0,
  };
}

function stateLogEntries(counts: MachineCounts, level: LogLevel): number {
  if (level === "OFF") return 0;
  if (level === "ALL") return counts.transitions * USAGE_MODEL.stateLogEntriesPerTransition + 2;
  // ERROR: the execution's failure (ExecutionFailed) and the failed task that led to it.
  return counts.failed ? 2 : 0;
}

export function priceUsage(usage: ExecutionUsage, options: DeploymentOptions): UsdBreakdown {
  const p = PRICES;
  const m = USAGE_MODEL;
  const memoryGb = (options.memoryMb ?? 256) / 1024;
  const gbSecond = p.lambda.usdPerGbSecond[options.architecture ?? "arm64"];
  const callMs = options.callMs ?? 100;
  const stepFunctions =
    options.type === "standard"
      ? usage.transitions * p.stepFunctions.usdPerTransition
      : expressExecution(usage.durationMs);
  const invocations = usage.serviceCalls + usage.recordsInvocations + usage.apiRequests;
  const lambda =
    invocations * p.lambda.usdPerRequest +
    ((usage.serviceCalls * callMs + usage.recordsInvocations * m.recordsMs) / 1000) *
      memoryGb *
      gbSecond +
    ((usage.apiRequests * m.apiMs) / 1000) * (m.apiMemoryMb / 1024) * gbSecond;
  const dynamodb =
    usage.writeUnits * p.dynamodb.usdPerWriteUnit + usage.readUnits * p.dynamodb.usdPerReadUnit;
  const eventBridge = usage.events * p.eventBridge.usdPerEvent;
  const apiGateway = usage.apiRequests * p.apiGateway.usdPerRequest;
  const logs = (usage.logBytes / 1e9) * p.cloudWatchLogs.usdPerGb;
  return {
    stepFunctions,
    lambda,
    dynamodb,
    eventBridge,
    apiGateway,
    logs,
    total: stepFunctions + lambda + dynamodb + eventBridge + apiGateway + logs,
  };
}

/** USD for one Express execution of this duration (64 MB, billed per 100 ms). */
export function expressExecution(durationMs: number): number {
  const s = PRICES.stepFunctions;
  const billedMs =
    Math.max(1, Math.ceil(durationMs / s.expressBillingIncrementMs)) * s.expressBillingIncrementMs;
  return (
    s.expressUsdPerRequest +
    (s.expressMemoryMb / 1024) * (billedMs / 1000) * s.expressUsdPerGbSecond
  );
}

/**
 * Forward service-call Tasks, by state name, in the order they appear (helper states such as
 * compensations carry a `#suffix`). A name used in several nested machines is listed once.
 */
export function failurePoints(asl: StateMachineDefinition): readonly string[] {
  const names = new Set<string>();
  const visit = (definition: StateMachineDefinition): void => {
    for (const [name, state] of Object.entries(definition.States) as [string, State][]) {
      if (
        state.Type === "Task" &&
        state.Resource === TaskResource.ServiceCall &&
        !name.includes("#")
      )
        names.add(name);
      if (state.Type === "Parallel") state.Branches.forEach(visit);
      if (state.Type === "Map") visit(state.ItemProcessor);
    }
  };
  visit(asl);
  return [...names];
}

/** Walks a normal run of a compiled Baton machine (see `walkNormalRun`). */
export function walkRun(
  asl: StateMachineDefinition,
  options: Parameters<typeof walkNormalRun>[1],
): readonly Outcome[] {
  return walkNormalRun(asl, options).outcomes;
}

function meanCounts(outcomes: readonly Outcome[]): MachineCounts {
  const weight = outcomes.reduce((t, o) => t + o.weight, 0) || 1;
  const mean = (f: (o: Outcome) => number) =>
    outcomes.reduce((t, o) => t + o.weight * f(o), 0) / weight;
  return {
    transitions: mean((o) => o.transitions),
    durationMs: mean((o) => o.durationMs),
    calls: mean((o) => o.calls),
    events: mean((o) => o.events),
    failed: outcomes.some((o) => o.failed && o.weight / weight >= 0.5),
  };
}
