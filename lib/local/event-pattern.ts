/**
 * EventBridge event patterns, written from the AWS user guide ("Creating event patterns",
 * "Comparison operators", "Arrays in event patterns", "Null values and empty strings").
 *
 * A pattern mirrors the event's structure; every listed field must match (AND), the values in a
 * field's array are alternatives (OR), `$or` lists alternative sub-patterns at one level. Leaf
 * matchers: literal values (string, number, boolean, null), `prefix`, `suffix`,
 * `equals-ignore-case`, `anything-but` (a value, a list, or `prefix` / `suffix` /
 * `equals-ignore-case` / `wildcard`), `numeric` ranges, `exists`, `wildcard` and IPv4 `cidr`.
 * When the event value is an array the field matches if any element matches; an array of objects
 * matches a nested pattern when one element matches all of it.
 *
 * Deliberate choices where the guide is silent: numbers compare by value (`300` equals `3.0e2`);
 * string operators (prefix, suffix, wildcard, equals-ignore-case, their anything-but forms and
 * cidr) never match non-string values; an object or an empty array is not a leaf, so only
 * `{"exists": false}` matches it.
 */

export type PatternValue = null | boolean | number | string | PatternValue[] | PatternObject;
export interface PatternObject {
  [key: string]: PatternValue;
}
export type EventPattern = PatternObject;

/** A pattern that cannot be used, with every problem found (JSON pointer + message). */
export class EventPatternError extends Error {
  override readonly name = "EventPatternError";
  readonly problems: readonly { readonly path: string; readonly message: string }[];

  constructor(problems: readonly { readonly path: string; readonly message: string }[]) {
    const first = problems[0];
    super(
      first === undefined
        ? "Invalid event pattern."
        : `Invalid event pattern at ${first.path || "/"}: ${first.message}` +
            (problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""),
    );
    this.problems = problems;
  }
}

type Problem = { readonly path: string; readonly message: string };

const NUMERIC_OPS = ["=", "<", "<=", ">", ">="] as const;
const STRING_OPERATORS = new Set(["prefix", "suffix", "equals-ignore-case", "wildcard", "cidr"]);
const ANYTHING_BUT_OPERATORS = new Set(["prefix", "suffix", "equals-ignore-case", "wildcard"]);

/** Every problem of a pattern; empty when it is usable. */
export function validatePattern(pattern: unknown): Problem[] {
  const problems: Problem[] = [];
  if (!isObject(pattern)) {
    return [{ path: "", message: `a pattern is a JSON object; got ${describe(pattern)}` }];
  }
  validateObject(pattern, "", problems);
  return problems;
}

/** Throws `EventPatternError` listing every problem. */
export function assertPattern(pattern: unknown): asserts pattern is EventPattern {
  const problems = validatePattern(pattern);
  if (problems.length > 0) throw new EventPatternError(problems);
}

