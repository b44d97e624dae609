/**
 * Symbolic ASL data flow: execution state as JSON with unknown holes, the JSONPath subset and the
 * intrinsics Baton emits, and Choice rules decided in three values (true, false, unknown). Used by
 * `asl-walk.ts` to follow what a compiled machine writes and tests without running it.
 */
import type { ChoiceRule } from "./asl.ts";

/** A value the walk cannot know (execution input, service responses, intrinsic results). */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Sym =
  | typeof UNKNOWN
  | null
  | boolean
  | number
  | string
  | readonly Sym[]
  | { readonly [key: string]: Sym };
type SymObject = { readonly [key: string]: Sym };

/**
 * Short stable keys for symbolic values (for memoising and merging): equal values get equal keys.
 * Values are immutable, so each object's key is computed once, from its children's keys, and
 * structures are interned: a key costs the object's own breadth, not the size of all it holds
 * (serializing whole execution states at every state made analysis quadratic). One instance per
 * walk, so the interned structures are freed with it.
 */
export class SymKeys {
  readonly #byObject = new WeakMap<object, string>();
  readonly #byShape = new Map<string, string>();

  of(value: Sym): string {
    if (value === UNKNOWN) return "?";
    if (typeof value !== "object" || value === null) return JSON.stringify(value);
    const known = this.#byObject.get(value);
    if (known !== undefined) return known;
    const shape = Array.isArray(value)
      ? `[${(value as readonly Sym[]).map((v) => this.of(v)).join(",")}]`
      : `{${Object.entries(value as SymObject)
          .map(([k, v]) => `${JSON.stringify(k)}:${this.of(v)}`)
          .join(",")}}`;
    let key = this.#byShape.get(shape);
    if (key === undefined) {
      key = `#${this.#byShape.size}`;
      this.#byShape.set(shape, key);
    }
    this.#byObject.set(value, key);
    return key;
  }
}

/** Structural equality of two symbolic values (UNKNOWN equals only itself). */
function sameValue(a: Sym, b: Sym): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return (a as readonly Sym[]).every((v, i) => sameValue(v, (b as readonly Sym[])[i] as Sym));
  }
  const left = Object.entries(a as SymObject);
  const right = b as SymObject;
  return (
    left.length === Object.keys(right).length &&
    left.every(([k, v]) => Object.hasOwn(right, k) && sameValue(v, right[k] as Sym))
  );
}

/** Nodes in a value, counting at most to `limit` (so a huge value costs no more than that). */
export function symSize(value: Sym, limit: number): number {
  let count = 0;
  const pending: Sym[] = [value];
  while (pending.length > 0 && count < limit) {
    const node = pending.pop() as Sym;
    count++;
    if (Array.isArray(node)) pending.push(...(node as readonly Sym[]));
    else if (typeof node === "object" && node !== null) pending.push(...Object.values(node));
  }
  return count;
}

/** Whether a value has an unknown part anywhere. */
function containsUnknown(value: Sym): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return (value as readonly Sym[]).some(containsUnknown);
  return isObject(value) && Object.values(value).some(containsUnknown);
}

const isObject = (v: Sym): v is SymObject =>
  typeof v === "object" && v !== null && !Array.isArray(v);

type Segment =
  | { readonly kind: "name"; readonly name: string }
  | { readonly kind: "index"; readonly index: number }
  | { readonly kind: "all" }
  | {
      readonly kind: "filter";
      readonly field: readonly string[];
      readonly equal: boolean;
      readonly value: Sym;
    };

/**
 * Parses the JSONPath subset Baton emits: `$`, `.name`, `['name']`, `[n]`, `[*]`, and filters
 * `[?(@.a.b == literal)]` (or `!=`) with a number, `true`, `false`, `null` or quoted string.
 */
function parsePath(path: string): Segment[] | undefined {
  if (!path.startsWith("$") || path.startsWith("$$")) return undefined;
  const segments: Segment[] = [];
  const pattern =
    /\.([^.[\]]+)|\['([^']*)'\]|\[(\d+)\]|\[\*\]|\[\?\(@((?:\.[A-Za-z0-9_]+)+)\s*(==|!=)\s*([^)]+?)\s*\)\]/y;
  pattern.lastIndex = 1;
  while (pattern.lastIndex < path.length) {
    const match = pattern.exec(path);
    if (!match) return undefined;
    const [all, dotted, quoted, index, field, operator, literal] = match;
    if (dotted !== undefined)
      segments.push(dotted === "*" ? { kind: "all" } : { kind: "name", name: dotted });
    else if (quoted !== undefined) segments.push({ kind: "name", name: quoted });
    else if (index !== undefined) segments.push({ kind: "index", index: Number(index) });
    else if (all === "[*]") segments.push({ kind: "all" });
    else if (field !== undefined && literal !== undefined) {
      const value = evalArgument(literal.replace(/^"(.*)"$/, "'$1'"), UNKNOWN);
      if (value === UNKNOWN) return undefined;
      segments.push({
        kind: "filter",
        field: field.slice(1).split("."),
        equal: operator === "==",
        value,
      });
    }
  }
  return segments;
}

