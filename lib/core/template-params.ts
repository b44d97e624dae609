/**
 * Workflow templates: a workflow file named by `template:` instead of `workflow:`, with
 * `parameters` (a JSON Schema of an object) and `{{ param.<name> }}` wherever a value goes.
 * Creating a workflow from it substitutes the parameters before anything else reads the file, so
 * the result goes through the one workflow pipeline (`project/build.ts`) with the template's lines.
 *
 * `{{ param.x }}` shares the braces of the run-time templates (`{{ input.x }}`), which it leaves
 * alone: only the `param` root is read here, and only here. A string that is exactly one
 * `{{ param.x }}` takes the value with its JSON type; inside text it is written as text.
 */
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import type { Json, JsonObject } from "./model.ts";
import type { Problem } from "./problems.ts";
import { escapePointer } from "./template.ts";
import { didYouMean, Report } from "./validate/problem-report.ts";
import { checkSchema } from "./validate/schema.ts";

/** What a template file is named by (instead of `workflow`). */
export const TEMPLATE_KEY = "template";
export const PARAMETERS_KEY = "parameters";
const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const PARAMETER_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
/** Every `{{ … }}` whose head word is `param` (well formed or not, so a typo is reported). */
const PARAM_TEMPLATE = /\{\{\s*param\b([^}]*)\}\}/g;
const WELL_FORMED = /^\.([A-Za-z][A-Za-z0-9_]{0,62})\s*$/;

/** Whether a parsed document is a template (it has `template:` and no `workflow:`). */
export function isTemplateDocument(value: unknown): value is JsonObject {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    TEMPLATE_KEY in value &&
    !("workflow" in value)
  );
}

/** A template, read and checked: what `GET /templates` lists. */
export interface TemplateInfo {
  readonly name: string;
  readonly description?: string;
  /** The JSON Schema of the parameters object. */
  readonly parameters: JsonObject;
  /** The parameters of the first `examples` entry of `parameters`, if any. */
  readonly example?: JsonObject;
}

export interface TemplateValues {
  /** Parameter values; defaults of the schema are applied. @default the schema's first example */
  readonly parameters?: JsonObject;
  /** The created workflow's name. @default the template's name */
  readonly name?: string;
}

export interface Instantiated {
  readonly template?: TemplateInfo;
  /** The workflow document (template substituted, `workflow:` set); undefined on errors. */
  readonly workflow?: JsonObject;
  /** Problems of the template and of the values, with paths into the template file. */
  readonly problems: readonly Problem[];
}

/** Where the created workflow's name comes from, for problems about it. */
export const NAME_POINTER = `/${TEMPLATE_KEY}`;

/**
 * Checks a template document and creates the workflow document from it. Problems about the
 * template point into it; problems about values point at `/parameters/<name>` (the request's
 * field names them the same way).
 */
export function instantiateTemplate(doc: JsonObject, values: TemplateValues = {}): Instantiated {
  const report = new Report();
  const template = readTemplate(doc, report);
  const refs = collectRefs(doc, "", report);
  if (template === undefined) return { problems: report.problems };
  const declared = Object.keys(propertiesOf(template.parameters));
  for (const ref of refs) {
    if (declared.includes(ref.name)) continue;
    report.error(
      "E_UNKNOWN_PARAMETER",
      ref.pointer,
      `{{ param.${ref.name} }} names a parameter that "parameters" does not declare`,
      didYouMean(ref.name, declared) ?? `declared: ${declared.join(", ") || "none"}`,
    );
  }
  const used = new Set(refs.map((r) => r.name));
  for (const name of declared) {
    if (!used.has(name)) {
      report.warning(
        "W_UNUSED_PARAMETER",
        `/${PARAMETERS_KEY}/properties/${escapePointer(name)}`,
        `parameter "${name}" is declared but no {{ param.${name} }} reads it`,
        "remove it, or use it in the template",
      );
    }
  }
  const name = values.name ?? template.name;
  if (!NAME.test(name)) {
    report.error(
      "E_WORKFLOW_NAME",
      NAME_POINTER,
      `the workflow name "${name.slice(0, 100)}" does not match ${NAME.source}`,
      "give a lowercase name of letters, digits and dashes",
    );
  }
  const given = values.parameters ?? template.example;
  const params = checkValues(template.parameters, given ?? {}, given === undefined, report);
  if (report.problems.some((p) => p.severity === "error") || params === undefined) {
    return { template, problems: report.problems };
  }
  const { [TEMPLATE_KEY]: _t, [PARAMETERS_KEY]: _p, ...body } = doc;
  const filled = substitute(body, params, "", report) as JsonObject;
  if (report.problems.some((p) => p.severity === "error")) {
    return { template, problems: report.problems };
  }
  return { template, workflow: { workflow: name, ...filled }, problems: report.problems };
}

