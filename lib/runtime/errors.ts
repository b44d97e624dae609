/**
 * Runtime errors thrown by the handlers. `name` is the catalogue name from `lib/core/errors.ts`
 * (what ASL `ErrorEquals` matches) and `message` is a `ServiceCallFailure` JSON string, so the
 * ASL `Cause` carries `{message, step, status?, instance?}` to the execution record.
 */

import type { ServiceCallFailure } from "../core/contract.ts";
import {
  type AgainRetryName,
  BatonError,
  type BatonErrorName,
  isRetryable,
} from "../core/errors.ts";

export interface BatonRuntimeErrorOptions {
  readonly cause?: unknown;
  /** The step the failure belongs to; empty when raised outside a step (e.g. registry calls). */
  readonly step?: string;
  /** HTTP status returned by the service, when it answered. */
  readonly status?: number;
  /** Instance id that was called. */
  readonly instance?: string;
  /** The step's attempt (1 for the first). */
  readonly attempt?: number;
}

export class BatonRuntimeError extends Error {
  override readonly name: BatonErrorName | AgainRetryName;
  /** Human-readable reason, without the JSON envelope. */
  readonly reason: string;
  readonly step: string;
  readonly status: number | undefined;
  readonly instance: string | undefined;
  readonly attempt: number | undefined;
  readonly retryable: boolean;

  constructor(
    name: BatonErrorName | AgainRetryName,
    reason: string,
    options: BatonRuntimeErrorOptions = {},
  ) {
    const failure = toFailure(reason, options);
    super(JSON.stringify(failure), options.cause === undefined ? {} : { cause: options.cause });
    this.name = name;
    this.reason = reason;
    this.step = failure.step;
    this.status = options.status;
    this.instance = options.instance;
    this.attempt = options.attempt;
    this.retryable = isRetryable(name);
  }

  /** The `Cause` payload of this error. */
  get failure(): ServiceCallFailure {
    return toFailure(this.reason, this);
  }

  /** A copy attributed to a step and instance (errors raised below the handler lack them). */
  withContext(context: {
    readonly step: string;
    readonly instance?: string;
    readonly attempt?: number;
  }): BatonRuntimeError {
    return this.renamed(this.name, context);
  }

  /** A copy under another name (and context), e.g. to be retried only by `<id>#again`. */
  renamed(
    name: BatonErrorName | AgainRetryName,
    context: { readonly step?: string; readonly instance?: string; readonly attempt?: number } = {},
  ): BatonRuntimeError {
    const { cause } = this;
    const options: BatonRuntimeErrorOptions = {
      step: context.step ?? this.step,
      ...(cause === undefined ? {} : { cause }),
      ...(this.status === undefined ? {} : { status: this.status }),
      ...optional("instance", context.instance ?? this.instance),
      ...optional("attempt", context.attempt ?? this.attempt),
    };
    return new BatonRuntimeError(name, this.reason, options);
  }
}

function toFailure(
  reason: string,
  options: {
    readonly step?: string;
    readonly status?: number | undefined;
    readonly instance?: string | undefined;
    readonly attempt?: number | undefined;
  },
): ServiceCallFailure {
  return {
    message: reason,
    step: options.step ?? "",
    ...optional("status", options.status),
    ...optional("instance", options.instance),
    ...optional("attempt", options.attempt),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** 5xx, 408, 429, connection refused or reset, and infrastructure failures worth a retry. */
export class ServiceError extends BatonRuntimeError {
  constructor(reason: string, options: BatonRuntimeErrorOptions = {}) {
    super(BatonError.ServiceError, reason, options);
  }
}

/** An attempt exceeded its timeout. */
export class TimeoutError extends BatonRuntimeError {
  constructor(reason: string, options: BatonRuntimeErrorOptions = {}) {
    super(BatonError.Timeout, reason, options);
  }
}

/** The connection failed after the request may have been sent: the outcome is unknown. */
export class ConnectionLostError extends BatonRuntimeError {
  constructor(reason: string, options: BatonRuntimeErrorOptions = {}) {
    super(BatonError.ConnectionLost, reason, options);
  }
}

/** A template read an absent value and has no `??` default. Not retryable; nothing was sent. */
export class TemplateError extends BatonRuntimeError {
  constructor(reason: string, options: BatonRuntimeErrorOptions = {}) {
    super(BatonError.TemplateError, reason, options);
  }
}

/**
 * A start's input does not match the started workflow's input schema (a `workflow` step's child):
 * nothing was started. Not retryable; the step records it as `Baton.ChildWorkflowFailed`.
 */
export class InvalidInputError extends BatonRuntimeError {
  constructor(reason: string, options: BatonRuntimeErrorOptions = {}) {
    super(BatonError.InvalidInput, reason, options);
  }
}

/** The response lacks the step's `select` path, or its body is over the cap. Not retryable; the call took effect. */
export class OutputInvalidError extends BatonRuntimeError {
  constructor(reason: string, options: BatonRuntimeErrorOptions = {}) {
    super(BatonError.OutputInvalid, reason, options);
  }
}

/** The target service's circuit is open (or another caller holds the half-open probe). */
export class CircuitOpenError extends BatonRuntimeError {
  constructor(reason: string, options: BatonRuntimeErrorOptions = {}) {
    super(BatonError.CircuitOpen, reason, options);
  }
}

export class NoHealthyInstanceError extends BatonRuntimeError {
  constructor(reason: string, options: BatonRuntimeErrorOptions = {}) {
    super(BatonError.NoHealthyInstance, reason, options);
  }
}

/** 4xx other than 408 and 429, redirects, and requests Baton refuses to send. Not retryable. */
export class ClientError extends BatonRuntimeError {
  constructor(reason: string, options: BatonRuntimeErrorOptions = {}) {
    super(BatonError.ClientError, reason, options);
  }
}

/** The service is not in the registry. The API maps it to 404. */
export class UnknownServiceError extends BatonRuntimeError {
  constructor(reason: string, options: BatonRuntimeErrorOptions = {}) {
    super(BatonError.UnknownService, reason, options);
  }
}

export interface FieldError {
  /** JSON pointer into the submitted document, e.g. `/instances/0/url`. */
  readonly path: string;
  readonly message: string;
}

/**
 * A registry write that took effect but was undone by a concurrent delete before it could be read
 * back; the API answers 409 (the caller may repeat the write).
 */
export class RegistryConflictError extends Error {
  override readonly name = "RegistryConflictError";
}

/** A registry entry (or instance) that cannot be accepted; the API answers problem+json 400. */
export class ValidationError extends Error {
  override readonly name = "ValidationError";
  readonly errors: readonly FieldError[];

  constructor(errors: readonly FieldError[], message = summarize(errors)) {
    super(message);
    this.errors = errors;
  }
}

function summarize(errors: readonly FieldError[]): string {
  const first = errors[0];
  if (first === undefined) return "Invalid input.";
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  return `${first.path || "/"}: ${first.message}${more}`;
}