type Read =
  | { readonly kind: "value"; readonly value: Sym }
  | { readonly kind: "missing" }
  | { readonly kind: "unknown" };

/** Reads a path: a value (possibly UNKNOWN), known to be missing, or unknowable. */
export function readPath(root: Sym, path: string): Read {
  const segments = parsePath(path);
  if (!segments) return { kind: "unknown" };
  let nodes: Sym[] = [root];
  let many = false;
  for (const segment of segments) {
    const next: Sym[] = [];
    for (const node of nodes) {
      if (node === UNKNOWN) return { kind: "unknown" };
      if (segment.kind === "name" && isObject(node) && Object.hasOwn(node, segment.name)) {
        next.push(node[segment.name] as Sym);
      } else if (segment.kind === "index" && Array.isArray(node) && segment.index < node.length) {
        next.push(node[segment.index] as Sym);
      } else if (segment.kind === "all") {
        many = true;
        if (Array.isArray(node)) next.push(...(node as Sym[]));
        else if (isObject(node)) next.push(...Object.values(node));
      } else if (segment.kind === "filter") {
        many = true;
        const elements: readonly Sym[] = Array.isArray(node)
          ? node
          : isObject(node)
            ? Object.values(node)
            : [];
        for (const element of elements) {
          const field = readPath(element, `$.${segment.field.join(".")}`);
          if (
            field.kind === "unknown" ||
            (field.kind === "value" && containsUnknown(field.value))
          ) {
            return { kind: "unknown" };
          }
          const equal = field.kind === "value" && sameValue(field.value, segment.value);
          if (equal === segment.equal) next.push(element);
        }
      }
    }
    nodes = next;
  }
  if (many) return { kind: "value", value: nodes };
  const [first] = nodes;
  return first === undefined ? { kind: "missing" } : { kind: "value", value: first };
}

/** A path's value, UNKNOWN when it cannot be known (or is missing, a runtime error in ASL). */
export function readValue(root: Sym, path: string): Sym {
  const read = readPath(root, path);
  return read.kind === "value" ? read.value : UNKNOWN;
}

/** Evaluates `Parameters`/`ResultSelector`/`ItemSelector`: `.$` keys read paths or intrinsics. */
export function evalPayload(payload: unknown, input: Sym): Sym {
  if (Array.isArray(payload)) return payload.map((v: unknown) => evalPayload(v, input));
  if (typeof payload !== "object" || payload === null) return payload as Sym;
  const result: Record<string, Sym> = {};
  for (const [key, value] of Object.entries(payload)) {
    if (key.endsWith(".$") && typeof value === "string")
      result[key.slice(0, -2)] = evalExpression(value, input);
    else result[key] = evalPayload(value, input);
  }
  return result;
}

function evalExpression(expression: string, input: Sym): Sym {
  const text = expression.trim();
  if (text.startsWith("States.")) return evalIntrinsic(text, input);
  return readValue(input, text);
}

/** The intrinsics whose result matters for control flow; the rest give UNKNOWN. */
function evalIntrinsic(text: string, input: Sym): Sym {
  const open = text.indexOf("(");
  if (open < 0 || !text.endsWith(")")) return UNKNOWN;
  const name = text.slice(0, open);
  const args = splitArguments(text.slice(open + 1, -1)).map((arg) => evalArgument(arg, input));
  const [a, b] = args;
  if (name === "States.JsonMerge" && a !== undefined && b !== undefined) {
    return isObject(a) && isObject(b) ? { ...a, ...b } : UNKNOWN;
  }
  if (name === "States.Array") return args;
  if (name === "States.ArrayContains" && a !== undefined && b !== undefined) {
    if (!Array.isArray(a) || containsUnknown(b)) return UNKNOWN;
    const elements = a as readonly Sym[];
    if (elements.some((e) => !containsUnknown(e) && sameValue(e, b))) return true;
    return elements.some(containsUnknown) ? UNKNOWN : false;
  }
  if (name === "States.ArrayLength" && Array.isArray(a)) return a.length;
  // A loop's iteration count.
  if (name === "States.MathAdd" && typeof a === "number" && typeof b === "number") return a + b;
  if (name === "States.ArrayGetItem" && Array.isArray(a) && typeof b === "number") {
    return (a as Sym[])[b] ?? UNKNOWN;
  }
  // An unknown index into elements that are all alike (a map's items that all ended the same
  // way) still reads that element.
  if (name === "States.ArrayGetItem" && Array.isArray(a) && b === UNKNOWN) {
    const [first, ...rest] = a as readonly Sym[];
    return first !== undefined && rest.every((e) => sameValue(e, first)) ? first : UNKNOWN;
  }
  return UNKNOWN;
}