/** What `GET /templates` shows of a template document; undefined when it has errors. */
export function readTemplateInfo(doc: JsonObject): TemplateInfo | undefined {
  const report = new Report();
  const info = readTemplate(doc, report);
  return report.errorCount === 0 ? info : undefined;
}

/** The template's own fields; undefined (with problems) when they cannot be used. */
function readTemplate(doc: JsonObject, report: Report): TemplateInfo | undefined {
  const name = doc[TEMPLATE_KEY];
  const schema = doc[PARAMETERS_KEY];
  let ok = true;
  if (typeof name !== "string" || !NAME.test(name)) {
    report.error(
      "E_TEMPLATE_NAME",
      NAME_POINTER,
      `"template" must be a name matching ${NAME.source}, got ${JSON.stringify(name)?.slice(0, 100)}`,
      "name the template like a workflow: lowercase letters, digits and dashes",
    );
    ok = false;
  }
  if (schema === undefined) {
    report.error(
      "E_TEMPLATE_PARAMETERS",
      "",
      'a template needs "parameters": a JSON Schema of an object (type: object, properties)',
      'add parameters: { type: object, properties: {} } or make it a workflow file ("workflow:")',
    );
    return undefined;
  }
  if (!checkParametersSchema(schema, report)) ok = false;
  if (!ok || typeof name !== "string") return undefined;
  const parameters = schema as JsonObject;
  const examples = parameters.examples;
  const example = Array.isArray(examples) ? examples[0] : undefined;
  const description = doc.description;
  return {
    name,
    ...(typeof description === "string" ? { description } : {}),
    parameters,
    ...(isObject(example) ? { example } : {}),
  };
}

/** `parameters` must be an object schema whose properties have parameter names. */
function checkParametersSchema(schema: Json, report: Report): boolean {
  const at = `/${PARAMETERS_KEY}`;
  if (!isObject(schema) || schema.type !== "object" || !isObject(schema.properties ?? {})) {
    report.error(
      "E_TEMPLATE_PARAMETERS",
      at,
      '"parameters" must be a JSON Schema with type: object and its properties',
      "e.g. parameters: { type: object, required: [service], properties: { service: { type: string } } }",
    );
    return false;
  }
  let ok = true;
  for (const key of Object.keys(propertiesOf(schema))) {
    if (PARAMETER_NAME.test(key)) continue;
    report.error(
      "E_TEMPLATE_PARAMETERS",
      `${at}/properties/${escapePointer(key)}`,
      `parameter name "${key.slice(0, 100)}" does not match ${PARAMETER_NAME.source}`,
      "use letters, digits and underscores, starting with a letter",
    );
    ok = false;
  }
  // The same checks as `input`'s schema, under this field's own code.
  return checkSchema(report, schema, at, "E_TEMPLATE_PARAMETERS") && ok;
}

interface ParamRef {
  readonly name: string;
  readonly pointer: string;
}

/** Every well-formed `{{ param.x }}` outside `parameters`; malformed ones are reported. */
function collectRefs(value: Json, pointer: string, report: Report): ParamRef[] {
  if (typeof value === "string") {
    const refs: ParamRef[] = [];
    for (const match of value.matchAll(PARAM_TEMPLATE)) {
      const name = WELL_FORMED.exec(match[1] ?? "")?.[1];
      if (name !== undefined) refs.push({ name, pointer });
      else {
        report.error(
          "E_PARAMETER_REFERENCE",
          pointer,
          `${match[0]} is not a parameter reference: write {{ param.<name> }}`,
          "a parameter is read whole (no paths, no ?? default: put a default in its schema)",
        );
      }
    }
    return refs;
  }
  if (Array.isArray(value)) {
    return value.flatMap((item, i) => collectRefs(item, `${pointer}/${i}`, report));
  }
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const at = `${pointer}/${escapePointer(key)}`;
    if (pointer === "" && key === PARAMETERS_KEY) return [];
    if (new RegExp(PARAM_TEMPLATE.source).test(key)) {
      report.error(
        "E_PARAMETER_REFERENCE",
        at,
        `the key "${key.slice(0, 100)}" holds a parameter: parameters fill values, not keys`,
        "pass a whole object as one parameter instead",
      );
    }
    return collectRefs(child, at, report);
  });
}

