/** `retry` blocks: range checks, and the field-by-field merge over the defaults. */
import { BatonError, RETRYABLE_GROUP } from "../errors.ts";
import { DEFAULT_COMPENSATION_ATTEMPTS, DEFAULT_RETRY, type RetryPolicy } from "../model.ts";
import { FieldReader } from "./fields.ts";
import { at, checkFields, didYouMean, isFields, type Report, typeName } from "./problem-report.ts";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** What a file wrote: `false`, some fields, or nothing. */
export type RetryInput = false | Partial<RetryPolicy> | undefined;

export const RETRY_FIELDS = [
  "maxAttempts",
  "interval",
  "backoff",
  "maxDelay",
  "jitter",
  "on",
] as const;
export const ASL_MAX = 99_999_999;
export const KNOWN_ERRORS: readonly string[] = [RETRYABLE_GROUP, ...Object.values(BatonError)];

/** Reads a `retry` value; invalid fields are reported and left out. */
export function readRetry(report: Report, value: unknown, pointer: string): RetryInput {
  if (value === undefined || value === false) return value;
  if (!isFields(value)) {
    report.error("E_TYPE", pointer, `"retry" must be an object or false, got ${typeName(value)}`);
    return undefined;
  }
  checkFields(report, value, pointer, RETRY_FIELDS);
  const r = new FieldReader(report, value, pointer);
  const policy: Partial<Mutable<RetryPolicy>> = {};
  const maxAttempts = r.int("maxAttempts", {
    min: 1,
    max: ASL_MAX,
    code: "E_RETRY",
    what: "retry.maxAttempts",
  });
  if (maxAttempts !== undefined) policy.maxAttempts = maxAttempts;
  const interval = r.int("interval", {
    min: 1,
    max: ASL_MAX,
    code: "E_RETRY",
    what: "retry.interval (seconds)",
  });
  if (interval !== undefined) policy.interval = interval;
  const backoff = r.number("backoff", {
    min: 1,
    max: ASL_MAX,
    code: "E_RETRY",
    what: "retry.backoff",
  });
  if (backoff !== undefined) policy.backoff = backoff;
  const maxDelay = r.int("maxDelay", {
    min: 1,
    max: 31_622_400,
    code: "E_RETRY",
    what: "retry.maxDelay (seconds)",
  });
  if (maxDelay !== undefined) policy.maxDelay = maxDelay;
  const jitter = r.string("jitter");
  if (jitter === "full" || jitter === "none") policy.jitter = jitter;
  else if (jitter !== undefined) {
    report.error(
      "E_ENUM",
      r.at("jitter"),
      `retry.jitter must be "full" or "none", got "${jitter}"`,
    );
  }
  const on = readErrorNames(report, r);
  if (on !== undefined) policy.on = on;
  return policy;
}

function readErrorNames(report: Report, r: FieldReader): string[] | undefined {
  const list = r.array("on");
  if (list === undefined) return undefined;
  const pointer = r.at("on");
  if (list.length === 0) {
    report.error(
      "E_RETRY",
      pointer,
      "retry.on must list at least one error name",
      'use "retry: false" to disable retries',
    );
    return undefined;
  }
  let ok = true;
  list.forEach((name, i) => {
    if (typeof name !== "string" || name.trim() === "") {
      report.error(
        "E_TYPE",
        at(pointer, i),
        `retry.on entries must be error names, got ${typeName(name)}`,
      );
      ok = false;
    } else if (name.startsWith("Baton.") && !KNOWN_ERRORS.includes(name)) {
      const hint = didYouMean(name, KNOWN_ERRORS) ?? `known: ${KNOWN_ERRORS.join(", ")}`;
      report.error("E_RETRY_ERROR", at(pointer, i), `unknown error name "${name}"`, hint);
      ok = false;
    }
  });
  if (list.includes("States.ALL") && list.length > 1) {
    report.error("E_RETRY_ERROR", pointer, '"States.ALL" must be the only name in retry.on');
    ok = false;
  }
  return ok ? (list as string[]) : undefined;
}

/** A call step's policy: its own fields over `defaults.retry` over the built-in defaults. */
export function resolveRetry(own: RetryInput, defaults: RetryInput): RetryPolicy | null {
  if (own === false || (own === undefined && defaults === false)) return null;
  return { ...DEFAULT_RETRY, ...(defaults || {}), ...(own ?? {}) };
}

/**
 * A compensation's policy: like a call's, but `maxAttempts` defaults to 5 whatever
 * `defaults.retry` says, and `defaults.retry: false` does not switch compensation retries off
 * (undoing work matters more than failing fast).
 */
export function resolveCompensationRetry(
  own: RetryInput,
  defaults: RetryInput,
): RetryPolicy | null {
  if (own === false) return null;
  const { maxAttempts: _ignored, ...inherited } = defaults || {};
  return {
    ...DEFAULT_RETRY,
    ...inherited,
    maxAttempts: DEFAULT_COMPENSATION_ATTEMPTS,
    ...(own ?? {}),
  };
}
