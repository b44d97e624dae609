/**
 * Workflow input schemas compiled ahead of time: Ajv's standalone code for each schema is made
 * where workflows are compiled (at synth into the catalogue file, by the publish function for
 * `PUT /workflows/{name}`, at `baton dev` / harness start-up) and carried in the catalogue entry
 * (`inputValidator`). The API and the start-execution function only load that code
 * (`runtime/api/input-validation.ts`), so their bundles hold no JSON Schema compiler.
 *
 * The options are those the API compiled with at run time before (all errors, no strict mode so
 * annotations never break a deployed workflow, schema `default`s filled in, ajv-formats), so the
 * answers and their `errors` are the same. The code may require only `VALIDATOR_RUNTIME_MODULES`
 * (what the loader bundles); a schema whose code needs more is refused here, when it is published.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import { _ } from "ajv/dist/compile/codegen/index.js";
import * as standaloneModule from "ajv/dist/standalone/index.js";
import * as formatsModule from "ajv-formats";
import type { JsonObject } from "../model.ts";
import type { CatalogueWorkflow, PrecompiledInputValidator } from "../project/catalogue.ts";
import { inputSchemaHash } from "./input-schema-hash.ts";

/** Modules the generated code may `require`; the loader provides exactly these. */
export const VALIDATOR_RUNTIME_MODULES = [
  "ajv-formats/dist/formats",
  "ajv/dist/runtime/equal",
  "ajv/dist/runtime/ucs2length",
  "ajv/dist/runtime/validation_error",
] as const;

type FormatsPlugin = (ajv: Ajv2020) => Ajv2020;
type Standalone = (ajv: Ajv2020, validate: unknown) => string;
// Both are CommonJS with `exports.default`; unwrap whichever shape the loader hands over.
const unwrap = <T>(module: unknown): T => {
  const inner = (module as { default?: unknown }).default ?? module;
  return (typeof inner === "function" ? inner : (inner as { default: unknown }).default) as T;
};
const addFormats = unwrap<FormatsPlugin>(formatsModule);
const standaloneCode = unwrap<Standalone>(standaloneModule);

export class InputSchemaPrecompileError extends Error {
  override readonly name = "InputSchemaPrecompileError";
}

/** Standalone validator code for `schema` (CommonJS: `module.exports` is the validate function). */
export function precompileInputSchema(schema: JsonObject): PrecompiledInputValidator {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: false,
    useDefaults: true,
    code: { source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` },
  });
  addFormats(ajv);
  let code: string;
  try {
    code = standaloneCode(ajv, ajv.compile(schema as object));
  } catch (error) {
    throw new InputSchemaPrecompileError(
      `The input schema cannot be compiled: ${(error as Error).message}`,
    );
  }
  const allowed = new Set<string>(VALIDATOR_RUNTIME_MODULES);
  const needed = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1] as string);
  const missing = [...new Set(needed.filter((name) => !allowed.has(name)))];
  if (missing.length > 0) {
    throw new InputSchemaPrecompileError(
      `The input schema uses a keyword whose validator needs ${missing.join(", ")}, which Baton's API does not bundle; simplify that part of the schema.`,
    );
  }
  return { code, schemaHash: inputSchemaHash(schema) };
}

/** The entry with its input validator precompiled (unchanged when it has no input schema). */
export function withInputValidator(entry: CatalogueWorkflow): CatalogueWorkflow {
  if (entry.inputSchema === undefined) return entry;
  return { ...entry, inputValidator: precompileInputSchema(entry.inputSchema) };
}