function validateObject(pattern: PatternObject, path: string, problems: Problem[]): void {
  const keys = Object.keys(pattern);
  if (keys.length === 0) problems.push({ path, message: "an empty object matches nothing useful" });
  for (const key of keys) {
    const value = pattern[key];
    const here = `${path}/${escapePointer(key)}`;
    if (key === "$or") {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) {
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
    } else if (isObject(value)) {
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
  if (!isObject(matcher)) {
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
  if (isObject(value)) {
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

// ---------------------------------------------------------------------------------------------
// Matching

/** Whether `event` matches `pattern`. The pattern must be valid (see `assertPattern`). */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern, event);
}

function matchObject(pattern: PatternObject, node: unknown): boolean {
  // An array of objects matches when one element matches the whole nested pattern.
  if (Array.isArray(node)) return node.some((element) => matchObject(pattern, element));
  const object = isObject(node) ? node : undefined;
  for (const [key, expected] of Object.entries(pattern)) {
    if (key === "$or") {
      const alternatives = expected as PatternObject[];
      if (!alternatives.some((sub) => matchObject(sub, node))) return false;
      continue;
    }
    const present = object !== undefined && Object.hasOwn(object, key);
    const actual = present ? object[key] : undefined;
    if (Array.isArray(expected)) {
      if (!matchLeaf(expected, present ? leaves(actual) : [])) return false;
    } else if (isObject(expected)) {
      if (!present || !matchObject(expected, actual)) return false;
    } else {
      return false;
    }
  }
  return true;
}

type Leaf = null | boolean | number | string;

/** Leaf values of an event field: arrays are flattened; objects are not leaves. */
function leaves(value: unknown): Leaf[] {
  if (Array.isArray(value)) return value.flatMap(leaves);
  if (
    value === null ||
    typeof value === "boolean" ||
    typeof value === "number" ||
    typeof value === "string"
  ) {
    return [value];
  }
  return [];
}

function matchLeaf(matchers: readonly PatternValue[], values: readonly Leaf[]): boolean {
  return matchers.some((matcher) => {
    if (isObject(matcher) && "exists" in matcher) return matcher.exists === values.length > 0;
    return values.some((value) => matchOne(matcher, value));
  });
}

function matchOne(matcher: PatternValue, value: Leaf): boolean {
  if (!isObject(matcher)) return matcher === value;
  const [operator] = Object.keys(matcher);
  const argument = operator === undefined ? undefined : matcher[operator];
  if (operator === "numeric")
    return typeof value === "number" && inRange(argument as PatternValue[], value);
  if (operator === "anything-but") return anythingBut(argument, value);
  if (typeof value !== "string" || operator === undefined || !STRING_OPERATORS.has(operator))
    return false;
  return stringMatches(operator, argument, value);
}

function stringMatches(
  operator: string,
  argument: PatternValue | undefined,
  value: string,
): boolean {
  switch (operator) {
    case "prefix":
      return isObject(argument)
        ? value.toLowerCase().startsWith(String(argument["equals-ignore-case"]).toLowerCase())
        : value.startsWith(String(argument));
    case "suffix":
      return isObject(argument)
        ? value.toLowerCase().endsWith(String(argument["equals-ignore-case"]).toLowerCase())
        : value.endsWith(String(argument));
    case "equals-ignore-case":
      return value.toLowerCase() === String(argument).toLowerCase();
    case "wildcard":
      return wildcardMatches(String(argument), value);
    case "cidr":
      return inCidr(String(argument), value);
    default:
      return false;
  }
}

function anythingBut(argument: PatternValue | undefined, value: Leaf): boolean {
  if (isObject(argument)) {
    const [operator] = Object.keys(argument);
    if (operator === undefined || typeof value !== "string") return false;
    const inner = argument[operator];
    const list = (Array.isArray(inner) ? inner : [inner]) as string[];
    return !list.some((one) => stringMatches(operator, one, value));
  }
  const list = Array.isArray(argument) ? argument : [argument];
  return !list.some((one) => one === value);
}

function inRange(spec: readonly PatternValue[], value: number): boolean {
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i];
    const bound = spec[i + 1] as number;
    const ok =
      op === "="
        ? value === bound
        : op === "<"
          ? value < bound
          : op === "<="
            ? value <= bound
            : op === ">"
              ? value > bound
              : value >= bound;
    if (!ok) return false;
  }
  return true;
}

/** `*` matches any run of characters; `\*` is a literal star and `\\` a literal backslash. */
function wildcardMatches(pattern: string, value: string): boolean {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === "\\" && (pattern[i + 1] === "*" || pattern[i + 1] === "\\")) {
      source += escapeRegExp(pattern[i + 1] as string);
      i++;
    } else if (char === "*") {
      source += "[\\s\\S]*";
    } else {
      source += escapeRegExp(char);
    }
  }
  return new RegExp(`^${source}$`).test(value);
}

function parseCidr(cidr: string): { base: number; mask: number } | undefined {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})(?:\/(\d{1,2}))?$/.exec(cidr);
  if (!match) return undefined;
  const base = parseIpv4(match[1] as string);
  const bits = match[2] === undefined ? 32 : Number(match[2]);
  if (base === undefined || bits > 32) return undefined;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return { base: (base & mask) >>> 0, mask };
}

function parseIpv4(text: string): number | undefined {
  const parts = text.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    return undefined;
  return parts.reduce((acc, part) => ((acc << 8) | part) >>> 0, 0);
}

function inCidr(cidr: string, ip: string): boolean {
  const block = parseCidr(cidr);
  const address = parseIpv4(ip);
  return (
    block !== undefined && address !== undefined && (address & block.mask) >>> 0 === block.base
  );
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const escapePointer = (key: string): string => key.replace(/~/g, "~0").replace(/\//g, "~1");

function isObject(value: unknown): value is PatternObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringOrIgnoreCase(value: PatternValue | undefined): boolean {
  if (typeof value === "string") return true;
  return (
    isObject(value) &&
    Object.keys(value).length === 1 &&
    typeof value["equals-ignore-case"] === "string"
  );
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? `the string "${value}"` : typeof value;
}