let valuesAjv: Ajv2020 | undefined;

/** Validates the values (defaults applied to a copy); undefined when they do not match. */
function checkValues(
  schema: JsonObject,
  given: JsonObject,
  fromNothing: boolean,
  report: Report,
): JsonObject | undefined {
  if (valuesAjv === undefined) {
    valuesAjv = new Ajv2020({ strict: false, allErrors: true, useDefaults: true, logger: false });
    formats.default(valuesAjv);
  }
  const values = structuredClone(given) as { [key: string]: Json };
  const validate = valuesAjv.compile(schema);
  try {
    if (validate(values)) return values;
  } finally {
    valuesAjv.removeSchema(schema);
  }
  for (const e of validate.errors ?? []) {
    const where = valuePointer(e);
    const what =
      e.keyword === "additionalProperties"
        ? "is not a parameter of this template"
        : `${e.message ?? "is invalid"}${shown(e)}`;
    report.error(
      "E_PARAMETER_VALUE",
      `/${PARAMETERS_KEY}${where}`,
      `parameter ${where.slice(1) || "values"} ${what}`,
      fromNothing
        ? 'no values were given and "parameters" has no examples: pass them (--param name=value, or "parameters" in the request)'
        : "give a value the template's parameters schema accepts (GET /templates shows it)",
    );
  }
  return undefined;
}

/** The value's pointer an Ajv error is about (a missing property is named by `required`). */
function valuePointer(e: ErrorObject): string {
  const missing = (e.params as { missingProperty?: unknown }).missingProperty;
  if (e.keyword === "required" && typeof missing === "string") {
    return `${e.instancePath}/${escapePointer(missing)}`;
  }
  const extra = (e.params as { additionalProperty?: unknown }).additionalProperty;
  if (e.keyword === "additionalProperties" && typeof extra === "string") {
    return `${e.instancePath}/${escapePointer(extra)}`;
  }
  return e.instancePath;
}

const shown = (e: ErrorObject): string => {
  const allowed = (e.params as { allowedValues?: unknown }).allowedValues;
  return Array.isArray(allowed) ? ` (${allowed.map((v) => JSON.stringify(v)).join(", ")})` : "";
};

/** The document with every `{{ param.x }}` replaced (run-time templates are left as they are). */
function substitute(value: Json, params: JsonObject, pointer: string, report: Report): Json {
  if (typeof value === "string") return fill(value, params, pointer, report);
  if (Array.isArray(value)) {
    return value.map((item, i) => substitute(item, params, `${pointer}/${i}`, report));
  }
  if (!isObject(value)) return value;
  const out: { [key: string]: Json } = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = substitute(child, params, `${pointer}/${escapePointer(key)}`, report);
  }
  return out;
}

function fill(text: string, params: JsonObject, pointer: string, report: Report): Json {
  const absent = (name: string): void =>
    report.error(
      "E_PARAMETER_VALUE",
      pointer,
      `{{ param.${name} }} is read here but the parameter has no value`,
      `give "${name}" a value, or a default in its schema`,
    );
  const whole = /^\{\{\s*param\.([A-Za-z][A-Za-z0-9_]{0,62})\s*\}\}$/.exec(text);
  if (whole?.[1] !== undefined) {
    const value = params[whole[1]];
    if (value === undefined) absent(whole[1]);
    return value ?? null;
  }
  return text.replace(PARAM_TEMPLATE, (match, rest: string) => {
    const name = WELL_FORMED.exec(rest)?.[1];
    if (name === undefined) return match;
    const value = params[name];
    if (value === undefined) {
      absent(name);
      return match;
    }
    if (value === null) return "null";
    if (typeof value === "object") {
      report.error(
        "E_PARAMETER_VALUE",
        pointer,
        `{{ param.${name} }} is inside text but its value is ${Array.isArray(value) ? "a list" : "an object"}`,
        "a list or object parameter must be the whole value: write the string as exactly {{ param.name }}",
      );
      return match;
    }
    return String(value);
  });
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const propertiesOf = (schema: JsonObject): JsonObject =>
  isObject(schema.properties) ? schema.properties : {};
