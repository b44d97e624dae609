/**
 * Execution inputs for `baton simulate`, generated from a workflow's input schema: `examples[0]`,
 * `default`, `const` or `enum` when the schema gives one, otherwise a small value of the declared
 * type that honours `minimum`/`maximum`, `minLength`/`maxLength`, `minItems`, `format: email`
 * and simple `pattern`s (literals, `\d`, `[a-z]`-style classes, `{n}`, top-level `a|b`). Numbers
 * stay near their minimum so demo services do not decline them (payments declines amounts above
 * 10000). A schema it cannot satisfy is an error naming the property: add `examples` to it.
 */
import type { Json, JsonObject } from "../../core/model.ts";
import { pick, type Random } from "./random.ts";

export class InputGenerationError extends Error {}

export function generateInput(schema: JsonObject | undefined, random: Random): Json {
  if (schema === undefined) return {};
  return generate(schema, "input", random);
}

function generate(schema: JsonObject, path: string, random: Random): Json {
  const examples = schema.examples;
  if (Array.isArray(examples) && examples.length > 0) return examples[0] as Json;
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return pick(random, schema.enum);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "object":
    case undefined: {
      if (type === undefined && schema.properties === undefined) return null;
      const properties = isObject(schema.properties) ? schema.properties : {};
      const out: Record<string, Json> = {};
      for (const [key, child] of Object.entries(properties)) {
        if (isObject(child)) out[key] = generate(child, `${path}.${key}`, random);
      }
      return out;
    }
    case "string":
      return text(schema, path, random);
    case "integer":
    case "number":
      return number(schema, type === "integer", random);
    case "boolean":
      return random() < 0.5;
    case "array": {
      const items = isObject(schema.items) ? schema.items : {};
      const count = Math.max(typeof schema.minItems === "number" ? schema.minItems : 1, 1);
      return Array.from({ length: Math.min(count + Math.floor(random() * 3), 5) }, (_, i) =>
        generate(items, `${path}[${i}]`, random),
      ).slice(0, typeof schema.maxItems === "number" ? schema.maxItems : undefined);
    }
    case "null":
      return null;
    default:
      throw new InputGenerationError(
        `cannot generate ${path} of type ${JSON.stringify(type)}; add \`examples: [...]\` to its schema`,
      );
  }
}

function number(schema: JsonObject, integer: boolean, random: Random): number {
  const at = (key: string): number | undefined =>
    typeof schema[key] === "number" ? (schema[key] as number) : undefined;
  const low = at("minimum") ?? (at("exclusiveMinimum") ?? 0) + 1;
  const high = Math.min(at("maximum") ?? low + 9, (at("exclusiveMaximum") ?? Infinity) - 1);
  const value = low + random() * Math.max(high - low, 0);
  return integer ? Math.floor(value) : Math.round(value * 100) / 100;
}

function text(schema: JsonObject, path: string, random: Random): string {
  const min = typeof schema.minLength === "number" ? schema.minLength : 1;
  const max = typeof schema.maxLength === "number" ? schema.maxLength : 64;
  if (schema.format === "email") return `sim-${Math.floor(random() * 1e6)}@example.com`;
  if (typeof schema.pattern === "string") {
    const value = fromPattern(schema.pattern, random);
    if (value !== undefined && new RegExp(schema.pattern, "u").test(value)) return value;
    throw new InputGenerationError(
      `cannot generate ${path} matching the pattern ${schema.pattern}; add \`examples: [...]\` to its schema`,
    );
  }
  const base = `sim-${Math.floor(random() * 1e6)}`;
  return base.padEnd(min, "x").slice(0, Math.max(max, 1));
}

/** Simple patterns only (see the header); undefined for anything else. */
function fromPattern(pattern: string, random: Random): string | undefined {
  let source = pattern.replace(/^\^/, "").replace(/\$$/, "");
  const group = /^\(([^()]*)\)$/.exec(source);
  if (group?.[1] !== undefined) source = group[1];
  const alternatives = source.split("|");
  const chosen = pick(random, alternatives);
  let out = "";
  const tokens = chosen.match(/\\d|\[[^\]]+\]|\{\d+\}|\\.|[^\\[{]/g);
  if (tokens === null) return undefined;
  let last: (() => string) | undefined;
  for (const token of tokens) {
    const repeat = /^\{(\d+)\}$/.exec(token);
    if (repeat?.[1] !== undefined) {
      if (last === undefined) return undefined;
      for (let i = 1; i < Number(repeat[1]); i += 1) out += last();
      continue;
    }
    if (/[()*+?.]/.test(token) && token.length === 1) return undefined;
    last = charFor(token, random);
    if (last === undefined) return undefined;
    out += last();
  }
  return out;
}

function charFor(token: string, random: Random): (() => string) | undefined {
  if (token === "\\d") return () => String(Math.floor(random() * 10));
  if (token.startsWith("[")) {
    const range = /^\[(.)-(.)\]$/.exec(token);
    if (range?.[1] === undefined || range[2] === undefined) return undefined;
    const from = range[1].charCodeAt(0);
    const span = range[2].charCodeAt(0) - from + 1;
    return () => String.fromCharCode(from + Math.floor(random() * span));
  }
  const literal = token.startsWith("\\") ? token.slice(1) : token;
  return () => literal;
}

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);
