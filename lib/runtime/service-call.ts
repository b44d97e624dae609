/**
 * The service-call task: every `call` step and every compensation of a compiled workflow.
 * Looks the service up in the registry (cached briefly), picks a healthy instance, checks the
 * shared circuit, calls it once (Step Functions owns retries) and reports the attempt as events.
 * Failures throw catalogue errors (`Baton.*`) that the ASL `Retry`/`Catch` match.
 */

import { randomUUID } from "node:crypto";
import {
  type CallBudget,
  callBudget,
  PREPARE_MS,
  REPORT_MS,
  requestAbortAt,
} from "../core/call-budget.ts";
import type {
  ServiceCallFailure,
  ServiceCallRequest,
  ServiceCallResult,
} from "../core/contract.ts";
import { idempotencyKey } from "../core/effect-keys.ts";
import { entryRequest } from "../core/entry-request.ts";
import {
  AgainRetry,
  type AgainRetryName,
  BatonError,
  type BatonErrorName,
} from "../core/errors.ts";
import { HTTP_METHODS } from "../core/model.ts";
import {
  isCaughtFailure,
  type RecordedFailure,
  recordedFailure,
} from "../core/recorded-failure.ts";
import { resolveCallRequest, selectResult, TemplateReadError } from "../core/template-resolve.ts";
import { DetailType } from "../core/wire.ts";
import type { CircuitBreaker, CircuitPermit } from "./circuit/breaker.ts";
import type { Clock } from "./circuit/clock.ts";
import {
  BatonRuntimeError,
  ClientError,
  ConnectionLostError,
  NoHealthyInstanceError,
  OutputInvalidError,
  ServiceError,
  TemplateError,
  TimeoutError,
  UnknownServiceError,
} from "./errors.ts";
import type { EventEntry, EventPublisher, StepEventDetail } from "./events.ts";
import { type Fetch, sendRequest } from "./http/caller.ts";
import { Redactor } from "./http/redact.ts";
import { type CallTracer, type TracedCall, traceparent } from "./http/trace.ts";
import { buildUrl } from "./http/url.ts";
import {
  acquireLimits,
  type LimitPermit,
  type ServiceLimitStore,
} from "./limits/service-limiter.ts";
import type { LoadTicket, SharedLoad } from "./load/shared-load.ts";
import { checkOutput } from "./output-schema.ts";
import { passPauseGate } from "./pause/pause-gate.ts";
import type { PauseStore } from "./pause/pause-store.ts";
import { Balancer } from "./registry/balancer.ts";
import type { ServiceLookup } from "./registry/cache.ts";
import type { InstanceRecord, ServiceRecord } from "./registry/registry-model.ts";
import { resolveSecretHeaders, type SecretResolver } from "./registry/secret-headers.ts";

export interface ServiceCallDeps {
  /** A `RegistryStore`, or a `ServiceCache` in front of one (the default). */
  readonly registry: ServiceLookup;
  readonly circuit: CircuitBreaker;
  readonly events: EventPublisher;
  readonly secrets: SecretResolver;
  readonly clock: Clock;
  readonly fetch?: Fetch;
  /** Defaults to one balancer per container. */
  readonly balancer?: Balancer;
  /**
   * Told when a call failure blames an instance (5xx, 429, 408, timeout, connection error), so
   * health checks probe it now instead of at the next scheduled round. A returned promise is
   * awaited within the report budget (in AWS it publishes `Instance Suspected`).
   */
  readonly onSuspect?: (service: string, instanceId: string) => void | Promise<void>;
  /** Shared service `limits` (docs/limits-and-pause.md); without it limits are not enforced. */
  readonly serviceLimits?: ServiceLimitStore;
  /** Pause flags (docs/limits-and-pause.md); without it executions cannot be paused. */
  readonly pauses?: PauseStore;
  /** Spans for requests (X-Ray in AWS, docs/observability.md); without it, none. */
  readonly tracer?: CallTracer;
  /**
   * Load counters every caller shares (docs/service-load.md): counted per call sent, and read by
   * least_outstanding. Without it least_outstanding uses this container's counts only.
   */
  readonly load?: SharedLoad;
}

const containerBalancer = new Balancer();
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** What the entry point knows about its invocation. */
export interface CallOptions {
  /** The Lambda's remaining time when the handler started; the budget shrinks to fit it. */
  readonly remainingMs?: number | undefined;
  /** Aborts the request (the execution stopped): the attempt fails with `Baton.Cancelled`. */
  readonly signal?: AbortSignal;
}

