/** Typed reading of one object's fields, reporting wrong types and missing fields as it goes. */
import { LAMBDA_TIMEOUT_MARGIN } from "../call-budget.ts";
import type { ProblemCode } from "../codes.ts";
import type { Json } from "../model.ts";
import { at, type Fields, isFields, isJson, type Report, typeName } from "./problem-report.ts";

export interface IntRule {
  readonly min: number;
  readonly max?: number;
  /** Code for a number that is out of range or not whole. */
  readonly code: ProblemCode;
  /** What the number is, for messages, e.g. "a timeout in seconds". */
  readonly what: string;
}

export class FieldReader {
  constructor(
    readonly report: Report,
    readonly obj: Fields,
    readonly pointer: string,
  ) {}

  has(key: string): boolean {
    return Object.hasOwn(this.obj, key) && this.obj[key] !== undefined;
  }

  at(key: string): string {
    return at(this.pointer, key);
  }

  required(key: string, what = `"${key}"`): boolean {
    if (this.has(key)) return true;
    this.report.error("E_REQUIRED", this.at(key), `missing required field ${what}`);
    return false;
  }

  string(key: string, required = false): string | undefined {
    if (!this.has(key)) {
      if (required) this.required(key);
      return undefined;
    }
    const value = this.obj[key];
    if (typeof value === "string") return value;
    this.wrongType(key, "a string");
    return undefined;
  }

  boolean(key: string): boolean | undefined {
    if (!this.has(key)) return undefined;
    const value = this.obj[key];
    if (typeof value === "boolean") return value;
    this.wrongType(key, "true or false");
    return undefined;
  }

  /** A whole number within `rule`; a non-number is a type error, anything else `rule.code`. */
  int(key: string, rule: IntRule): number | undefined {
    if (!this.has(key)) return undefined;
    return checkInt(this.report, this.obj[key], this.at(key), rule);
  }

  number(key: string, rule: IntRule): number | undefined {
    if (!this.has(key)) return undefined;
    const value = this.obj[key];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      this.wrongType(key, "a number");
      return undefined;
    }
    if (value < rule.min || (rule.max !== undefined && value > rule.max)) {
      this.report.error(
        rule.code,
        this.at(key),
        `${rule.what} must be ${range(rule)}, got ${value}`,
      );
      return undefined;
    }
    return value;
  }

  object(key: string, required = false): Fields | undefined {
    if (!this.has(key)) {
      if (required) this.required(key);
      return undefined;
    }
    const value = this.obj[key];
    if (isFields(value)) return value;
    this.wrongType(key, "an object");
    return undefined;
  }

  array(key: string, required = false): readonly unknown[] | undefined {
    if (!this.has(key)) {
      if (required) this.required(key);
      return undefined;
    }
    const value = this.obj[key];
    if (Array.isArray(value)) return value;
    this.wrongType(key, "a list");
    return undefined;
  }

  json(key: string): Json | undefined {
    if (!this.has(key)) return undefined;
    const value = this.obj[key];
    if (isJson(value)) return value;
    this.wrongType(key, "JSON (no infinities or NaN)");
    return undefined;
  }

  wrongType(key: string, expected: string): void {
    this.report.error(
      "E_TYPE",
      this.at(key),
      `"${key}" must be ${expected}, got ${typeName(this.obj[key])}`,
    );
  }
}

export function checkInt(
  report: Report,
  value: unknown,
  pointer: string,
  rule: IntRule,
): number | undefined {
  if (typeof value !== "number") {
    report.error("E_TYPE", pointer, `${rule.what} must be a number, got ${typeName(value)}`);
    return undefined;
  }
  if (
    !Number.isInteger(value) ||
    value < rule.min ||
    (rule.max !== undefined && value > rule.max)
  ) {
    report.error(
      rule.code,
      pointer,
      `${rule.what} must be a whole number ${range(rule)}, got ${value}`,
    );
    return undefined;
  }
  return value;
}

const range = (rule: IntRule): string =>
  rule.max === undefined ? `≥ ${rule.min}` : `between ${rule.min} and ${rule.max}`;

/**
 * Seconds per call attempt: the service-call Lambda runs at most 900 s (Lambda's limit) and must
 * outlive the attempt by LAMBDA_TIMEOUT_MARGIN (lib/core/call-budget.ts).
 */
export const CALL_TIMEOUT_RULE: IntRule = {
  min: 1,
  max: 900 - LAMBDA_TIMEOUT_MARGIN,
  code: "E_TIMEOUT",
  what: "a call timeout in seconds (a call runs in a Lambda function, at most 900 s)",
};

/** Seconds per execution, per wait or per await: whole, ≥ 1, at most a year. */
export const TIMEOUT_RULE: IntRule = {
  min: 1,
  max: 31_536_000,
  code: "E_TIMEOUT",
  what: "a timeout in seconds",
};
