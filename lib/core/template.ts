/**
 * `{{ path }}` templates: parsing, references, and compilation to ASL payload entries (JSONPath
 * paths and intrinsic functions). Also the path syntax shared with conditions and `select`:
 * a head word then `.key`, `[0]` or `['any key']` segments.
 */
import type { AslJson, Payload } from "./asl.ts";
import type { Json, JsonObject } from "./model.ts";

export type TemplateRoot =
  | "input"
  | "steps"
  | "item"
  | "index"
  | "iteration"
  | "execution"
  | "workflow"
  | "error";
export const TEMPLATE_ROOTS: readonly TemplateRoot[] = [
  "input",
  "steps",
  "item",
  "index",
  "iteration",
  "execution",
  "workflow",
  "error",
];

export type PathSegment = string | number;

export interface TemplateRef {
  readonly root: TemplateRoot;
  readonly path: readonly PathSegment[];
  /** The path as written, without braces and default, e.g. `steps.reserve.body.items[0].id`. */
  readonly source: string;
  /** `{{ path ?? literal }}`: the value used when the path is absent (not when it is null). */
  readonly fallback?: { readonly value: Json };
}

export type TemplatePart = { readonly text: string } | { readonly ref: TemplateRef };

export interface TemplateContext {
  readonly workflowName: string;
  readonly workflowVersion: number;
  /**
   * JSONPath root holding a step's result where the template runs; `$.steps` when absent.
   * The compiler uses it inside branches and map iterations, where enclosing results live elsewhere.
   */
  readonly stepsRoot?: (id: string) => string;
  /**
   * Where a `{{ path ?? literal }}` reads its value once resolved (see compiler/reads.ts); a
   * defaulted ref with no such place compiles to its plain path.
   */
  readonly defaultPath?: (ref: TemplateRef) => string | undefined;
}

/** What `refToJsonPath` needs from a context. */
export type PathContext = Pick<TemplateContext, "stepsRoot">;

// ---------------------------------------------------------------------------------------------
// Paths

export interface ScannedPath {
  readonly head: string;
  readonly path: readonly PathSegment[];
  /** Offset just after the path. */
  readonly end: number;
}

export interface PathError {
  readonly error: string;
  /** Offset of the offending character. */
  readonly offset: number;
}