export async function callService(
  input: ServiceCallRequest,
  deps: ServiceCallDeps,
  options: CallOptions = {},
): Promise<ServiceCallResult> {
  return callResolved(entryRequest(input), deps, options);
}

async function callResolved(
  input: ServiceCallRequest,
  deps: ServiceCallDeps,
  options: CallOptions,
): Promise<ServiceCallResult> {
  checkRequest(input);
  const failure = input.mode === "compensate" ? recordedFailure(input.failure) : undefined;
  if (failure === undefined) return callOrPark(input, deps, options);
  // The saga's events come from its undos, so a linear saga needs no event state (see contract.ts).
  // Once: with the first attempt (a retry of the first undo still sees the failure as caught).
  if (input.opens === true && isCaughtFailure(input.failure) && input.attempt === 1)
    await deps.events.publish([sagaEvent(input, DetailType.CompensationStarted, failure, deps)]);
  const result = await callOrPark(input, deps, options);
  if (input.completes === true)
    await deps.events.publish([sagaEvent(input, DetailType.CompensationCompleted, failure, deps)]);
  return { ...result, failure };
}

/** `Compensation Started`/`Completed` as the compiled event states publish them (compile.ts). */
function sagaEvent(
  request: ServiceCallRequest,
  detailType: string,
  failure: RecordedFailure,
  deps: ServiceCallDeps,
): EventEntry {
  return {
    detailType,
    detail: {
      executionId: request.executionId,
      workflow: request.workflow,
      version: request.version,
      error: { name: failure.name, message: failure.message, step: failure.step },
      at: new Date(deps.clock.now()).toISOString(),
    },
  };
}

async function callOrPark(
  input: ServiceCallRequest,
  deps: ServiceCallDeps,
  options: CallOptions,
): Promise<ServiceCallResult> {
  // The attempt's budget starts here, so everything before the request counts (the pause read
  // too): the handler's hard deadline stays inside the Task timeout (lib/core/call-budget.ts).
  const startedAt = deps.clock.now();
  if (deps.pauses === undefined) return callOnce(numbered(input), deps, options, startedAt);
  // A paused execution's call parks or is turned away before anything starts (pause/pause-gate.ts);
  // before numbering, so the attempts it turned away count toward no attempt number or cap. It
  // parks at most half of PREPARE_MS, so the request keeps its whole step timeout; an execution
  // paused longer is turned away (Baton.Paused) and asked again by the Task's pause retrier.
  const budget = callBudget(
    startedAt,
    stepTimeoutMs(input.timeout) ?? DEFAULT_STEP_MS,
    options.remainingMs,
  );
  const gate = await beforeAbort(
    budget,
    deps.clock,
    "The pause check",
    input.stepId,
    passPauseGate(input, timely(deps.pauses), deps.clock, { maxWaitMs: PREPARE_MS / 2 }),
  );
  return callOnce(numbered(gate.request), deps, options, startedAt);
}

/** How long a call waits for the pause flag before going on as not paused. */
export const PAUSE_READ_MS = 500;

/**
 * The pause store with reads bounded by PAUSE_READ_MS: a flag not read by then counts as not
 * paused, as an unreadable one does (pause is a request, not a safety rule), so a store slowed by
 * load never spends the call's budget. The read is not cancelled; its answer is dropped.
 */
function timely(store: PauseStore): PauseStore {
  return {
    get: (executionId) => {
      const read = store.get(executionId);
      read.catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), PAUSE_READ_MS);
      });
      return Promise.race([read, late]).finally(() => clearTimeout(timer));
    },
    set: (executionId, paused) => store.set(executionId, paused),
    bounce: (executionId, stepKey) => store.bounce(executionId, stepKey),
  };
}