function evalArgument(arg: string, input: Sym): Sym {
  const text = arg.trim();
  if (text.startsWith("$")) return evalExpression(text, input);
  if (text.startsWith("States.")) return evalIntrinsic(text, input);
  if (text.startsWith("'") && text.endsWith("'")) return text.slice(1, -1).replace(/\\(.)/g, "$1");
  if (text === "true" || text === "false") return text === "true";
  if (text === "null") return null;
  const number = Number(text);
  return text !== "" && Number.isFinite(number) ? number : UNKNOWN;
}

function splitArguments(text: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (quoted) {
      current += c;
      if (c === "\\") current += text[++i] ?? "";
      else if (c === "'") quoted = false;
      continue;
    }
    if (c === "'") quoted = true;
    if (c === "(") depth++;
    if (c === ")") depth--;
    if (c === "," && depth === 0) {
      args.push(current);
      current = "";
      continue;
    }
    current += c;
  }
  if (current.trim() !== "") args.push(current);
  return args;
}

export function applyInputPath(raw: Sym, path: string | null | undefined): Sym {
  if (path === null) return {};
  return path === undefined || path === "$" ? raw : readValue(raw, path);
}

export function applyOutputPath(value: Sym, path: string | null | undefined): Sym {
  if (path === null) return {};
  return path === undefined || path === "$" ? value : readValue(value, path);
}

/** Places a result in the raw input as `ResultPath` says (`$` replaces it, null discards it). */
export function applyResultPath(raw: Sym, result: Sym, path: string | null | undefined): Sym {
  if (path === null) return raw;
  if (path === undefined || path === "$") return result;
  const segments = parsePath(path);
  if (!segments || segments.some((s) => s.kind !== "name")) return UNKNOWN;
  const names = segments.map((s) => (s.kind === "name" ? s.name : ""));
  return setIn(raw, names, result);
}

function setIn(target: Sym, names: readonly string[], value: Sym): Sym {
  const [head, ...rest] = names;
  if (head === undefined) return value;
  // Writing into an unknown value keeps it unknown: other keys may exist.
  if (target === UNKNOWN) return UNKNOWN;
  const base: SymObject = isObject(target) ? target : {};
  return { ...base, [head]: setIn(base[head] ?? {}, rest, value) };
}

/** true or false when the rule's outcome is known from the symbolic state, undefined otherwise. */
export function evaluateRule(rule: ChoiceRule, input: Sym): boolean | undefined {
  if ("And" in rule && Array.isArray(rule.And)) {
    const verdicts = (rule.And as readonly ChoiceRule[]).map((r) => evaluateRule(r, input));
    if (verdicts.includes(false)) return false;
    return verdicts.every((v) => v === true) ? true : undefined;
  }
  if ("Or" in rule && Array.isArray(rule.Or)) {
    const verdicts = (rule.Or as readonly ChoiceRule[]).map((r) => evaluateRule(r, input));
    if (verdicts.includes(true)) return true;
    return verdicts.every((v) => v === false) ? false : undefined;
  }
  if ("Not" in rule && typeof rule.Not === "object" && rule.Not !== null) {
    const verdict = evaluateRule(rule.Not as ChoiceRule, input);
    return verdict === undefined ? undefined : !verdict;
  }
  if (!("Variable" in rule) || typeof rule.Variable !== "string") return undefined;
  const read = readPath(input, rule.Variable);
  const record = rule as { readonly [operator: string]: unknown };
  if ("IsPresent" in record) {
    if (read.kind === "unknown") return undefined;
    return (read.kind === "value") === record.IsPresent;
  }
  if (read.kind !== "value" || read.value === UNKNOWN) return undefined;
  return compare(record, read.value);
}

function compare(rule: { readonly [operator: string]: unknown }, value: Sym): boolean | undefined {
  const [operator, operand] =
    Object.entries(rule).find(([key]) => key !== "Variable" && key !== "Next") ?? [];
  if (operator === undefined || operator.endsWith("Path")) return undefined;
  switch (operator) {
    case "IsNull":
      return (value === null) === operand;
    case "IsString":
      return (typeof value === "string") === operand;
    case "IsNumeric":
      return (typeof value === "number") === operand;
    case "IsBoolean":
      return (typeof value === "boolean") === operand;
    case "StringEquals":
    case "NumericEquals":
    case "BooleanEquals":
      return value === operand;
    case "NumericLessThan":
      return typeof value === "number" && typeof operand === "number" ? value < operand : undefined;
    case "NumericLessThanEquals":
      return typeof value === "number" && typeof operand === "number"
        ? value <= operand
        : undefined;
    case "NumericGreaterThan":
      return typeof value === "number" && typeof operand === "number" ? value > operand : undefined;
    case "NumericGreaterThanEquals":
      return typeof value === "number" && typeof operand === "number"
        ? value >= operand
        : undefined;
    default:
      return undefined;
  }
}
