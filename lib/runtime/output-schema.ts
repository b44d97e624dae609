/**
 * Step `output` schemas (WORKFLOWS.md v2): the response `body` of a call (after `select`) must
 * match the step's JSON Schema, else the step fails with `Baton.OutputInvalid`, not retried (the
 * call took effect, so it is compensated like any call that may have). Each schema is compiled once
 * per process and kept, keyed by its text: the Task payload carries a fresh copy on every call, and
 * compiling per call would cost milliseconds and grow Ajv's own cache without bound.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import type { ServiceCallRequest, ServiceCallResult } from "../core/contract.ts";
import type { Json } from "../core/model.ts";
import { OutputInvalidError } from "./errors.ts";

/** Distinct schemas kept compiled; a process running more evicts the oldest. */
export const OUTPUT_SCHEMA_CACHE_SIZE = 256;
/** How many mismatches the error message lists. */
const LISTED = 3;

let ajv: Ajv2020 | undefined;
const compiled = new Map<string, ValidateFunction>();
let compilations = 0;

function compiler(): Ajv2020 {
  if (ajv === undefined) {
    // The validator already checked the schema strictly; here only matching matters. `addUsedSchema:
    // false` keeps schemas with an `$id` from clashing across workflows.
    ajv = new Ajv2020({ strict: false, allErrors: true, logger: false, addUsedSchema: false });
    formats.default(ajv);
  }
  return ajv;
}

/** The compiled validator of a schema, compiled on first use. */
export function outputValidator(schema: Json): ValidateFunction {
  const key = JSON.stringify(schema);
  const found = compiled.get(key);
  if (found !== undefined) return found;
  const validate = compiler().compile(schema as object);
  compilations++;
  if (compiled.size >= OUTPUT_SCHEMA_CACHE_SIZE) {
    const oldest = compiled.keys().next().value;
    if (oldest !== undefined) compiled.delete(oldest);
  }
  compiled.set(key, validate);
  return validate;
}

/** How many schemas this process compiled (tests check that repeated calls compile none). */
export const outputSchemaCompilations = (): number => compilations;

/** Returns the result when its body matches the request's `output` schema; throws otherwise. */
export function checkOutput(
  result: ServiceCallResult,
  request: ServiceCallRequest,
): ServiceCallResult {
  if (request.output === undefined) return result;
  const validate = outputValidator(request.output);
  if (validate(result.body)) return result;
  const errors = validate.errors ?? [];
  const listed = errors
    .slice(0, LISTED)
    .map(
      (e) =>
        `${e.instancePath === "" ? "body" : `body${e.instancePath}`} ${e.message ?? "is invalid"}`,
    );
  const more = errors.length > LISTED ? ` (and ${errors.length - LISTED} more)` : "";
  throw new OutputInvalidError(
    `Step ${request.stepId}: the response does not match its output schema: ${listed.join("; ")}${more}; the call took effect, so it is compensated.`,
    { step: request.stepId, status: result.status, instance: result.instance },
  );
}