async function callOnce(
  request: ServiceCallRequest,
  deps: ServiceCallDeps,
  options: CallOptions,
  startedAt: number,
): Promise<ServiceCallResult> {
  // Budgets nest inside the Task timeout (lib/core/call-budget.ts): the request is aborted at the
  // step timeout after it is sent; lookups before it and reports after it are bounded too.
  let stepMs = stepTimeoutMs(request.timeout);
  let budget = callBudget(startedAt, stepMs ?? DEFAULT_STEP_MS, options.remainingMs);
  const secrets = new Set<string>();
  const report = new AttemptReporter(request, deps, startedAt);
  report.started();
  let instance: InstanceRecord | undefined;
  let span: { readonly traced: TracedCall; sentAt?: number; ended?: boolean } | undefined;
  let sent: LoadTicket | undefined;
  try {
    const call = resolveTemplatesOf(request);
    // The circuit read runs beside the registry lookup (both are usually served from memory).
    deps.circuit.prefetch(request.service);
    const before = <T>(what: string, work: Promise<T>) =>
      beforeAbort(budget, deps.clock, what, request.stepId, work);
    const service = await before("The registry lookup", lookup(request, deps.registry));
    if (stepMs === undefined) {
      stepMs = stepTimeoutMs(service.timeout) ?? DEFAULT_STEP_MS;
      budget = callBudget(startedAt, stepMs, options.remainingMs);
    }
    const healthy = service.instances.filter((candidate) => candidate.healthy);
    // Every caller's in-flight counts, read within their own small budget (else local counts).
    const shared =
      service.balancing === "least_outstanding" && deps.load !== undefined && healthy.length > 1
        ? await before("The load counters read", deps.load.inFlight(service.name))
        : undefined;
    const pick = (deps.balancer ?? containerBalancer).pick(
      service.name,
      service.balancing,
      healthy,
      shared,
    );
    if (pick === undefined) {
      const total = service.instances.length;
      throw new NoHealthyInstanceError(
        `Service ${service.name} has no healthy instance (${total} registered).`,
        { step: request.stepId },
      );
    }
    const target = pick.instance;
    let limitPermit: LimitPermit | undefined;
    try {
      const context = { step: request.stepId, instance: target.id };
      const url = buildUrl(target.url, call.path, call.query, context);
      const traced = deps.tracer?.start({ service: service.name, method: request.method, url });
      if (traced !== undefined) span = { traced };
      // The step's own headers may replace the default Idempotency-Key; trace headers are Baton's.
      const headers = {
        ...(await before(
          "Resolving the secret headers",
          secretHeaders(service, deps.secrets, context, secrets),
        )),
        ...defaultHeaders(request),
        ...requestHeaders(call, context),
        ...traceHeaders(request, traced),
      };
      // Shared service limits: wait for a slot and a rate token, at most until the abort time.
      limitPermit = await waitForLimits(deps, service, request, budget, stepMs);
      const permit = await before(
        "The circuit check",
        deps.circuit.acquire(service.name, service.circuit, { probeLeaseMs: stepMs + 5_000 }),
      );
      const sentAt = deps.clock.now();
      const abortAt = requestAbortAt(budget, sentAt, stepMs);
      if (abortAt <= sentAt) {
        throw new ServiceError(
          "No time was left to send the request (the Lambda's remaining time is shorter than the step's budget), so none was sent.",
          context,
        );
      }
      // Attributed only once the circuit let the call through: a CircuitOpen names no instance.
      instance = target;
      report.sending(headers.traceparent);
      if (span !== undefined) span.sentAt = sentAt;
      sent = deps.load?.sent(service.name, target.id);
      const response = await withCircuit(deps.circuit, permit, budget, deps.clock, () =>
        sendRequest(
          {
            url,
            method: request.method,
            headers,
            ...(call.body === undefined ? {} : { body: call.body }),
            timeoutMs: abortAt - sentAt,
            budgetMs: stepMs ?? DEFAULT_STEP_MS,
            redactor: new Redactor(secrets),
            ...context,
            ...(options.signal === undefined ? {} : { signal: options.signal }),
          },
          deps.fetch,
        ),
      );
      const answer: ServiceCallResult = {
        status: response.status,
        headers: response.headers,
        body: response.body,
        instance: target.id,
        attempt: request.attempt,
      };
      if (span?.sentAt !== undefined) {
        span.ended = true;
        await settleBy(
          budget.deadline,
          deps.clock,
          span.traced.end({
            sentAt: span.sentAt,
            endedAt: deps.clock.now(),
            status: response.status,
          }),
        );
      }
      const result = checkOutput(select(answer, request), request);
      await settleBy(
        budget.deadline,
        deps.clock,
        Promise.all([report.succeeded(result), sent?.end(false)]),
      );
      return result;
    } finally {
      pick.release();
      if (limitPermit !== undefined)
        await settleBy(budget.deadline, deps.clock, limitPermit.release());
    }
  } catch (error) {
    const failure = redacted(
      attribute(error, request.stepId, instance?.id, request.attempt),
      new Redactor(secrets),
    );
    // A span ends once: a check failing after the response was traced changes nothing of the request.
    if (span?.sentAt !== undefined && span.ended !== true)
      await settleBy(
        budget.deadline,
        deps.clock,
        span.traced.end({
          sentAt: span.sentAt,
          endedAt: deps.clock.now(),
          ...(failure.status === undefined ? {} : { status: failure.status }),
          error: failure.name,
        }),
      );
    if (sent !== undefined) {
      const failed = instance !== undefined && blamesService(error);
      await settleBy(budget.deadline, deps.clock, sent.end(failed));
    }
    if (instance !== undefined && blamesService(error)) {
      const suspected = deps.onSuspect?.(request.service, instance.id);
      if (suspected !== undefined) await settleBy(budget.deadline, deps.clock, suspected);
    }
    await settleBy(budget.deadline, deps.clock, report.failed(failure, instance?.id ?? null));
    throw forAgain(failure, request);
  }
}

