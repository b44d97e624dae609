/**
 * JSON Schema as the contract check needs it: a body as written (literal JSON with `{{ … }}`
 * templates in it) against a request schema, and a template's path into a response schema. No
 * Ajv: a template is a value whose type may be known but whose content is not, and each problem
 * names the exact schema location (through `$ref`s), which is what the user needs to compare.
 *
 * Covered keywords: `$ref` (inside the document), `type` (with OpenAPI 3.0 `nullable`), `enum`,
 * `const`, `required`, `properties`, `additionalProperties`, `items`, `minItems`, `maxItems`,
 * `minLength`, `maxLength`, `pattern`, `minimum`, `maximum`, `exclusiveMinimum`,
 * `exclusiveMaximum` (3.0 booleans and 3.1 numbers), `allOf`, `anyOf`, `oneOf` (at least one
 * branch must fit). Anything else (`format`, `multipleOf`, `not`, conditionals) is not judged.
 */
import { isObject, pointerSegment, resolve } from "./contract-openapi.ts";
import type { Json, JsonObject } from "./model.ts";
import type { PathSegment } from "./template.ts";

export type JsonType = "string" | "number" | "integer" | "boolean" | "object" | "array" | "null";

export interface SchemaProblem {
  /** JSON pointer into the checked value (`/amount`; "" for the value itself). */
  readonly instance: string;
  /** JSON pointer into the document of the keyword that failed (`#/components/schemas/X/required`). */
  readonly schema: string;
  readonly message: string;
}

/** The type a templated string will have at run time, when known. */
export type TemplateTyper = (text: string) => JsonType | undefined;

export function checkValue(
  document: JsonObject,
  value: Json,
  schema: Json,
  schemaPointer: string,
  typeOf: TemplateTyper,
): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  visit(document, value, schema, schemaPointer, "", typeOf, problems, 0);
  return problems;
}

function visit(
  document: JsonObject,
  value: Json,
  raw: Json,
  rawPointer: string,
  instance: string,
  typeOf: TemplateTyper,
  out: SchemaProblem[],
  depth: number,
): void {
  if (depth > 64) return;
  const { value: schema, pointer } = resolve(document, raw, rawPointer);
  if (!isObject(schema)) return;
  const add = (keyword: string, message: string, at = instance): void => {
    out.push({ instance: at, schema: `${pointer}/${keyword}`, message });
  };
  const sub = (v: Json, s: Json, sp: string, inst: string, into = out): void =>
    visit(document, v, s, sp, inst, typeOf, into, depth + 1);

  if (Array.isArray(schema.allOf)) {
    schema.allOf.forEach((branch, i) => {
      sub(value, branch, `${pointer}/allOf/${i}`, instance);
    });
  }
  for (const key of ["anyOf", "oneOf"] as const) {
    const branches = schema[key];
    if (!Array.isArray(branches) || branches.length === 0) continue;
    const results = branches.map((branch, i) => {
      const found: SchemaProblem[] = [];
      sub(value, branch, `${pointer}/${key}/${i}`, instance, found);
      return found;
    });
    if (results.every((r) => r.length > 0)) {
      const first = results[0]?.[0];
      add(key, `fits none of the ${key} schemas${first ? ` (first: ${first.message})` : ""}`);
    }
  }

  const templated = typeof value === "string" && value.includes("{{");
  const actual = templated ? typeOf(value) : typeOfLiteral(value);
  const allowed = declaredTypes(schema);
  if (actual === undefined) return; // a template of unknown type: its content is not known
  if (allowed !== undefined && !typeFits(actual, allowed, !templated)) {
    add(
      "type",
      `must be ${allowed.join(" or ")}, got ${templated ? `a template giving ${actual}` : actual}`,
    );
    return;
  }
  if (templated) return;

  if (Array.isArray(schema.enum) && !schema.enum.some((e) => same(e, value))) {
    add(
      "enum",
      `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}, got ${JSON.stringify(value)}`,
    );
  }
  if (schema.const !== undefined && !same(schema.const, value)) {
    add("const", `must be ${JSON.stringify(schema.const)}, got ${JSON.stringify(value)}`);
  }
  if (typeof value === "string") checkString(schema, value, add);
  if (typeof value === "number") checkNumber(schema, value, add);
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems)
      add("minItems", `must have at least ${schema.minItems} items, got ${value.length}`);
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems)
      add("maxItems", `must have at most ${schema.maxItems} items, got ${value.length}`);
    if (isObject(schema.items)) {
      value.forEach((item, i) => {
        sub(item, schema.items as Json, `${pointer}/items`, `${instance}/${i}`);
      });
    }
  }
  if (isObject(value)) checkObject(schema, pointer, value, instance, add, sub);
}