const HEAD = /[A-Za-z_][A-Za-z0-9_]*/y;
const KEY = /[A-Za-z_][A-Za-z0-9_-]*/y;
const INDEX = /\[(\d+)\]/y;
const QUOTED = /\[(['"])([^'"\\]*)\1\]/y;
/** Characters a quoted key may not hold: they break intrinsic-function argument parsing. */
const UNSAFE_QUOTED = /[()]|\{\{|\}\}/;

/** Reads a path starting at `start`; stops at the first character that cannot continue it. */
export function scanPath(src: string, start = 0): ScannedPath | PathError {
  const head = matchAt(HEAD, src, start);
  if (head === undefined) {
    return { error: `expected a path at "${src.slice(start, start + 12)}"`, offset: start };
  }
  const path: PathSegment[] = [];
  let at = start + head[0].length;
  for (;;) {
    const ch = src[at];
    if (ch === ".") {
      const key = matchAt(KEY, src, at + 1);
      if (key === undefined) {
        const hint = /\d/.test(src[at + 1] ?? "") ? " (write array indexes as [0])" : "";
        return { error: `expected a key after "."${hint}`, offset: at + 1 };
      }
      path.push(key[0]);
      at += 1 + key[0].length;
    } else if (ch === "[") {
      const index = matchAt(INDEX, src, at);
      const quoted = index ? undefined : matchAt(QUOTED, src, at);
      if (index) {
        path.push(Number(index[1]));
        at += index[0].length;
      } else if (quoted && !UNSAFE_QUOTED.test(quoted[2] ?? "")) {
        path.push(quoted[2] ?? "");
        at += quoted[0].length;
      } else {
        return {
          error: "expected [<index>] or ['<key>'] (a key may not hold quotes, \\, ( or ))",
          offset: at,
        };
      }
    } else {
      return { head: head[0], path, end: at };
    }
  }
}

/** Parses a whole string as a path. */
export function parsePath(src: string): { head: string; path: readonly PathSegment[] } | PathError {
  const scanned = scanPath(src);
  if ("error" in scanned) return scanned;
  if (scanned.end !== src.length) {
    return { error: `unexpected "${src.slice(scanned.end)}" after the path`, offset: scanned.end };
  }
  return { head: scanned.head, path: scanned.path };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** JSONPath suffix: `.a`, `[0]`, or `['a-b']` for keys that are not identifiers. */
export const segmentsToJsonPath = (path: readonly PathSegment[]): string =>
  path
    .map((seg) =>
      typeof seg === "number" ? `[${seg}]` : IDENTIFIER.test(seg) ? `.${seg}` : `['${seg}']`,
    )
    .join("");

/**
 * Checks a scanned path against the rules of its root and returns the reference, or why not:
 * `steps.<id>…`, `execution.id|startedAt`, `workflow.name|version`, `index`, `error[.name|message|step]`.
 */
export function toRef(
  head: string,
  path: readonly PathSegment[],
  source: string,
): TemplateRef | { error: string } {
  if (!isRoot(head)) {
    return {
      error: `unknown root "${head}" in "${source}"; use one of ${TEMPLATE_ROOTS.join(", ")}`,
    };
  }
  const [first] = path;
  const exact = (allowed: readonly string[]): boolean =>
    path.length === 1 && typeof first === "string" && allowed.includes(first);
  switch (head) {
    case "steps":
      if (typeof first !== "string") return { error: `"${source}" must name a step: steps.<id>…` };
      break;
    case "index":
    case "iteration":
      if (path.length > 0) return { error: `"${head}" is a number; "${source}" reads inside it` };
      break;
    case "execution":
      if (!exact(["id", "startedAt"])) {
        return { error: `"${source}" is not execution.id or execution.startedAt` };
      }
      break;
    case "workflow":
      if (!exact(["name", "version"]))
        return { error: `"${source}" is not workflow.name or workflow.version` };
      break;
    case "error":
      if (path.length > 0 && !exact(["name", "message", "step"])) {
        return { error: `"${source}" is not error, error.name, error.message or error.step` };
      }
      break;
    default:
      break;
  }
  return { root: head, path, source };
}

const isRoot = (head: string): head is TemplateRoot =>
  (TEMPLATE_ROOTS as readonly string[]).includes(head);

/** Parses a reference written without braces, e.g. `input.amount`. */
export function parseRef(src: string): TemplateRef | { error: string } {
  const parsed = parsePath(src);
  if ("error" in parsed) return { error: `${parsed.error} in "${src}"` };
  return toRef(parsed.head, parsed.path, src);
}

/** `path` or `path ?? literal` (the inside of `{{ }}`). */
function parseTemplateExpression(src: string): TemplateRef | { error: string } {
  const scanned = scanPath(src);
  if ("error" in scanned) return { error: `${scanned.error} in "${src}"` };
  const rest = src.slice(scanned.end).trim();
  const source = src.slice(0, scanned.end);
  const ref = toRef(scanned.head, scanned.path, source);
  if ("error" in ref || rest === "") return ref;
  if (!rest.startsWith("??")) {
    return {
      error: `unexpected "${rest}" after the path in "${src}" (a default is written ?? 'text')`,
    };
  }
  const literal = parseLiteral(rest.slice(2).trim());
  if (literal === undefined) {
    return {
      error: `the default after ?? in "${src}" must be a literal: 'text', a number, true, false or null`,
    };
  }
  return { ...ref, fallback: { value: literal } };
}

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
/** The literals a default may be: a quoted string (no quote or backslash inside), number, boolean, null. */
function parseLiteral(src: string): Json | undefined {
  const quoted = /^'([^'\\]*)'$/.exec(src) ?? /^"([^"\\]*)"$/.exec(src);
  if (quoted) return quoted[1] ?? "";
  if (NUMBER.test(src)) return Number(src);
  if (src === "true") return true;
  if (src === "false") return false;
  if (src === "null") return null;
  return undefined;
}

/** The JSONPath a reference reads in the execution state (see contract.ts `STATE`). */
export function refToJsonPath(ref: TemplateRef, ctx?: PathContext): string {
  switch (ref.root) {
    case "input":
      return `$.input${segmentsToJsonPath(ref.path)}`;
    case "steps": {
      const [id, ...rest] = ref.path;
      const root = ctx?.stepsRoot?.(String(id)) ?? "$.steps";
      return `${root}${segmentsToJsonPath([String(id)])}${segmentsToJsonPath(rest)}`;
    }
    case "item":
      return `$.item${segmentsToJsonPath(ref.path)}`;
    case "index":
      return "$.index";
    case "iteration":
      return "$.iteration";
    case "execution":
      return ref.path[0] === "id" ? "$.context.executionId" : "$.context.startedAt";
    case "error":
      return `$.failure${segmentsToJsonPath(ref.path)}`;
    case "workflow":
      throw new Error(`${ref.source} is a compile-time constant, not a path`);
  }
}

// ---------------------------------------------------------------------------------------------
// Templates

const OPEN = "{{";
const CLOSE = "}}";

/** Splits a string into text and references; a string without `{{` is one text part. */
export function parseTemplate(text: string): { parts: TemplatePart[] } | { error: string } {
  const parts: TemplatePart[] = [];
  let at = 0;
  for (;;) {
    const open = text.indexOf(OPEN, at);
    if (open < 0) break;
    const close = text.indexOf(CLOSE, open + OPEN.length);
    if (close < 0) return { error: `unclosed "{{" at offset ${open} in "${text}"` };
    const inner = text.slice(open + OPEN.length, close).trim();
    if (inner === "") return { error: `empty template "{{ }}" in "${text}"` };
    const ref = parseTemplateExpression(inner);
    if ("error" in ref) return { error: ref.error };
    if (open > at) parts.push({ text: text.slice(at, open) });
    parts.push({ ref });
    at = close + CLOSE.length;
  }
  if (at < text.length || parts.length === 0) parts.push({ text: text.slice(at) });
  return { parts };
}

/** Whether any string anywhere in the value contains a template. */
export function isTemplated(value: Json): boolean {
  if (typeof value === "string") return value.includes(OPEN);
  if (Array.isArray(value)) return value.some(isTemplated);
  if (isJsonObject(value)) return Object.values(value).some(isTemplated);
  return false;
}

/** Every reference in a JSON value (strings that do not parse are skipped). */
export function collectRefs(value: Json): TemplateRef[] {
  const refs: TemplateRef[] = [];
  for (const [, text] of strings(value, "")) {
    const parsed = parseTemplate(text);
    if ("parts" in parsed) for (const part of parsed.parts) if ("ref" in part) refs.push(part.ref);
  }
  return refs;
}

/** Every template string in a value with its JSON pointer relative to the value. */
export function* strings(value: Json, pointer: string): Generator<[string, string]> {
  if (typeof value === "string") {
    if (value.includes(OPEN)) yield [pointer, value];
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* strings(item, `${pointer}/${i}`);
  } else if (isJsonObject(value)) {
    for (const [key, item] of Object.entries(value))
      yield* strings(item, `${pointer}/${escapePointer(key)}`);
  }
}

/** The single reference of a string that is exactly one template, e.g. `{{ input.items }}`. */
export function singleRef(text: string): TemplateRef | undefined {
  const parsed = parseTemplate(text);
  if (!("parts" in parsed) || parsed.parts.length !== 1) return undefined;
  const [part] = parsed.parts;
  return part && "ref" in part ? part.ref : undefined;
}

export const escapePointer = (key: string): string => key.replace(/~/g, "~0").replace(/\//g, "~1");

const isJsonObject = (value: Json): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

// ---------------------------------------------------------------------------------------------
// Compilation

/** Why a value cannot be compiled; validation reports these, compilation throws them. */
export interface TemplateIssue {
  readonly code: "E_TEMPLATE_UNSUPPORTED" | "E_RESERVED_KEY";
  /** JSON pointer relative to the value. */
  readonly pointer: string;
  readonly message: string;
}

export class TemplateCompileError extends Error {
  override readonly name = "TemplateCompileError";
  constructor(readonly issue: TemplateIssue) {
    super(`${issue.message} (at ${issue.pointer || "/"})`);
  }
}

/**
 * Compiles one payload entry: a literal stays `[key, value]`; exactly one template becomes
 * `[key.$, path]` (keeping the JSON type); text mixed with templates becomes a `States.Format`;
 * objects recurse; arrays holding templated strings become one `States.Array(...)` intrinsic.
 * `workflow.name`/`workflow.version` are inlined as constants.
 */
export function compileEntry(key: string, value: Json, ctx: TemplateContext): [string, AslJson] {
  const compiled = new Compiler(ctx).value(value, "");
  return "expr" in compiled ? [`${key}.$`, compiled.expr] : [key, compiled.literal];
}

/** Compiles every entry of an object (a `Parameters`-style payload). */
export function compilePayload(obj: JsonObject, ctx: TemplateContext): Payload {
  return new Compiler(ctx).payload(obj, "");
}

/** Everything in a value that compilation would refuse; empty when it compiles. */
export function templateIssues(value: Json): TemplateIssue[] {
  const compiler = new Compiler({ workflowName: "w", workflowVersion: 1 }, []);
  compiler.value(value, "");
  return compiler.issues ?? [];
}

type Compiled = { readonly literal: AslJson } | { readonly expr: string };

/** Literal text inside an intrinsic: reserved characters escaped, as ASL requires. */
const escapeIntrinsic = (text: string): string => text.replace(/['{}]/g, (c) => `\\${c}`);

class Compiler {
  constructor(
    private readonly ctx: TemplateContext,
    /** Collects issues instead of throwing when given (validation mode). */
    readonly issues?: TemplateIssue[],
  ) {}

  payload(obj: JsonObject, pointer: string): Payload {
    const out: Record<string, AslJson> = {};
    for (const [key, item] of Object.entries(obj)) {
      const at = `${pointer}/${escapePointer(key)}`;
      if (key.endsWith(".$")) {
        this.issue(
          "E_RESERVED_KEY",
          at,
          `key "${key}" ends with ".$", which Step Functions reads as a path`,
        );
      }
      if (key.includes(OPEN))
        this.issue("E_TEMPLATE_UNSUPPORTED", at, `templates are not allowed in keys ("${key}")`);
      const compiled = this.value(item, at);
      if ("expr" in compiled) out[`${key}.$`] = compiled.expr;
      else out[key] = compiled.literal;
    }
    return out;
  }

  value(value: Json, pointer: string): Compiled {
    if (typeof value === "string") return this.string(value, pointer);
    if (Array.isArray(value)) return this.array(value, pointer);
    if (isJsonObject(value)) return { literal: this.payload(value, pointer) };
    return { literal: value };
  }

  private string(text: string, pointer: string): Compiled {
    const parts = this.parts(text);
    if (parts === undefined) return { literal: text };
    const [only] = parts;
    if (parts.length === 1 && only && "ref" in only) {
      if (only.ref.root !== "workflow") return { expr: this.path(only.ref) };
      return { literal: this.constant(only.ref) };
    }
    if (parts.every((p) => "text" in p || p.ref.root === "workflow")) {
      return {
        literal: parts.map((p) => ("text" in p ? p.text : String(this.constant(p.ref)))).join(""),
      };
    }
    return { expr: this.format(parts, pointer) };
  }

  /** `States.Format('text {} text', $.a)`; constants are inlined into the text. */
  private format(parts: readonly TemplatePart[], pointer: string): string {
    let template = "";
    const args: string[] = [];
    for (const part of parts) {
      if ("text" in part) {
        template += escapeIntrinsic(part.text);
      } else if (part.ref.root === "workflow") {
        template += escapeIntrinsic(String(this.constant(part.ref)));
      } else {
        template += "{}";
        args.push(this.path(part.ref));
      }
    }
    this.checkLiteral(parts.map((p) => ("text" in p ? p.text : "")).join(""), pointer);
    return `States.Format(${[`'${template}'`, ...args].join(", ")})`;
  }

  private array(items: readonly Json[], pointer: string): Compiled {
    if (!isTemplated(items)) return { literal: items };
    if (!this.needsIntrinsic(items)) {
      // Objects inside arrays are payload templates themselves: no intrinsic needed.
      return { literal: items.map((item, i) => literalOf(this.value(item, `${pointer}/${i}`))) };
    }
    return { expr: this.arrayIntrinsic(items, pointer) };
  }

  /** Whether a templated string sits in the array itself (or in arrays nested directly in it). */
  private needsIntrinsic(items: readonly Json[]): boolean {
    return items.some((item) =>
      typeof item === "string"
        ? this.parts(item)?.some((p) => "ref" in p && p.ref.root !== "workflow") === true
        : Array.isArray(item) && this.needsIntrinsic(item),
    );
  }

  private arrayIntrinsic(items: readonly Json[], pointer: string): string {
    return `States.Array(${items.map((item, i) => this.argument(item, `${pointer}/${i}`)).join(", ")})`;
  }

  /** One element of a `States.Array(...)`, as an intrinsic argument. */
  private argument(item: Json, pointer: string): string {
    if (item === null || typeof item === "boolean") return String(item);
    if (typeof item === "number") {
      return Number.isSafeInteger(item)
        ? String(item)
        : `States.StringToJson('${JSON.stringify(item)}')`;
    }
    if (typeof item === "string") {
      const compiled = this.string(item, pointer);
      if ("expr" in compiled) return compiled.expr;
      return this.literalArgument(compiled.literal, pointer);
    }
    if (Array.isArray(item) && this.needsIntrinsic(item)) return this.arrayIntrinsic(item, pointer);
    if (isTemplated(item)) {
      this.issue(
        "E_TEMPLATE_UNSUPPORTED",
        pointer,
        "an array that holds templated strings cannot also hold objects with templates; build the object in its own field",
      );
      return "null";
    }
    return this.literalArgument(item, pointer);
  }

  /** A literal inside an intrinsic: a quoted string, or JSON text parsed back with StringToJson. */
  private literalArgument(value: AslJson, pointer: string): string {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    this.checkLiteral(text, pointer);
    const needsFormat = /['{}]/.test(text);
    const quoted = needsFormat ? `States.Format('${escapeIntrinsic(text)}')` : `'${text}'`;
    return typeof value === "string" ? quoted : `States.StringToJson(${quoted})`;
  }

  /**
   * Literal text that goes into an intrinsic may not hold a backslash (the ASL path grammar used
   * by validators rejects `\\`) nor unbalanced parentheses (the local runtime splits arguments on them).
   */
  private checkLiteral(text: string, pointer: string): void {
    if (text.includes("\\")) {
      this.issue(
        "E_TEMPLATE_UNSUPPORTED",
        pointer,
        "text mixed with templates may not contain a backslash",
      );
    }
    let depth = 0;
    for (const ch of text) {
      depth += ch === "(" ? 1 : ch === ")" ? -1 : 0;
      if (depth < 0) break;
    }
    if (depth !== 0) {
      this.issue(
        "E_TEMPLATE_UNSUPPORTED",
        pointer,
        "text mixed with templates may not contain unbalanced parentheses",
      );
    }
  }

  private parts(text: string): readonly TemplatePart[] | undefined {
    if (!text.includes(OPEN)) return undefined;
    const parsed = parseTemplate(text);
    return "parts" in parsed ? parsed.parts : undefined;
  }

  private path(ref: TemplateRef): string {
    return this.ctx.defaultPath?.(ref) ?? refToJsonPath(ref, this.ctx);
  }

  private constant(ref: TemplateRef): string | number {
    return ref.path[0] === "version" ? this.ctx.workflowVersion : this.ctx.workflowName;
  }

  private issue(code: TemplateIssue["code"], pointer: string, message: string): void {
    if (!this.issues) throw new TemplateCompileError({ code, pointer, message });
    this.issues.push({ code, pointer, message });
  }
}

/** An array element compiled without intrinsics; `needsIntrinsic` has ruled out expressions. */
function literalOf(compiled: Compiled): AslJson {
  if ("expr" in compiled)
    throw new Error(`unexpected expression ${compiled.expr} in a literal array`);
  return compiled.literal;
}

function matchAt(re: RegExp, src: string, at: number): RegExpExecArray | undefined {
  re.lastIndex = at;
  return re.exec(src) ?? undefined;
}
