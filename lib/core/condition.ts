/**
 * `when` conditions: `input.amount > 100 and not exists steps.charge.body.error`.
 * Parsed into a small AST and compiled to JSONPath Choice rules whose comparisons are guarded so a
 * missing or wrongly-typed value makes them false instead of failing the execution.
 *
 * Semantics (documented for users):
 * - `a == 5`, `a < 'x'`… are false when `a` is missing or not of the literal's type.
 * - `a != v` is exactly `not (a == v)`, so a missing `a` is `!= 5`.
 * - `null` comparisons treat a missing value as null: `a == null` is true when `a` is missing or
 *   null; `exists a` is true when `a` is present and not null (the same as `a != null`).
 * - Booleans and null compare with `==`/`!=` only. Precedence: `not` > `and` > `or`.
 */
import type { ChoiceRule } from "./asl.ts";
import {
  type PathContext,
  parsePath,
  refToJsonPath,
  scanPath,
  type TemplateRef,
  toRef,
} from "./template.ts";

export type Comparison = "==" | "!=" | "<" | "<=" | ">" | ">=";
export type Literal = string | number | boolean | null;

export type Condition =
  | {
      readonly op: "compare";
      readonly ref: TemplateRef;
      readonly cmp: Comparison;
      readonly value: Literal;
    }
  | { readonly op: "exists"; readonly ref: TemplateRef }
  | { readonly op: "not"; readonly operand: Condition }
  | { readonly op: "and" | "or"; readonly operands: readonly Condition[] };

export type ConditionResult = { condition: Condition } | { error: string; column: number };

// ---------------------------------------------------------------------------------------------
// Tokens

type Token =
  | { readonly kind: "(" | ")" | "end"; readonly at: number }
  | { readonly kind: "keyword"; readonly word: Keyword; readonly at: number }
  | { readonly kind: "cmp"; readonly cmp: Comparison; readonly at: number }
  | { readonly kind: "literal"; readonly value: Literal; readonly at: number }
  | { readonly kind: "ref"; readonly ref: TemplateRef; readonly at: number };

const KEYWORDS = ["and", "or", "not", "exists", "true", "false", "null"] as const;
type Keyword = (typeof KEYWORDS)[number];
const isKeyword = (word: string): word is Keyword => (KEYWORDS as readonly string[]).includes(word);

class ConditionSyntaxError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;
const COMPARISONS: readonly Comparison[] = ["==", "!=", "<=", ">=", "<", ">"];
const FOREIGN_OPERATORS: Readonly<Record<string, string>> = {
  "&&": "and",
  "||": "or",
  "!": "not",
  "=": "==",
};

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < src.length) {
    const ch = src[at] ?? "";
    if (/\s/.test(ch)) {
      at++;
    } else if (ch === "(" || ch === ")") {
      tokens.push({ kind: ch, at });
      at++;
    } else if (src.startsWith("{{", at)) {
      at = templateToken(src, at, tokens);
    } else if (ch === "'") {
      at = stringToken(src, at, tokens);
    } else if (/[-\d]/.test(ch)) {
      NUMBER.lastIndex = at;
      const match = NUMBER.exec(src);
      if (!match) throw new ConditionSyntaxError(`unexpected "${ch}"`, at);
      tokens.push({ kind: "literal", value: Number(match[0]), at });
      at += match[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      at = wordToken(src, at, tokens);
    } else {
      at = operatorToken(src, at, tokens);
    }
  }
  tokens.push({ kind: "end", at: src.length });
  return tokens;
}

function operatorToken(src: string, at: number, tokens: Token[]): number {
  const cmp = COMPARISONS.find((c) => src.startsWith(c, at));
  if (cmp) {
    tokens.push({ kind: "cmp", cmp, at });
    return at + cmp.length;
  }
  const foreign = Object.keys(FOREIGN_OPERATORS).find((op) => src.startsWith(op, at));
  if (foreign)
    throw new ConditionSyntaxError(
      `unknown operator "${foreign}"; use "${FOREIGN_OPERATORS[foreign]}"`,
      at,
    );
  if (src[at] === '"') throw new ConditionSyntaxError("strings are single-quoted: 'text'", at);
  throw new ConditionSyntaxError(`unexpected "${src[at]}"`, at);
}

