/**
 * Matching events against EventBridge patterns on the local bus. Patterns are validated in core
 * (`lib/core/event-pattern.ts`, also used by the workflow validator); this is the matcher, written
 * from the AWS user guide ("Creating event patterns", "Comparison operators", "Arrays in event
 * patterns", "Null values and empty strings").
 *
 * When the event value is an array the field matches if any element matches; an array of objects
 * matches a nested pattern when one element matches all of it. Deliberate choices where the guide
 * is silent: numbers compare by value (`300` equals `3.0e2`); string operators (prefix, suffix,
 * wildcard, equals-ignore-case, their anything-but forms and cidr) never match non-string values;
 * an object or an empty array is not a leaf, so only `{"exists": false}` matches it.
 */
import {
  type EventPattern,
  isPatternObject as isObject,
  type PatternObject,
  type PatternProblem,
  type PatternValue,
  parseCidr,
  parseIpv4,
  validatePattern,
} from "../core/event-pattern.ts";

export type { EventPattern };

/** A pattern that cannot be used, with every problem found (JSON pointer + message). */
export class EventPatternError extends Error {
  override readonly name = "EventPatternError";
  readonly problems: readonly PatternProblem[];

  constructor(problems: readonly PatternProblem[]) {
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

/** Throws `EventPatternError` listing every problem. */
export function assertPattern(pattern: unknown): asserts pattern is EventPattern {
  const problems = validatePattern(pattern);
  if (problems.length > 0) throw new EventPatternError(problems);
}

const STRING_OPERATORS = new Set(["prefix", "suffix", "equals-ignore-case", "wildcard", "cidr"]);

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

function inCidr(cidr: string, ip: string): boolean {
  const block = parseCidr(cidr);
  const address = parseIpv4(ip);
  return (
    block !== undefined && address !== undefined && (address & block.mask) >>> 0 === block.base
  );
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