/**
 * The request with its attempt counted over the whole step. In `<id>#again` (`request.again`),
 * `attempt` counts that Task's own attempts, after the uncertain one its `Cause` names. An attempt
 * past `maxAttempts` is not made: the step fails with the uncertain attempt's error, as it would
 * have had that been the last (it is marked for compensation already).
 */
function numbered(request: ServiceCallRequest): ServiceCallRequest {
  const again = request.again;
  if (again === undefined) return request;
  const prior = priorAttempt(again.after);
  const attempt = (prior?.attempt ?? 1) + request.attempt;
  if (attempt > again.maxAttempts && prior !== undefined) {
    throw new BatonRuntimeError(prior.name as BatonErrorName, prior.failure.message, {
      step: request.stepId,
      attempt: prior.attempt,
      ...(prior.failure.status === undefined ? {} : { status: prior.failure.status }),
      ...(prior.failure.instance === undefined ? {} : { instance: prior.failure.instance }),
    });
  }
  return { ...request, attempt };
}

/** The attempt a caught `Cause` names: a Lambda error envelope around a `ServiceCallFailure`. */
function priorAttempt(
  cause: string | undefined,
): { name: string; attempt: number; failure: ServiceCallFailure } | undefined {
  const envelope = parseObject(cause);
  if (typeof envelope?.errorType !== "string" || typeof envelope.errorMessage !== "string")
    return undefined;
  const failure = parseObject(envelope.errorMessage);
  if (typeof failure?.attempt !== "number" || typeof failure.message !== "string") return undefined;
  return {
    name: envelope.errorType,
    attempt: failure.attempt,
    failure: failure as unknown as ServiceCallFailure,
  };
}

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `againErrorName` applied to a failure (a copy under that name, or the failure itself). */
function forAgain(failure: BatonRuntimeError, request: ServiceCallRequest): BatonRuntimeError {
  const name = againErrorName(request, failure.name);
  return name === failure.name ? failure : failure.renamed(name);
}

/**
 * The name a failed attempt is thrown under. In `<id>#again`, an error the step's policy retries
 * is renamed for that Task's retriers (`AgainRetry`) while the policy allows another attempt; the
 * last allowed attempt, and every attempt outside `#again`, fails with its own name.
 */
export function againErrorName<N extends string>(
  request: Pick<ServiceCallRequest, "again" | "attempt">,
  name: N,
): N | AgainRetryName {
  const again = request.again;
  if (again === undefined || request.attempt >= again.maxAttempts) return name;
  if (!again.retryOn.includes(name)) return name;
  return name === BatonError.CircuitOpen ? AgainRetry.AfterCooldown : AgainRetry.Now;
}

/**
 * Waits for the service's `limits` (`limits/service-limiter.ts`); out of time, the attempt fails
 * as retryable with nothing sent.
 */
