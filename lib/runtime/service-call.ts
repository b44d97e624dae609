/**
 * The service-call task: every `call` step and every compensation of a compiled workflow.
 * Looks the service up in the registry (cached briefly), picks a healthy instance, checks the
 * shared circuit, calls it once (Step Functions owns retries) and reports the attempt as events.
 * Failures throw catalogue errors (`Baton.*`) that the ASL `Retry`/`Catch` match.
 */
import type { ServiceCallRequest, ServiceCallResult } from "../core/contract.ts";
import { HTTP_METHODS } from "../core/model.ts";
import { DetailType } from "../core/wire.ts";
import type { CircuitBreaker, CircuitPermit } from "./circuit/breaker.ts";
import type { Clock } from "./circuit/clock.ts";
import {
  BatonRuntimeError,
  ClientError,
  NoHealthyInstanceError,
  ServiceError,
  TimeoutError,
  UnknownServiceError,
} from "./errors.ts";
import type { EventEntry, EventPublisher, StepEventDetail } from "./events.ts";
import { type Fetch, sendRequest } from "./http/caller.ts";
import { traceparent } from "./http/trace.ts";
import { buildUrl } from "./http/url.ts";
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
}

const containerBalancer = new Balancer();
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export async function callService(
  request: ServiceCallRequest,
  deps: ServiceCallDeps,
): Promise<ServiceCallResult> {
  checkRequest(request);
  const startedAt = deps.clock.now();
  const report = new AttemptReporter(request, deps, startedAt);
  report.started();
  let instance: InstanceRecord | undefined;
  try {
    const service = await lookup(request, deps.registry);
    const healthy = service.instances.filter((candidate) => candidate.healthy);
    const pick = (deps.balancer ?? containerBalancer).pick(
      service.name,
      service.balancing,
      healthy,
    );
    if (pick === undefined) {
      const total = service.instances.length;
      throw new NoHealthyInstanceError(
        `Service ${service.name} has no healthy instance (${total} registered).`,
        { step: request.stepId },
      );
    }
    const target = pick.instance;
    try {
      const timeoutMs = attemptTimeoutMs(request, service);
      const context = { step: request.stepId, instance: target.id };
      const url = buildUrl(target.url, request.path, request.query, context);
      // The step's own headers may replace the default Idempotency-Key; trace headers are Baton's.
      const headers = {
        ...(await secretHeaders(service, deps.secrets, context)),
        ...defaultHeaders(request),
        ...requestHeaders(request, context),
        ...traceHeaders(request),
      };
      const permit = await deps.circuit.acquire(service.name, service.circuit, {
        probeLeaseMs: timeoutMs + 5_000,
      });
      // Attributed only once the circuit let the call through: a CircuitOpen names no instance.
      instance = target;
      const response = await withCircuit(deps.circuit, permit, () =>
        sendRequest(
          {
            url,
            method: request.method,
            headers,
            ...(request.body === undefined ? {} : { body: request.body }),
            timeoutMs,
            ...context,
          },
          deps.fetch,
        ),
      );
      const result: ServiceCallResult = {
        status: response.status,
        headers: response.headers,
        body: response.body,
        instance: target.id,
        attempt: request.attempt,
      };
      await report.succeeded(result);
      return result;
    } finally {
      pick.release();
    }
  } catch (error) {
    const failure = attribute(error, request.stepId, instance?.id);
    await report.failed(failure, instance?.id ?? null);
    throw failure;
  }
}

/** Runs the call and tells the circuit how it went: only failures the service is to blame for count. */
async function withCircuit<T>(
  circuit: CircuitBreaker,
  permit: CircuitPermit,
  call: () => Promise<T>,
): Promise<T> {
  try {
    const result = await call();
    await circuit.recordSuccess(permit);
    return result;
  } catch (error) {
    if (error instanceof ServiceError || error instanceof TimeoutError)
      await circuit.recordFailure(permit);
    // A 4xx means the service is up and answering.
    else await circuit.recordSuccess(permit);
    throw error;
  }
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

function attemptTimeoutMs(request: ServiceCallRequest, service: ServiceRecord): number {
  const seconds =
    Number.isFinite(request.timeout) && request.timeout > 0 ? request.timeout : service.timeout;
  return Math.min(seconds * 1000, MAX_TIMER_MS);
}

async function secretHeaders(
  service: ServiceRecord,
  secrets: SecretResolver,
  context: { readonly step: string; readonly instance: string },
): Promise<Record<string, string>> {
  try {
    return await resolveSecretHeaders(service.headers, secrets);
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

function defaultHeaders(request: ServiceCallRequest): Record<string, string> {
  const compensating = request.mode === "compensate";
  return {
    "idempotency-key": `${request.executionId}:${request.stepId}${compensating ? ":compensate" : ""}`,
  };
}

function traceHeaders(request: ServiceCallRequest): Record<string, string> {
  return {
    traceparent: traceparent(
      request.executionId,
      `${request.stepId}:${request.mode}:${request.attempt}`,
    ),
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
  if (input.mode !== "call" && input.mode !== "compensate")
    problems.push(`mode must be "call" or "compensate"`);
  if (problems.length > 0) {
    const step = typeof input.stepId === "string" ? input.stepId : "";
    throw new ClientError(`Invalid service-call request: ${problems.join("; ")}.`, { step });
  }
}

function attribute(error: unknown, step: string, instance: string | undefined): BatonRuntimeError {
  if (error instanceof BatonRuntimeError) {
    return error.step === step && (instance === undefined || error.instance !== undefined)
      ? error
      : error.withContext({ step, ...(instance === undefined ? {} : { instance }) });
  }
  return new ServiceError(`Unexpected failure: ${describe(error)}.`, {
    step,
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
    };
  }
}
