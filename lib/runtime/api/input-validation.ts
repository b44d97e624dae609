/**
 * Execution input validation against a workflow's `input` JSON Schema (2020-12), every violation
 * reported. The schema was compiled ahead of time into Ajv standalone code
 * (`core/schema/input-validator-code.ts`: at synth, by the publish function, at `baton dev`
 * start-up) carried in the catalogue entry; this module only loads that code, once per workflow
 * version, so the API and start-execution bundles hold no schema compiler (docs/control-plane.md).
 *
 * The code is Ajv's own output for the entry's schema, as Ajv would otherwise have generated and
 * evaluated in this process; its digest must match the schema it sits beside, and it may require
 * only the few Ajv runtime helpers below.
 */
import type { ErrorObject } from "ajv";
import * as equalModule from "ajv/dist/runtime/equal.js";
import * as ucs2lengthModule from "ajv/dist/runtime/ucs2length.js";
import * as validationErrorModule from "ajv/dist/runtime/validation_error.js";
import * as formatsModule from "ajv-formats/dist/formats.js";
import type { Json, JsonObject } from "../../core/model.ts";
import type { CatalogueWorkflow, PrecompiledInputValidator } from "../../core/project/catalogue.ts";
import { inputSchemaHash } from "../../core/schema/input-schema-hash.ts";
import type { FieldProblem } from "./http.ts";

/** The entry is missing usable validator code (the API answers 500 workflow-misconfigured). */
export class SchemaCompileError extends Error {
  override readonly name = "SchemaCompileError";
}

export type ValidatedWorkflow = Pick<
  CatalogueWorkflow,
  "name" | "version" | "inputSchema" | "inputValidator"
>;

interface ValidateFunction {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** A CommonJS module's `exports` whichever way the bundler or Node hands it over. */
function commonJs(module: unknown, member: string): Readonly<Record<string, unknown>> {
  const namespace = module as Readonly<Record<string, unknown>>;
  const inner = namespace.default as Readonly<Record<string, unknown>> | undefined;
  if (member === "default") {
    const fn = typeof inner === "function" ? inner : inner?.default;
    return { default: fn };
  }
  return namespace[member] !== undefined ? namespace : (inner ?? namespace);
}

/** What the generated code may `require` (`VALIDATOR_RUNTIME_MODULES`). */
const RUNTIME: Readonly<Record<string, unknown>> = {
  "ajv-formats/dist/formats": commonJs(formatsModule, "fullFormats"),
  "ajv/dist/runtime/equal": commonJs(equalModule, "default"),
  "ajv/dist/runtime/ucs2length": commonJs(ucs2lengthModule, "default"),
  "ajv/dist/runtime/validation_error": commonJs(validationErrorModule, "default"),
};

export interface InputValidatorOptions {
  /**
   * Makes the code of an entry that has none (`baton dev`, which has the compiler, on a data dir
   * whose versions an older Baton stored). Never given in AWS: the bundles stay without Ajv.
   */
  readonly precompile?: (schema: JsonObject) => PrecompiledInputValidator;
}

export class InputValidator {
  readonly #loaded = new Map<string, ValidateFunction | SchemaCompileError>();
  readonly #precompile: InputValidatorOptions["precompile"];

  constructor(options: InputValidatorOptions = {}) {
    this.#precompile = options.precompile;
  }

  /**
   * Every violation of the workflow's input schema by `input` (schema defaults are filled into
   * `input`); empty when valid or when the workflow has no schema. Throws `SchemaCompileError`.
   */
  validate(workflow: ValidatedWorkflow, input: Json): FieldProblem[] {
    if (workflow.inputSchema === undefined) return [];
    const validate = this.#load(workflow);
    if (validate(input)) return [];
    return (validate.errors ?? []).map(toProblem);
  }

  #load(workflow: ValidatedWorkflow): ValidateFunction {
    const key = `${workflow.name}@${workflow.version}`;
    let loaded = this.#loaded.get(key);
    if (loaded === undefined) {
      try {
        const precompile = this.#precompile;
        const ready =
          workflow.inputValidator === undefined &&
          workflow.inputSchema !== undefined &&
          precompile !== undefined
            ? { ...workflow, inputValidator: precompile(workflow.inputSchema) }
            : workflow;
        loaded = loadValidator(key, ready);
      } catch (error) {
        loaded =
          error instanceof SchemaCompileError
            ? error
            : new SchemaCompileError(
                `The precompiled input validator of ${key} cannot be loaded: ${(error as Error).message}`,
              );
      }
      this.#loaded.set(key, loaded);
    }
    if (loaded instanceof SchemaCompileError) throw loaded;
    return loaded;
  }
}

function loadValidator(key: string, workflow: ValidatedWorkflow): ValidateFunction {
  const precompiled = workflow.inputValidator;
  if (precompiled === undefined) {
    throw new SchemaCompileError(
      `${key} has an input schema but no precompiled validator (it was stored by an older Baton); publish it again (cdk deploy, or PUT /workflows/${workflow.name}).`,
    );
  }
  if (precompiled.schemaHash !== inputSchemaHash(workflow.inputSchema as Json)) {
    throw new SchemaCompileError(
      `The precompiled input validator of ${key} was made from another schema than the one stored with it; publish the workflow again.`,
    );
  }
  const module: { exports: unknown } = { exports: {} };
  const require = (name: string): unknown => {
    const found = RUNTIME[name];
    if (found === undefined) throw new Error(`it requires ${name}`);
    return found;
  };
  // Ajv's standalone code is CommonJS; Ajv itself evaluates the same code with `new Function`.
  new Function("module", "exports", "require", precompiled.code)(module, module.exports, require);
  const validate = module.exports as ValidateFunction;
  if (typeof validate !== "function") throw new Error("it exports no function");
  return validate;
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