function checkObject(
  schema: JsonObject,
  pointer: string,
  value: JsonObject,
  instance: string,
  add: (keyword: string, message: string, at?: string) => void,
  sub: (v: Json, s: Json, sp: string, inst: string) => void,
): void {
  if (Array.isArray(schema.required)) {
    for (const name of schema.required) {
      if (typeof name === "string" && !Object.hasOwn(value, name))
        add("required", `is missing the required field "${name}"`);
    }
  }
  const properties = isObject(schema.properties) ? schema.properties : {};
  for (const [key, item] of Object.entries(value)) {
    const at = `${instance}/${pointerSegment(key)}`;
    const declared = properties[key];
    if (declared !== undefined) {
      sub(item, declared, `${pointer}/properties/${pointerSegment(key)}`, at);
    } else if (schema.additionalProperties === false) {
      const known = Object.keys(properties);
      add(
        "additionalProperties",
        `is a field the schema does not allow${known.length > 0 ? ` (fields: ${known.join(", ")})` : ""}`,
        at,
      );
    } else if (isObject(schema.additionalProperties)) {
      sub(item, schema.additionalProperties, `${pointer}/additionalProperties`, at);
    }
  }
}

function checkString(
  schema: JsonObject,
  value: string,
  add: (keyword: string, message: string) => void,
): void {
  const length = [...value].length;
  if (typeof schema.minLength === "number" && length < schema.minLength)
    add("minLength", `must be at least ${schema.minLength} characters, got ${length}`);
  if (typeof schema.maxLength === "number" && length > schema.maxLength)
    add("maxLength", `must be at most ${schema.maxLength} characters, got ${length}`);
  if (typeof schema.pattern === "string") {
    let pattern: RegExp | undefined;
    try {
      pattern = new RegExp(schema.pattern, "u");
    } catch {
      pattern = undefined; // a pattern JavaScript cannot read is not judged
    }
    if (pattern !== undefined && !pattern.test(value))
      add("pattern", `must match ${schema.pattern}, got ${JSON.stringify(value)}`);
  }
}

function checkNumber(
  schema: JsonObject,
  value: number,
  add: (keyword: string, message: string) => void,
): void {
  const { minimum, maximum, exclusiveMinimum: exMin, exclusiveMaximum: exMax } = schema;
  if (typeof minimum === "number") {
    if (exMin === true ? value <= minimum : value < minimum)
      add(
        exMin === true ? "exclusiveMinimum" : "minimum",
        `must be ${exMin === true ? ">" : ">="} ${minimum}, got ${value}`,
      );
  }
  if (typeof maximum === "number") {
    if (exMax === true ? value >= maximum : value > maximum)
      add(
        exMax === true ? "exclusiveMaximum" : "maximum",
        `must be ${exMax === true ? "<" : "<="} ${maximum}, got ${value}`,
      );
  }
  if (typeof exMin === "number" && value <= exMin)
    add("exclusiveMinimum", `must be > ${exMin}, got ${value}`);
  if (typeof exMax === "number" && value >= exMax)
    add("exclusiveMaximum", `must be < ${exMax}, got ${value}`);
}