function wordToken(src: string, at: number, tokens: Token[]): number {
  const scanned = scanPath(src, at);
  if ("error" in scanned) throw new ConditionSyntaxError(scanned.error, scanned.offset);
  const text = src.slice(at, scanned.end);
  if (scanned.path.length === 0 && isKeyword(scanned.head)) {
    const word = scanned.head;
    if (word === "true" || word === "false" || word === "null") {
      tokens.push({ kind: "literal", value: word === "null" ? null : word === "true", at });
    } else {
      tokens.push({ kind: "keyword", word, at });
    }
    return scanned.end;
  }
  if (scanned.path.length === 0 && isKeyword(scanned.head.toLowerCase())) {
    throw new ConditionSyntaxError(
      `keywords are lowercase: write "${scanned.head.toLowerCase()}"`,
      at,
    );
  }
  const ref = toRef(scanned.head, scanned.path, text);
  if ("error" in ref) throw new ConditionSyntaxError(ref.error, at);
  tokens.push({ kind: "ref", ref, at });
  return scanned.end;
}

function templateToken(src: string, at: number, tokens: Token[]): number {
  const close = src.indexOf("}}", at + 2);
  if (close < 0) throw new ConditionSyntaxError('unclosed "{{"', at);
  const raw = src.slice(at + 2, close);
  const start = at + 2 + (raw.length - raw.trimStart().length);
  const inner = raw.trim();
  const parsed = parsePath(inner);
  if ("error" in parsed) throw new ConditionSyntaxError(parsed.error, start + parsed.offset);
  const ref = toRef(parsed.head, parsed.path, inner);
  if ("error" in ref) throw new ConditionSyntaxError(ref.error, start);
  tokens.push({ kind: "ref", ref, at });
  return close + 2;
}

function stringToken(src: string, at: number, tokens: Token[]): number {
  let value = "";
  let i = at + 1;
  while (i < src.length) {
    const ch = src[i] ?? "";
    if (ch === "\\" && (src[i + 1] === "'" || src[i + 1] === "\\")) {
      value += src[i + 1];
      i += 2;
    } else if (ch === "'") {
      tokens.push({ kind: "literal", value, at });
      return i + 1;
    } else {
      value += ch;
      i++;
    }
  }
  throw new ConditionSyntaxError("unclosed string", at);
}

// ---------------------------------------------------------------------------------------------
// Parser

/** Parses a `when` expression; errors carry a 1-based column. */
export function parseCondition(src: string): ConditionResult {
  try {
    const parser = new Parser(tokenize(src));
    const condition = parser.or();
    parser.expectEnd();
    return { condition };
  } catch (error) {
    if (error instanceof ConditionSyntaxError)
      return { error: error.message, column: error.at + 1 };
    throw error;
  }
}

class Parser {
  private index = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  or(): Condition {
    const operands = [this.and()];
    while (this.keyword("or")) operands.push(this.and());
    return operands.length === 1 && operands[0] ? operands[0] : { op: "or", operands };
  }

  private and(): Condition {
    const operands = [this.not()];
    while (this.keyword("and")) operands.push(this.not());
    return operands.length === 1 && operands[0] ? operands[0] : { op: "and", operands };
  }

  private not(): Condition {
    if (this.keyword("not")) return { op: "not", operand: this.not() };
    return this.primary();
  }

  private primary(): Condition {
    const token = this.next();
    if (token.kind === "(") {
      const inner = this.or();
      const close = this.next();
      if (close.kind !== ")")
        throw new ConditionSyntaxError(`expected ")" but found ${describe(close)}`, close.at);
      return inner;
    }
    if (token.kind === "keyword" && token.word === "exists") {
      const operand = this.next();
      if (operand.kind !== "ref")
        throw new ConditionSyntaxError(`expected a path after "exists"`, operand.at);
      return { op: "exists", ref: operand.ref };
    }
    if (token.kind === "ref" || token.kind === "literal") return this.comparison(token);
    throw new ConditionSyntaxError(`expected a comparison but found ${describe(token)}`, token.at);
  }

