/**
 * EventBridge event patterns: their shape and the validator, written from the AWS user guide
 * ("Creating event patterns", "Comparison operators", "Arrays in event patterns"). The workflow
 * validator reports what it finds in `triggers` (so `validate` and `cdk synth` refuse what
 * EventBridge would), and the local bus refuses the same patterns; matching events against a
 * pattern is the local bus's business (`lib/local/event-matcher.ts`).
 *
 * A pattern mirrors the event's structure; every listed field must match (AND), the values in a
 * field's array are alternatives (OR), `$or` lists alternative sub-patterns at one level. Leaf
 * matchers: literal values (string, number, boolean, null), `prefix`, `suffix`,
 * `equals-ignore-case`, `anything-but` (a value, a list, or `prefix` / `suffix` /
 * `equals-ignore-case` / `wildcard`), `numeric` ranges, `exists`, `wildcard` and IPv4 `cidr`.
 */

export type PatternValue = null | boolean | number | string | PatternValue[] | PatternObject;
export interface PatternObject {
  [key: string]: PatternValue;
}
export type EventPattern = PatternObject;

/** One reason a pattern cannot be used: a JSON pointer into the pattern and what is wrong. */
export interface PatternProblem {
  readonly path: string;
  readonly message: string;
}
type Problem = PatternProblem;

const NUMERIC_OPS = ["=", "<", "<=", ">", ">="] as const;
const ANYTHING_BUT_OPERATORS = new Set(["prefix", "suffix", "equals-ignore-case", "wildcard"]);

/** Every problem of a pattern; empty when it is usable. */
export function validatePattern(pattern: unknown): Problem[] {
  const problems: Problem[] = [];
  if (!isPatternObject(pattern)) {
    return [{ path: "", message: `a pattern is a JSON object; got ${describe(pattern)}` }];
  }
  validateObject(pattern, "", problems);
  return problems;
}

function validateObject(pattern: PatternObject, path: string, problems: Problem[]): void {
  const keys = Object.keys(pattern);
  if (keys.length === 0) problems.push({ path, message: "an empty object matches nothing useful" });
  for (const key of keys) {
    const value = pattern[key];
    const here = `${path}/${escapePointer(key)}`;
    if (key === "$or") {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isPatternObject)) {
        problems.push({ path: here, message: "$or takes an array of at least two objects" });
        continue;
      }
      value.forEach((sub, i) => {
        validateObject(sub as PatternObject, `${here}/${i}`, problems);
      });
    } else if (Array.isArray(value)) {
      if (value.length === 0)
        problems.push({ path: here, message: "an empty array matches nothing" });
      value.forEach((matcher, i) => {
        validateMatcher(matcher, `${here}/${i}`, problems);
      });
    } else if (isPatternObject(value)) {
      validateObject(value, here, problems);
    } else {
      problems.push({
        path: here,
        message: `a field's value must be an array of matchers or a nested object; got ${describe(value)} (write [${JSON.stringify(value)}])`,
      });
    }
  }
}

function validateMatcher(matcher: PatternValue, path: string, problems: Problem[]): void {
  if (!isPatternObject(matcher)) {
    if (Array.isArray(matcher))
      problems.push({ path, message: "matchers cannot be nested arrays" });
    return;
  }
  const keys = Object.keys(matcher);
  const [operator] = keys;
  if (keys.length !== 1 || operator === undefined) {
    problems.push({
      path,
      message: `a matcher object has exactly one operator; got ${keys.length}`,
    });
    return;
  }
  const value = matcher[operator];
  const here = `${path}/${escapePointer(operator)}`;
  switch (operator) {
    case "prefix":
    case "suffix":
      if (!isStringOrIgnoreCase(value)) {
        problems.push({
          path: here,
          message: `${operator} takes a string or {"equals-ignore-case": string}`,
        });
      }
      return;
    case "equals-ignore-case":
    case "wildcard":
    case "cidr":
      if (typeof value !== "string")
        problems.push({ path: here, message: `${operator} takes a string` });
      else if (operator === "cidr" && parseCidr(value) === undefined) {
        problems.push({
          path: here,
          message: `"${value}" is not an IPv4 CIDR block such as 10.0.0.0/24`,
        });
      }
      return;
    case "exists":
      if (typeof value !== "boolean")
        problems.push({ path: here, message: "exists takes true or false" });
      return;
    case "numeric":
      validateNumeric(value, here, problems);
      return;
    case "anything-but":
      validateAnythingBut(value, here, problems);
      return;
    default:
      problems.push({ path: here, message: `unknown operator "${operator}"` });
  }
}