async function waitForLimits(
  deps: ServiceCallDeps,
  service: ServiceRecord,
  request: ServiceCallRequest,
  budget: CallBudget,
  stepMs: number,
): Promise<LimitPermit | undefined> {
  if (deps.serviceLimits === undefined || service.limits === undefined) return undefined;
  const started = deps.clock.now();
  const permit = await acquireLimits(deps.serviceLimits, service.name, service.limits, {
    until: budget.abortAt - MIN_REQUEST_MS,
    leaseMs: stepMs + REPORT_MS + 5_000,
    holder: `${request.executionId}:${request.stepId}:${request.attempt}:${randomUUID().slice(0, 8)}`,
    now: () => deps.clock.now(),
  });
  if (permit !== undefined) return permit;
  throw new ServiceError(
    `Waited ${deps.clock.now() - started} ms for a call within the limits of ${service.name} (${JSON.stringify(service.limits)}) and the attempt's time ran out, so no request was sent; the step is retried if its policy allows.`,
    { step: request.stepId },
  );
}

/** A request is not worth starting with less time than this before its abort. */
const MIN_REQUEST_MS = 100;

/** Failures the service is to blame for: they count against its circuit and health. */
const blamesService = (error: unknown): boolean =>
  error instanceof ServiceError ||
  error instanceof TimeoutError ||
  error instanceof ConnectionLostError;

/**
 * The request with its templates resolved (see `lib/core/template-resolve.ts`): an absent read
 * fails the step with the catchable `Baton.TemplateError` before anything is sent.
 */
function resolveTemplatesOf(request: ServiceCallRequest): ServiceCallRequest {
  try {
    return resolveCallRequest(request);
  } catch (error) {
    if (!(error instanceof TemplateReadError)) throw error;
    throw new TemplateError(`Step ${request.stepId}: ${error.message}.`, { step: request.stepId });
  }
}

/** `select: body.items` keeps only that part of the answer as the body. */
function select(result: ServiceCallResult, request: ServiceCallRequest): ServiceCallResult {
  if (request.select === undefined) return result;
  const selected = selectResult(result, request.select);
  if (selected !== undefined) return selected;
  throw new OutputInvalidError(
    `Step ${request.stepId}: the response has no ${request.select} to select (HTTP ${result.status}); the call took effect, so it is compensated.`,
    { step: request.stepId, status: result.status, instance: result.instance },
  );
}

/**
 * Runs the call and tells the circuit how it went: only failures the service is to blame for count.
 * The circuit write is bounded by the handler's deadline, and its failure never changes the outcome
 * of a call that was made (failing it would make Step Functions call again).
 */
async function withCircuit<T>(
  circuit: CircuitBreaker,
  permit: CircuitPermit,
  budget: CallBudget,
  clock: Clock,
  call: () => Promise<T>,
): Promise<T> {
  try {
    const result = await call();
    await settleBy(budget.deadline, clock, circuit.recordSuccess(permit));
    return result;
  } catch (error) {
    // Aborted by a cancel: says nothing about the service, so nothing is counted (a half-open
    // probe's lease then runs out and another call probes).
    if (error instanceof BatonRuntimeError && error.name === BatonError.Cancelled) throw error;
    const blamed = blamesService(error);
    // A 4xx means the service is up and answering.
    const record = blamed ? circuit.recordFailure(permit) : circuit.recordSuccess(permit);
    await settleBy(budget.deadline, clock, record);
    throw error;
  }
}

/** Work before the request: fails the attempt, with nothing sent, when it outlasts the abort time. */
async function beforeAbort<T>(
  budget: CallBudget,
  clock: Clock,
  what: string,
  step: string,
  work: Promise<T>,
): Promise<T> {
  // A late failure of abandoned work must not surface as an unhandled rejection.
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ServiceError(
            `${what} did not finish within the attempt's time budget, so no request was sent; the step is retried if its policy allows.`,
            { step },
          ),
        ),
      Math.max(0, budget.abortAt - clock.now()),
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for best-effort work until the deadline at most; its failure is not the call's. */
async function settleBy(deadline: number, clock: Clock, work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const settled = work.then(
    () => undefined,
    () => undefined,
  );
  const due = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - clock.now()));
  });
  try {
    await Promise.race([settled, due]);
  } finally {
    clearTimeout(timer);
  }
}

/** The error without any resolved secret value (and without its cause, which may quote one). */
function redacted(error: BatonRuntimeError, redactor: Redactor): BatonRuntimeError {
  if (redactor.empty) return error;
  return new BatonRuntimeError(error.name, redactor.redact(error.reason), {
    step: error.step,
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.instance === undefined ? {} : { instance: error.instance }),
    ...(error.attempt === undefined ? {} : { attempt: error.attempt }),
  });
}