  private comparison(left: Token & { kind: "ref" | "literal" }): Condition {
    const cmpToken = this.next();
    if (cmpToken.kind !== "cmp") {
      const hint =
        left.kind === "ref" ? ` (to test presence write "exists ${left.ref.source}")` : "";
      throw new ConditionSyntaxError(
        `expected a comparison operator but found ${describe(cmpToken)}${hint}`,
        cmpToken.at,
      );
    }
    const right = this.next();
    if (right.kind !== "ref" && right.kind !== "literal") {
      throw new ConditionSyntaxError(
        `expected a path or a literal but found ${describe(right)}`,
        right.at,
      );
    }
    if (left.kind === right.kind) {
      const what = left.kind === "ref" ? "two paths" : "two literals";
      throw new ConditionSyntaxError(
        `cannot compare ${what}: compare a path with a literal`,
        left.at,
      );
    }
    const [ref, literal, cmp] =
      left.kind === "ref" && right.kind === "literal"
        ? [left.ref, right, cmpToken.cmp]
        : [
            (right as Token & { kind: "ref" }).ref,
            left as Token & { kind: "literal" },
            flip(cmpToken.cmp),
          ];
    const { value } = literal;
    if ((typeof value === "boolean" || value === null) && cmp !== "==" && cmp !== "!=") {
      throw new ConditionSyntaxError(
        `${String(value)} can only be compared with == or !=`,
        cmpToken.at,
      );
    }
    return { op: "compare", ref, cmp, value };
  }

  expectEnd(): void {
    const token = this.next();
    if (token.kind !== "end")
      throw new ConditionSyntaxError(`unexpected ${describe(token)}`, token.at);
  }

  private keyword(word: Keyword): boolean {
    const token = this.tokens[this.index];
    if (token?.kind === "keyword" && token.word === word) {
      this.index++;
      return true;
    }
    return false;
  }

  private next(): Token {
    const token = this.tokens[this.index] ?? { kind: "end", at: 0 };
    if (token.kind !== "end") this.index++;
    return token;
  }
}

const flip = (cmp: Comparison): Comparison =>
  ({ "==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" })[cmp] as Comparison;

function describe(token: Token): string {
  switch (token.kind) {
    case "end":
      return "the end";
    case "keyword":
      return `"${token.word}"`;
    case "cmp":
      return `"${token.cmp}"`;
    case "literal":
      return typeof token.value === "string" ? `'${token.value}'` : String(token.value);
    case "ref":
      return `"${token.ref.source}"`;
    default:
      return `"${token.kind}"`;
  }
}

// ---------------------------------------------------------------------------------------------
// References and compilation

/** Every path a condition reads. */
export function conditionRefs(c: Condition): TemplateRef[] {
  switch (c.op) {
    case "compare":
    case "exists":
      return [c.ref];
    case "not":
      return conditionRefs(c.operand);
    case "and":
    case "or":
      return c.operands.flatMap(conditionRefs);
  }
}

/** Compiles to a JSONPath Choice rule without `Next`; `ctx` places step results (see template.ts). */
export function compileCondition(c: Condition, ctx?: PathContext): ChoiceRule {
  switch (c.op) {
    case "exists": {
      const Variable = refToJsonPath(c.ref, ctx);
      return { And: [{ Variable, IsPresent: true }, { Not: { Variable, IsNull: true } }] };
    }
    case "not":
      return { Not: compileCondition(c.operand, ctx) };
    case "and":
      return { And: c.operands.map((o) => compileCondition(o, ctx)) };
    case "or":
      return { Or: c.operands.map((o) => compileCondition(o, ctx)) };
    case "compare": {
      const equal = c.cmp === "==" || c.cmp === "!=";
      const rule = compareRule(refToJsonPath(c.ref, ctx), equal ? "==" : c.cmp, c.value);
      return c.cmp === "!=" ? { Not: rule } : rule;
    }
  }
}

const NUMERIC: Record<Exclude<Comparison, "!=">, string> = {
  "==": "NumericEquals",
  "<": "NumericLessThan",
  "<=": "NumericLessThanEquals",
  ">": "NumericGreaterThan",
  ">=": "NumericGreaterThanEquals",
};

function compareRule(Variable: string, cmp: Exclude<Comparison, "!=">, value: Literal): ChoiceRule {
  const present: ChoiceRule = { Variable, IsPresent: true };
  if (value === null) return { Or: [{ Not: present }, { Variable, IsNull: true }] };
  if (typeof value === "boolean") {
    return { And: [present, { Variable, IsBoolean: true }, { Variable, BooleanEquals: value }] };
  }
  if (typeof value === "number") {
    return { And: [present, { Variable, IsNumeric: true }, { Variable, [NUMERIC[cmp]]: value }] };
  }
  const operator = NUMERIC[cmp].replace("Numeric", "String");
  return { And: [present, { Variable, IsString: true }, { Variable, [operator]: value }] };
}
