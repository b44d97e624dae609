/** The workflow's `input` JSON Schema, checked by compiling it with Ajv (draft 2020-12). */
import { Ajv2020 } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import type { JsonObject } from "../model.ts";
import {
  InputSchemaPrecompileError,
  precompileInputSchema,
} from "../schema/input-validator-code.ts";
import type { Report } from "./problem-report.ts";

let ajv: Ajv2020 | undefined;

/**
 * Strict about keywords, so typos such as `minLenght` are caught; `example` is accepted as an
 * annotation because OpenAPI users write it. Formats come from ajv-formats.
 */
export function schemaCompiler(): Ajv2020 {
  if (!ajv) {
    ajv = new Ajv2020({
      strict: true,
      strictTypes: false,
      strictTuples: false,
      strictRequired: false,
      allErrors: true,
      logger: false,
    });
    formats.default(ajv);
    ajv.addVocabulary(["example"]);
  }
  return ajv;
}

/** Reports every reason the schema at `pointer` is not a usable JSON Schema. */
export function checkInputSchema(report: Report, schema: object, pointer: string): boolean {
  if (!checkSchema(report, schema, pointer, "E_INPUT_SCHEMA")) return false;
  // Starts run the schema's precompiled code (schema/input-validator-code.ts): a schema whose code
  // the API could not load is refused now, not at the first start.
  try {
    precompileInputSchema(schema as JsonObject);
    return true;
  } catch (error) {
    if (!(error instanceof InputSchemaPrecompileError)) throw error;
    report.error("E_INPUT_SCHEMA", pointer, error.message);
    return false;
  }
}

/** Reports every reason the schema at `pointer` is not a usable JSON Schema, under `code`. */
export function checkSchema(
  report: Report,
  schema: object,
  pointer: string,
  code: "E_INPUT_SCHEMA" | "E_OUTPUT_SCHEMA" | "E_TEMPLATE_PARAMETERS",
): boolean {
  const compiler = schemaCompiler();
  try {
    if (!compiler.validateSchema(schema)) {
      // Meta-schema errors repeat per anyOf branch; keep one message per location.
      const seen = new Set<string>();
      for (const e of compiler.errors ?? []) {
        if (seen.has(e.instancePath)) continue;
        seen.add(e.instancePath);
        const where = pointer + e.instancePath;
        report.error(code, where, `invalid JSON Schema at ${where}: ${e.message ?? "invalid"}`);
      }
      return false;
    }
    compiler.compile(schema);
    return true;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    report.error(code, pointer, `invalid JSON Schema: ${message}`);
    return false;
  } finally {
    compiler.removeSchema(schema);
  }
}
