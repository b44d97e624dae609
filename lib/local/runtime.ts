/**
 * The in-process runtime shared by `baton dev`, `baton run` and the test harness: the local bus
 * (with its dead-letter queue), the engine wired to the real service-call handler, the records
 * rule, and workflow triggers (event patterns on the bus, schedules on timers).
 */

import { randomUUID } from "node:crypto";
import type {
  AwaitSignalRequest,
  ServiceCallRequest,
  ServiceCallResult,
} from "../core/contract.ts";
import { entryRequest } from "../core/entry-request.ts";
import type { Json } from "../core/model.ts";
import { isScheduleProblem, parseSchedule } from "../core/schedule.ts";
import { precompileInputSchema } from "../core/schema/input-validator-code.ts";
import {
  EVENT_SOURCE,
  NOT_REPLAYED,
  RECORDED_DETAIL_TYPE_PREFIXES,
  STATUS_CHANGE_DETAIL_TYPE,
  STEP_FUNCTIONS_SOURCE,
} from "../core/wire.ts";
import { InputValidator } from "../runtime/api/input-validation.ts";
import { checkChildInput } from "../runtime/child-input.ts";
import { CircuitBreaker } from "../runtime/circuit/breaker.ts";
import type { CircuitStore } from "../runtime/circuit/circuit-store.ts";
import { systemClock } from "../runtime/circuit/clock.ts";
import type { EventEntry, EventPublisher } from "../runtime/events.ts";
import type { ExecutionEngine } from "../runtime/execution-engine.ts";
import type { Fetch } from "../runtime/http/caller.ts";
import {
  MemoryServiceLimitStore,
  type ServiceLimitStore,
} from "../runtime/limits/service-limiter.ts";
import type { InstanceLoadStore } from "../runtime/load/load-store.ts";
import { MemoryLoadStore } from "../runtime/load/memory-load-store.ts";
import { SharedLoad } from "../runtime/load/shared-load.ts";
import type { PauseStore } from "../runtime/pause/pause-store.ts";
import { SERVE_STALE_MS, ServiceCache } from "../runtime/registry/cache.ts";
import type { RegistryStore } from "../runtime/registry/registry-store.ts";
import { EnvSecretResolver } from "../runtime/registry/secret-headers.ts";
import { callService, type ServiceCallDeps } from "../runtime/service-call.ts";
import { StartAdmission } from "../runtime/start-admission.ts";
import { SuspectProber } from "../runtime/suspect-probes.ts";
import { triggerStarter } from "../runtime/triggered-start.ts";
import { LocalDeadLetterQueue } from "./dead-letters.ts";
import { DeliveryOutbox } from "./delivery-outbox.ts";
import { LocalEngine } from "./engine.ts";
import { LocalExecutionEngine } from "./engine-adapter.ts";
import { type BusEvent, LocalEventBus } from "./event-bus.ts";
import { ExecutionJournal } from "./journal.ts";
import type { PreparedMachine } from "./machine.ts";
import { startSchedule } from "./schedule-timers.ts";
import type { CompiledSet } from "./workflows.ts";

/** Wraps the real service call (the harness injects faults here). */
export type CallInterceptor = (
  request: ServiceCallRequest,
  next: (request: ServiceCallRequest) => Promise<ServiceCallResult>,
) => Promise<ServiceCallResult>;

export interface LocalRuntimeOptions {
  readonly compiled: CompiledSet;
  /**
   * The machine of a workflow (`<name>`) or of one of its versions (`<name>:<n>`).
   * @default the compiled set's machines, by name
   */
  readonly machines?: (key: string) => PreparedMachine | undefined;
  readonly registry: RegistryStore & CircuitStore;
  /** Receives every Baton and Step Functions event (the execution records). */
  readonly records: (event: BusEvent) => Promise<void> | void;
  /** The await-signal task; without it tokens wait until resumed through the engine or timed out. */
  readonly parkSignal?: (request: AwaitSignalRequest, engine: ExecutionEngine) => Promise<unknown>;
  readonly fetch?: Fetch;
  readonly interceptCall?: CallInterceptor;
  /** Zero pauses for retries and Wait states. */
  readonly skipDelays?: boolean;
  /** See `LocalEngineOptions.realUndoDelays`. */
  readonly realUndoDelays?: boolean;
  readonly awaitTimeout?: (seconds: number) => number;
  /**
   * Starts a triggered execution through the start use case (concurrency slot or queue, and the
   * idempotency key `<trigger rule>-<event id>`), as the start-execution handler does in AWS: an
   * event delivered again (a replay, a redelivery) answers the execution it started. Without it
   * triggered executions start directly (`baton run`, the harness).
   */
  readonly startTriggered?: (
    workflow: string,
    input: Json,
    key: string,
    startedBy: string,
  ) => Promise<void>;
  /**
   * Records who started an execution a trigger or schedule started (`event:<source>`,
   * `schedule`), as the start-execution handler records it in AWS. @default not recorded
   */
  readonly recordStarter?: (executionId: string, startedBy: string) => Promise<void>;
  /** Where service `limits` are counted. @default in memory (this process is every caller) */
  readonly serviceLimits?: ServiceLimitStore;
  /** Pause flags the service-call handler checks (docs/limits-and-pause.md). */
  readonly pauses?: PauseStore;
  /** Told of each new execution the engine starts (`LocalEngineOptions.onNewExecution`). */
  readonly onNewExecution?: (executionId: string) => void;
  /** Where calls are counted per instance (docs/service-load.md). @default in memory */
  readonly load?: InstanceLoadStore;
  /** Where the engine journal and the dead letters are kept; memory only when absent. */
  readonly dataDir?: string;
  /** Pauses before re-delivering to a failing bus target. @default [50, 250] */
  readonly busRetryDelaysMs?: readonly number[];
  /** Registry lookups are cached this long. @default 1000 */
  readonly registryCacheMs?: number;
  /**
   * Successful call outcomes are added up this long and written to the circuit's window as one
   * increment (`CircuitBreakerOptions.countFlushMs`; a failure writes them at once).
   * @default 250, 0 when `registryCacheMs` is 0
   */
  readonly circuitCountFlushMs?: number;
  readonly log?: (line: string) => void;
}