async function lookup(
  request: ServiceCallRequest,
  registry: ServiceLookup,
): Promise<ServiceRecord> {
  let service: ServiceRecord | undefined;
  try {
    service = await registry.getService(request.service);
  } catch (error) {
    throw new ServiceError(`Service registry unavailable: ${describe(error)}.`, {
      step: request.stepId,
      cause: error,
    });
  }
  if (service === undefined) {
    throw new UnknownServiceError(
      `Service ${request.service} is not registered; add it to services.yaml or PUT /services/${request.service}.`,
      { step: request.stepId },
    );
  }
  return service;
}

/** Node timers overflow past 2^31 - 1 ms (they would fire at once); no call may wait longer. */
const MAX_TIMER_MS = 2_147_483_647;
/** The budget before the registry says otherwise, for a request without a usable timeout. */
const DEFAULT_STEP_MS = 30_000;

/** Milliseconds of a positive timeout in seconds; undefined when it is not usable. */
function stepTimeoutMs(seconds: number): number | undefined {
  return Number.isFinite(seconds) && seconds > 0
    ? Math.min(seconds * 1000, MAX_TIMER_MS)
    : undefined;
}

async function secretHeaders(
  service: ServiceRecord,
  secrets: SecretResolver,
  context: { readonly step: string; readonly instance: string },
  found: Set<string>,
): Promise<Record<string, string>> {
  try {
    return await resolveSecretHeaders(service.headers, secrets, found);
  } catch (error) {
    if (error instanceof BatonRuntimeError) throw error.withContext(context);
    throw new ServiceError(
      `Secret headers of ${service.name} could not be resolved: ${describe(error)}.`,
      { ...context, cause: error },
    );
  }
}

function requestHeaders(
  request: ServiceCallRequest,
  context: { readonly step: string; readonly instance: string },
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (value === null) continue;
    const text = typeof value === "string" ? value : JSON.stringify(value);
    if (!HEADER_NAME.test(name) || !HEADER_VALUE.test(text)) {
      throw new ClientError(
        `Header ${JSON.stringify(name)} has an invalid name or value.`,
        context,
      );
    }
    headers[name.toLowerCase()] = text;
  }
  return headers;
}

/** The effect's key (`lib/core/effect-keys.ts`): the same on every attempt; `:undo` for the undo. */
function defaultHeaders(request: ServiceCallRequest): Record<string, string> {
  return { "idempotency-key": idempotencyKey(request) };
}

/** The active trace's context when there is one (X-Ray in AWS), else one derived from the execution. */
function traceHeaders(
  request: ServiceCallRequest,
  traced: TracedCall | undefined,
): Record<string, string> {
  return {
    traceparent:
      traced?.traceparent ??
      traceparent(request.executionId, `${request.stepId}:${request.mode}:${request.attempt}`),
    "x-baton-execution": request.executionId,
    "x-baton-step": request.stepId,
  };
}

/** Malformed task input is a definition bug: fail the step without retrying. */
function checkRequest(request: ServiceCallRequest): void {
  const input = request as unknown as Record<string, unknown> | null;
  const problems: string[] = [];
  if (typeof input !== "object" || input === null) {
    throw new ClientError("The service-call task received no request object.");
  }
  for (const field of ["workflow", "executionId", "stepId", "service", "path"] as const) {
    if (typeof input[field] !== "string" || input[field] === "")
      problems.push(`${field} must be a non-empty string`);
  }
  for (const field of ["version", "attempt", "timeout"] as const) {
    if (typeof input[field] !== "number" || !Number.isFinite(input[field]))
      problems.push(`${field} must be a number`);
  }
  if (!(HTTP_METHODS as readonly unknown[]).includes(input.method)) {
    problems.push(`method must be one of ${HTTP_METHODS.join(", ")}`);
  }
  for (const field of ["query", "headers"] as const) {
    const value = input[field];
    if (
      value !== undefined &&
      (typeof value !== "object" || value === null || Array.isArray(value))
    ) {
      problems.push(`${field} must be an object`);
    }
  }
  if (input.itemPath !== undefined && typeof input.itemPath !== "string")
    problems.push("itemPath must be a string");
  if (
    input.output !== undefined &&
    (typeof input.output !== "object" || input.output === null || Array.isArray(input.output))
  )
    problems.push("output must be a JSON Schema object");
  if (input.again !== undefined && !isAgain(input.again))
    problems.push("again must be {maxAttempts: number, retryOn: string[], after?: string}");
  for (const field of ["opens", "completes"] as const) {
    if (input[field] !== undefined && typeof input[field] !== "boolean")
      problems.push(`${field} must be a boolean`);
  }
  if (input.mode !== "call" && input.mode !== "compensate")
    problems.push(`mode must be "call" or "compensate"`);
  if (problems.length > 0) {
    const step = typeof input.stepId === "string" ? input.stepId : "";
    throw new ClientError(`Invalid service-call request: ${problems.join("; ")}.`, { step });
  }
}

