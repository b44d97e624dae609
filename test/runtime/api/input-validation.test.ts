/**
 * Input validation runs the input schema's precompiled Ajv standalone code
 * (core/schema/input-validator-code.ts), never a schema compiler: same answers and `errors` as
 * Ajv compiling the schema at run time (the API's behaviour before), defaults filled in, and code
 * that is missing, stale or asks for a module the loader does not bundle is refused.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import { describe, expect, it } from "vitest";
import type { Json, JsonObject } from "../../../lib/core/model.ts";
import { inputSchemaHash } from "../../../lib/core/schema/input-schema-hash.ts";
import { precompileInputSchema } from "../../../lib/core/schema/input-validator-code.ts";
import { InputValidator, SchemaCompileError } from "../../../lib/runtime/api/input-validation.ts";

const schema = {
  type: "object",
  required: ["orderId"],
  properties: {
    orderId: { type: "string" },
    tier: { type: "string", default: "basic" },
    options: {
      type: "object",
      default: {},
      properties: { gift: { type: "boolean", default: false } },
    },
  },
};

const workflow = (inputSchema: JsonObject, version = 1) => ({
  name: "w",
  version,
  inputSchema,
  inputValidator: precompileInputSchema(inputSchema),
});

describe("InputValidator", () => {
  it("fills absent fields with the schema's defaults in the input that is started", () => {
    // Prepare
    const input = { orderId: "o-1" };

    // Act
    const problems = new InputValidator().validate(workflow(schema), input);

    // Assess: nested defaults too, and the caller's object is the one filled in.
    expect([problems, input]).toEqual([
      [],
      { orderId: "o-1", tier: "basic", options: { gift: false } },
    ]);
  });

  it("keeps values that are present", () => {
    const input = { orderId: "o-1", tier: "gold", options: { gift: true } };

    new InputValidator().validate(workflow(schema), input);

    expect(input).toEqual({ orderId: "o-1", tier: "gold", options: { gift: true } });
  });

  it("refuses an entry with a schema but no precompiled code, naming what to do", () => {
    const { inputValidator: _none, ...old } = workflow(schema);
    expect(() => new InputValidator().validate(old, {})).toThrow(
      /w@1 has an input schema but no precompiled validator.*publish it again/,
    );
  });

  it("makes the missing code where a compiler is given (baton dev on an older data dir)", () => {
    const { inputValidator: _none, ...old } = workflow(schema);
    const validator = new InputValidator({ precompile: precompileInputSchema });
    expect(validator.validate(old, {})).toEqual([
      { path: "/input/orderId", message: "is required" },
    ]);
  });

  it("refuses code made from another schema than the one stored with it", () => {
    const stale = { ...workflow(schema), inputSchema: { ...schema, required: [] } };
    expect(() => new InputValidator().validate(stale, {})).toThrow(SchemaCompileError);
    expect(() => new InputValidator().validate(stale, {})).toThrow(/made from another schema/);
  });

  it("gives the code only the Ajv runtime helpers it may require", () => {
    const inputSchema = { type: "object" };
    const entry = {
      ...workflow(inputSchema),
      inputValidator: {
        code: 'module.exports = require("node:child_process");',
        schemaHash: inputSchemaHash(inputSchema),
      },
    };
    expect(() => new InputValidator().validate(entry, {})).toThrow(
      /cannot be loaded: it requires node:child_process/,
    );
  });
});

/**
 * The API's answers before (main at 99a4a91): Ajv compiling the schema at run time with the same
 * options, each error turned into a field problem the same way.
 */
function runtimeAjv(inputSchema: JsonObject, input: Json): { path: string; message: string }[] {
  const ajv = new Ajv2020({ allErrors: true, strict: false, useDefaults: true });
  formats.default(ajv);
  const validate = ajv.compile(inputSchema);
  if (validate(input)) return [];
  return (validate.errors ?? []).map((e) => {
    const params = e.params as Record<string, unknown>;
    const base = `/input${e.instancePath}`;
    if (e.keyword === "required")
      return { path: `${base}/${params.missingProperty}`, message: "is required" };
    if (e.keyword === "additionalProperties")
      return { path: `${base}/${params.additionalProperty}`, message: "is not allowed" };
    return { path: base, message: e.message ?? `fails ${e.keyword}` };
  });
}

const FORMATS_AND_MORE: JsonObject = {
  type: "object",
  required: ["email", "when", "sku"],
  additionalProperties: false,
  properties: {
    email: { type: "string", format: "email" },
    when: { type: "string", format: "date-time" },
    site: { type: "string", format: "uri" },
    id: { type: "string", format: "uuid" },
    sku: { type: "string", pattern: "^[A-Z]{3}-\\d+$", minLength: 5 },
    amount: { type: "number", exclusiveMinimum: 0, multipleOf: 0.01 },
    tags: { type: "array", uniqueItems: true, maxItems: 3, items: { type: "string" } },
    kind: { enum: ["a", { b: 1 }] },
    fixed: { const: { x: [1, 2] } },
    either: { oneOf: [{ type: "integer" }, { type: "string", maxLength: 2 }] },
    name: { type: "string", maxLength: 4 },
  },
};

describe("precompiled code answers as Ajv compiling at run time", () => {
  const inputs: readonly Json[] = [
    { email: "a@b.example", when: "2026-12-04T10:00:00Z", sku: "ABC-12" },
    {
      email: "not an email",
      when: "yesterday",
      sku: "abc",
      site: "::",
      id: "x",
      amount: -1.001,
      tags: ["a", "a", "b", "c"],
      kind: { b: 2 },
      fixed: { x: [2, 1] },
      either: 3.5,
      name: "🙂🙂🙂🙂🙂",
      extra: true,
    },
    { email: 1, sku: "ABC-1" },
    "not an object",
  ];

  it.each(inputs.map((input, n) => [n, input] as const))("input %i", (_n, input) => {
    // Act
    const precompiled = new InputValidator().validate(
      workflow(FORMATS_AND_MORE),
      structuredClone(input),
    );
    const expected = runtimeAjv(FORMATS_AND_MORE, structuredClone(input));
    // Assess: the same problems in the same order
    expect(precompiled).toEqual(expected);
    if (input === inputs[1]) expect(precompiled.length).toBeGreaterThanOrEqual(12);
  });
});
