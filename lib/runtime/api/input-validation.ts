/**
 * Execution input validation against a workflow's `input` JSON Schema (2020-12), with Ajv compiled
 * once per workflow version and every violation reported.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import * as formatsModule from "ajv-formats";
import type { Json, JsonObject } from "../../core/model.ts";
import type { FieldProblem } from "./http.ts";

type FormatsPlugin = (ajv: Ajv2020) => Ajv2020;
// ajv-formats is CommonJS with `exports.default`; unwrap whichever shape the loader hands over.
const addFormats = ((formatsModule as unknown as { default?: unknown }).default ?? formatsModule) as
  | FormatsPlugin
  | { default: FormatsPlugin };
const applyFormats: FormatsPlugin =
  typeof addFormats === "function" ? addFormats : addFormats.default;

export class SchemaCompileError extends Error {
  override readonly name = "SchemaCompileError";
}

export class InputValidator {
  readonly #ajv: Ajv2020;
  readonly #compiled = new Map<string, ValidateFunction | SchemaCompileError>();

  constructor() {
    // strict: false so annotation keywords users add (examples, x-*) never break a deployed workflow.
    // useDefaults: schema `default`s fill absent fields of the input that is then started (WORKFLOWS.md v2).
    this.#ajv = new Ajv2020({ allErrors: true, strict: false, useDefaults: true });
    applyFormats(this.#ajv);
  }

  /** Every violation of `schema` by `input`; empty when valid. Throws `SchemaCompileError`. */
  validate(cacheKey: string, schema: JsonObject, input: Json): FieldProblem[] {
    const validate = this.#compile(cacheKey, schema);
    if (validate(input)) return [];
    return (validate.errors ?? []).map(toProblem);
  }

  #compile(cacheKey: string, schema: JsonObject): ValidateFunction {
    let compiled = this.#compiled.get(cacheKey);
    if (compiled === undefined) {
      try {
        compiled = this.#ajv.compile(schema as object);
      } catch (error) {
        compiled = new SchemaCompileError(
          `The input schema of ${cacheKey} is invalid: ${(error as Error).message}`,
        );
      }
      this.#compiled.set(cacheKey, compiled);
    }
    if (compiled instanceof SchemaCompileError) throw compiled;
    return compiled;
  }
}

function toProblem(error: ErrorObject): FieldProblem {
  const params = error.params as Record<string, unknown>;
  const base = `/input${error.instancePath}`;
  if (error.keyword === "required" && typeof params.missingProperty === "string") {
    return { path: `${base}/${escapePointer(params.missingProperty)}`, message: "is required" };
  }
  if (error.keyword === "additionalProperties" && typeof params.additionalProperty === "string") {
    return {
      path: `${base}/${escapePointer(params.additionalProperty)}`,
      message: "is not allowed",
    };
  }
  return { path: base, message: error.message ?? `fails ${error.keyword}` };
}

const escapePointer = (segment: string): string => segment.replace(/~/g, "~0").replace(/\//g, "~1");