function isAgain(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const again = value as Record<string, unknown>;
  return (
    typeof again.maxAttempts === "number" &&
    Number.isInteger(again.maxAttempts) &&
    again.maxAttempts >= 1 &&
    Array.isArray(again.retryOn) &&
    again.retryOn.every((name) => typeof name === "string") &&
    (again.after === undefined || typeof again.after === "string")
  );
}

function attribute(
  error: unknown,
  step: string,
  instance: string | undefined,
  attempt: number,
): BatonRuntimeError {
  if (error instanceof BatonRuntimeError) {
    return error.withContext({ step, attempt, ...(instance === undefined ? {} : { instance }) });
  }
  return new ServiceError(`Unexpected failure: ${describe(error)}.`, {
    step,
    attempt,
    cause: error,
    ...(instance === undefined ? {} : { instance }),
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Publishes the attempt's step events; the start goes out while the call runs. */
class AttemptReporter {
  readonly #request: ServiceCallRequest;
  readonly #deps: ServiceCallDeps;
  readonly #startedAt: number;
  #start: Promise<void> = Promise.resolve();
  /** The trace id of the request sent (from its `traceparent`); absent when none was sent. */
  #traceId: string | undefined;

  constructor(request: ServiceCallRequest, deps: ServiceCallDeps, startedAt: number) {
    this.#request = request;
    this.#deps = deps;
    this.#startedAt = startedAt;
  }

  started(): void {
    const detail = this.#detail(null, null, null, null);
    const entries: EventEntry[] = [{ detailType: DetailType.StepStarted, detail }];
    if (this.#request.attempt > 1) entries.push({ detailType: DetailType.StepRetried, detail });
    this.#start = this.#deps.events.publish(entries);
  }

  /** Notes the trace context the request goes out with (the records keep its trace id). */
  sending(traceparent: string | undefined): void {
    this.#traceId = traceparent?.split("-")[1];
  }

  async succeeded(result: ServiceCallResult): Promise<void> {
    const detailType =
      this.#request.mode === "compensate" ? DetailType.StepCompensated : DetailType.StepSucceeded;
    await this.#finish({
      detailType,
      detail: this.#detail(result.instance, result.status, null, this.#deps.clock.now()),
    });
  }

  async failed(error: BatonRuntimeError, instance: string | null): Promise<void> {
    const detail = this.#detail(
      instance,
      error.status ?? null,
      { name: error.name, message: error.reason, retryable: error.retryable },
      this.#deps.clock.now(),
    );
    await this.#finish({ detailType: DetailType.StepFailed, detail });
  }

  async #finish(entry: EventEntry): Promise<void> {
    await this.#start;
    await this.#deps.events.publish([entry]);
  }

  #detail(
    instance: string | null,
    status: number | null,
    error: StepEventDetail["error"],
    endedAt: number | null,
  ): StepEventDetail {
    const request = this.#request;
    return {
      executionId: request.executionId,
      workflow: request.workflow,
      version: request.version,
      stepId: request.stepId,
      ...(request.itemPath === undefined ? {} : { itemPath: request.itemPath }),
      mode: request.mode,
      attempt: request.attempt,
      ...(request.redriveCount ? { redriveCount: request.redriveCount } : {}),
      service: request.service,
      instance,
      startedAt: new Date(this.#startedAt).toISOString(),
      endedAt: endedAt === null ? null : new Date(endedAt).toISOString(),
      durationMs: endedAt === null ? null : endedAt - this.#startedAt,
      status,
      error,
      ...(this.#traceId === undefined ? {} : { traceId: this.#traceId }),
    };
  }
}