export interface LocalRuntime {
  readonly bus: LocalEventBus;
  readonly engine: LocalEngine;
  /** The API's view of the engine. */
  readonly executionEngine: ExecutionEngine;
  readonly deadLetters: LocalDeadLetterQueue;
  /** Publishes with `source: baton` on the local bus (the handlers' `EventPublisher`). */
  readonly publisher: EventPublisher;
  /** Adds the workflows' event rules and starts their schedules. */
  startTriggers(): void;
  /** Waits until the bus has delivered everything published so far. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export async function createLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const log = options.log ?? ((line: string) => console.error(line));
  const deadLetters = await LocalDeadLetterQueue.open(
    options.dataDir === undefined ? undefined : `${options.dataDir}/dead-letters.json`,
  );
  const bus = new LocalEventBus({
    deadLetters,
    ...(options.dataDir === undefined
      ? {}
      : { outbox: new DeliveryOutbox(`${options.dataDir}/outbox`) }),
    ...(options.busRetryDelaysMs === undefined ? {} : { retryDelaysMs: options.busRetryDelaysMs }),
    onTargetFailure: (rule, event, reason) =>
      log(
        `baton dev: rule ${rule} could not deliver "${event["detail-type"]}" (${reason}); sent to the dead-letter queue`,
      ),
  });
  const publisher = bus.publisher();
  // The records rules of the deployed stack (`lib/cdk/execution-records-rules.ts`): status changes,
  // and Baton's step and compensation events (the records log the `Execution *` events they publish).
  // Replayed events never reach them: the records already hold what a replay delivers again.
  bus.addRule(
    "execution-records",
    { source: [STEP_FUNCTIONS_SOURCE], ...NOT_REPLAYED },
    options.records,
  );
  bus.addRule(
    "execution-records-steps",
    {
      source: [EVENT_SOURCE],
      "detail-type": RECORDED_DETAIL_TYPE_PREFIXES.map((prefix) => ({ prefix })),
      ...NOT_REPLAYED,
    },
    options.records,
  );

  // Registry and circuit reads before a call come from memory (refreshed in the background), so
  // a dynalite slowed by load costs the call none of its step timeout; the harness turns both off.
  const cacheMs = options.registryCacheMs ?? 1_000;
  const registry = new ServiceCache(options.registry, {
    ttlMs: cacheMs,
    serveStaleMs: cacheMs > 0 ? SERVE_STALE_MS : 0,
  });
  const secrets = new EnvSecretResolver();
  const fetchOption = options.fetch === undefined ? {} : { fetch: options.fetch };
  const suspects = new SuspectProber({
    registry: options.registry,
    events: publisher,
    clock: systemClock,
    secrets,
    ...fetchOption,
  });
  // One process makes every call: its outcomes are written to the window in sums, not one by one.
  const circuit = new CircuitBreaker({
    store: options.registry,
    events: publisher,
    readCacheMs: cacheMs,
    serveStaleMs: SERVE_STALE_MS,
    countFlushMs: options.circuitCountFlushMs ?? (cacheMs > 0 ? 250 : 0),
  });
  const baseDeps: ServiceCallDeps = {
    registry,
    circuit,
    events: publisher,
    secrets,
    clock: systemClock,
    onSuspect: (service, instance) => suspects.suspect(service, instance),
    ...(options.pauses === undefined ? {} : { pauses: options.pauses }),
    serviceLimits: options.serviceLimits ?? new MemoryServiceLimitStore(),
    load: new SharedLoad({
      store: options.load ?? new MemoryLoadStore(),
      clock: systemClock,
      onError: (what, error) => options.log?.(`baton dev: ${what} failed: ${String(error)}`),
    }),
    ...fetchOption,
  };
  const call = async (
    given: ServiceCallRequest,
    redriveCount: number,
    signal: AbortSignal,
  ): Promise<ServiceCallResult> => {
    // A first step's `state` form is resolved (or redirected) before interceptors see it.
    const request = entryRequest(given);
    const deps =
      redriveCount === 0
        ? baseDeps
        : { ...baseDeps, events: withRedriveCount(publisher, redriveCount) };
    const next = (r: ServiceCallRequest) => callService(r, deps, { signal });
    return options.interceptCall === undefined
      ? next(request)
      : options.interceptCall(request, next);
  };

  // Versions an older Baton stored in the data dir have no precompiled code: made here.
  const admissions = new StartAdmission(
    options.compiled.catalogue,
    publisher,
    new InputValidator({ precompile: precompileInputSchema }),
  );
  let executionEngine: ExecutionEngine | undefined;
  const engine = await LocalEngine.create({
    machines: options.machines ?? ((name) => options.compiled.machines.get(name)),
    journal: await ExecutionJournal.open(
      options.dataDir === undefined ? undefined : `${options.dataDir}/executions`,
    ),
    ...(options.skipDelays === undefined ? {} : { skipDelays: options.skipDelays }),
    ...(options.realUndoDelays === undefined ? {} : { realUndoDelays: options.realUndoDelays }),
    ...(options.awaitTimeout === undefined ? {} : { awaitTimeout: options.awaitTimeout }),
    ...(options.onNewExecution === undefined ? {} : { onNewExecution: options.onNewExecution }),
    runtime: {
      callService: (request, meta) => call(request, meta.redriveCount, meta.signal),
      emit: (entries) => {
        bus.put(entries);
      },
      parkSignal: async (request) => {
        if (options.parkSignal !== undefined && executionEngine !== undefined) {
          await options.parkSignal(request, executionEngine);
        }
      },
      checkChildInput: (request) => checkChildInput(request, { admission: admissions }),
      statusChanged: (detail) => {
        bus.put([
          {
            source: STEP_FUNCTIONS_SOURCE,
            detailType: STATUS_CHANGE_DETAIL_TYPE,
            detail,
            resources: [detail.executionArn],
          },
        ]);
      },
    },
  });
  executionEngine = new LocalExecutionEngine(engine);

  const schedules: { stop(): void }[] = [];
  const startTriggers = (): void => {
    for (const [name, workflow] of options.compiled.workflows) {
      workflow.triggers.forEach((trigger, index) => {
        const rule = `trigger:${name}:${index}`;
        // A refused start never runs: it is announced and kept in the dead-letter queue.
        const start = async (input: Json, event: BusEvent): Promise<void> => {
          const source = trigger.kind === "event" ? "trigger" : "schedule";
          const admission = await admissions.admit(name, input, source);
          if (!admission.admitted) {
            log(`baton dev: ${name} was not started by ${rule}: ${admission.reason}`);
            await deadLetters.add({
              rule,
              event,
              reason: `Baton.InvalidInput: ${admission.reason}`,
              failedAt: new Date().toISOString(),
              attempts: 1,
            });
            return;
          }
          const startedBy = triggerStarter({ kind: trigger.kind, event });
          if (options.startTriggered !== undefined) {
            await options.startTriggered(name, input, `${rule}-${event.id}`, startedBy);
            return;
          }
          const { executionId } = engine.start(name, input);
          await options.recordStarter?.(executionId, startedBy);
        };
        if (trigger.kind === "event") {
          try {
            bus.addRule(rule, trigger.pattern, (event) =>
              start(trigger.input ?? event.detail, event),
            );
          } catch (error) {
            log(
              `baton dev: ${name} trigger ${index} has an unusable event pattern: ${(error as Error).message}`,
            );
          }
        } else {
          // The validator refused invalid expressions already; this only guards hand-built models.
          const schedule = parseSchedule(trigger.expression);
          if (isScheduleProblem(schedule))
            log(`baton dev: ${name} trigger ${index}: ${schedule.message}`);
          else
            schedules.push(
              startSchedule(schedule, () => {
                void start(trigger.input ?? {}, scheduledEvent(name, trigger.expression));
              }),
            );
        }
      });
    }
  };

  return {
    bus,
    engine,
    executionEngine,
    deadLetters,
    publisher,
    startTriggers,
    idle: () => bus.idle(),
    stop: async () => {
      for (const schedule of schedules) schedule.stop();
      await engine.close();
      await circuit.close();
      await suspects.idle();
      await bus.idle();
      await deadLetters.flush();
    },
  };
}

/** The event EventBridge Scheduler-style rules deliver for a schedule, kept with a refused start. */
function scheduledEvent(workflow: string, expression: string): BusEvent {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "000000000000",
    time: new Date().toISOString(),
    region: "local",
    resources: [`schedule:${workflow}:${expression}`],
    detail: {},
  };
}

/** Adds the run's `redriveCount` to the step events a redriven execution publishes. */
function withRedriveCount(publisher: EventPublisher, redriveCount: number): EventPublisher {
  return {
    publish: (entries: readonly EventEntry[]) =>
      publisher.publish(
        entries.map((e) => ({ detailType: e.detailType, detail: { ...e.detail, redriveCount } })),
      ),
  };
}