function validateNumeric(value: PatternValue | undefined, path: string, problems: Problem[]): void {
  const message = `numeric takes ["<op>", n] or [">"|">=", n, "<"|"<=", m] with op one of ${NUMERIC_OPS.join(" ")}`;
  if (!Array.isArray(value) || (value.length !== 2 && value.length !== 4)) {
    problems.push({ path, message });
    return;
  }
  for (let i = 0; i < value.length; i += 2) {
    const op = value[i];
    if (
      typeof op !== "string" ||
      !(NUMERIC_OPS as readonly string[]).includes(op) ||
      typeof value[i + 1] !== "number"
    ) {
      problems.push({ path, message });
      return;
    }
  }
  if (value.length === 4) {
    const [low, lowValue, high, highValue] = value as [string, number, string, number];
    if (
      !(low === ">" || low === ">=") ||
      !(high === "<" || high === "<=") ||
      lowValue > highValue
    ) {
      problems.push({
        path,
        message: "a numeric range is a lower bound (> or >=) then a higher upper bound (< or <=)",
      });
    }
  }
}

function validateAnythingBut(
  value: PatternValue | undefined,
  path: string,
  problems: Problem[],
): void {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    if (value.length === 0 || !value.every((v) => typeof v === "string" || typeof v === "number")) {
      problems.push({ path, message: "anything-but takes a non-empty list of strings or numbers" });
    }
    return;
  }
  if (isPatternObject(value)) {
    const keys = Object.keys(value);
    const [operator] = keys;
    if (keys.length !== 1 || operator === undefined || !ANYTHING_BUT_OPERATORS.has(operator)) {
      problems.push({
        path,
        message: `anything-but takes one of ${[...ANYTHING_BUT_OPERATORS].join(", ")}`,
      });
      return;
    }
    const inner = value[operator];
    const ok =
      typeof inner === "string" ||
      (Array.isArray(inner) && inner.length > 0 && inner.every((v) => typeof v === "string"));
    if (!ok)
      problems.push({
        path: `${path}/${operator}`,
        message: `anything-but ${operator} takes a string or a list of strings`,
      });
    return;
  }
  if (typeof value === "string" || typeof value === "number") return;
  problems.push({
    path,
    message: `anything-but takes a string, a number, a list or an operator; got ${describe(value)}`,
  });
}

/** Parses an IPv4 CIDR block (`10.0.0.0/24`, or one address) into its base and mask. */
export function parseCidr(cidr: string): { base: number; mask: number } | undefined {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})(?:\/(\d{1,2}))?$/.exec(cidr);
  if (!match) return undefined;
  const base = parseIpv4(match[1] as string);
  const bits = match[2] === undefined ? 32 : Number(match[2]);
  if (base === undefined || bits > 32) return undefined;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return { base: (base & mask) >>> 0, mask };
}

export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    return undefined;
  return parts.reduce((acc, part) => ((acc << 8) | part) >>> 0, 0);
}

const escapePointer = (key: string): string => key.replace(/~/g, "~0").replace(/\//g, "~1");

export function isPatternObject(value: unknown): value is PatternObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringOrIgnoreCase(value: PatternValue | undefined): boolean {
  if (typeof value === "string") return true;
  return (
    isPatternObject(value) &&
    Object.keys(value).length === 1 &&
    typeof value["equals-ignore-case"] === "string"
  );
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? `the string "${value}"` : typeof value;
}