/** The types a schema allows (`type`, plus null under OpenAPI 3.0 `nullable: true`); undefined: any. */
function declaredTypes(schema: JsonObject): JsonType[] | undefined {
  const type = schema.type;
  const list = typeof type === "string" ? [type] : Array.isArray(type) ? type : undefined;
  if (list === undefined) return undefined;
  const types = list.filter((t): t is JsonType => typeof t === "string");
  return schema.nullable === true && !types.includes("null") ? [...types, "null"] : types;
}

/**
 * Whether a value of `actual` type fits. A literal whole number is an integer and fits `number`;
 * a literal 1.5 does not fit `integer`. A template giving `number` may be whole, so it fits
 * `integer` too (only a certain mismatch is reported).
 */
function typeFits(actual: JsonType, allowed: readonly JsonType[], literal: boolean): boolean {
  if (allowed.includes(actual)) return true;
  if (actual === "integer" && allowed.includes("number")) return true;
  return !literal && actual === "number" && allowed.includes("integer");
}

export function typeOfLiteral(value: Json): JsonType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value as "string" | "boolean" | "object";
}

const same = (a: Json, b: Json): boolean => JSON.stringify(a) === JSON.stringify(b);

/** What a path into a schema finds. */
export type SchemaLookup =
  | { readonly kind: "declared"; readonly schema: JsonObject; readonly pointer: string }
  /** `field` is not among the properties the schema at `pointer` declares. */
  | { readonly kind: "undeclared"; readonly field: string; readonly pointer: string }
  /** The schema does not say (free-form object, external `$ref`, no schema). */
  | { readonly kind: "unknown" };

/** Follows `path` (property names and item indexes) through a schema. */
export function lookupPath(
  document: JsonObject,
  raw: Json,
  rawPointer: string,
  path: readonly PathSegment[],
  depth = 0,
): SchemaLookup {
  const { value: schema, pointer } = resolve(document, raw, rawPointer);
  if (!isObject(schema) || depth > 64) return { kind: "unknown" };
  const [head, ...rest] = path;
  if (head === undefined) return { kind: "declared", schema, pointer };
  if (typeof head === "number") {
    return isObject(schema.items)
      ? lookupPath(document, schema.items, `${pointer}/items`, rest, depth + 1)
      : { kind: "unknown" };
  }
  if (isObject(schema.properties) && Object.hasOwn(schema.properties, head)) {
    return lookupPath(
      document,
      schema.properties[head] as Json,
      `${pointer}/properties/${pointerSegment(head)}`,
      rest,
      depth + 1,
    );
  }
  // Composed schemas: declared when any branch declares it; undeclared only when all say so.
  const branches = (["allOf", "anyOf", "oneOf"] as const).flatMap((key) =>
    Array.isArray(schema[key])
      ? (schema[key] as Json[]).map((b, i) => ({ schema: b, pointer: `${pointer}/${key}/${i}` }))
      : [],
  );
  const results = branches.map((b) => lookupPath(document, b.schema, b.pointer, path, depth + 1));
  const declared = results.find((r) => r.kind === "declared");
  if (declared !== undefined) return declared;
  if (results.some((r) => r.kind === "unknown")) return { kind: "unknown" };
  const closed =
    isObject(schema.properties) || results.length > 0 || schema.additionalProperties === false;
  if (!closed) return { kind: "unknown" };
  if (isObject(schema.additionalProperties)) {
    return lookupPath(
      document,
      schema.additionalProperties,
      `${pointer}/additionalProperties`,
      rest,
      depth + 1,
    );
  }
  if (schema.additionalProperties === true) return { kind: "unknown" };
  return { kind: "undeclared", field: head, pointer };
}

/** The single type a schema declares (for template types), if it declares exactly one. */
export function singleType(schema: JsonObject): JsonType | undefined {
  const types = declaredTypes(schema)?.filter((t) => t !== "null");
  return types?.length === 1 && schema.nullable !== true ? types[0] : undefined;
}
