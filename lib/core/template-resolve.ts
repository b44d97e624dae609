/**
 * Resolves `{{ … }}` templates against values at run time. The service-call handler uses it for
 * every call and compensation, so a template that reads an absent value fails that step with the
 * catchable `Baton.TemplateError` instead of the uncatchable `States.Runtime` a JSONPath in a Task's
 * `Parameters` would raise (see README, "Compilation").
 *
 * Semantics, the same as the compiled JSONPath forms: a string that is exactly one template keeps
 * the value's JSON type; text mixed with templates gives a string (strings as they are, anything
 * else as JSON); `?? literal` applies when the path is absent (a null is a value).
 */

import type {
  ChildInputRequest,
  ServiceCallRequest,
  ServiceCallResult,
  TemplateData,
} from "./contract.ts";
import type { Json, JsonObject } from "./model.ts";
import { isCaughtFailure, recordedFailure } from "./recorded-failure.ts";
import { type PathSegment, parsePath, parseTemplate, type TemplateRef } from "./template.ts";

/** What a template may read: the Task's `data` plus what every request carries. */
export interface TemplateValues {
  readonly data: TemplateData;
  readonly executionId: string;
  readonly workflow: string;
  readonly version: number;
}

/** A template read an absent value and has no `??` default. */
export class TemplateReadError extends Error {
  override readonly name = "TemplateReadError";
  constructor(
    /** The path as written, e.g. `input.coupon`. */
    readonly source: string,
    /** JSON pointer of the templated field in the request, e.g. `/body/coupon`. */
    readonly pointer: string,
  ) {
    super(
      `{{ ${source} }} at ${pointer || "/"} reads an absent value; add a default ({{ ${source} ?? 'value' }}), a schema default, or make the field required`,
    );
  }
}

/** Resolves every template in a JSON value; throws `TemplateReadError` for an absent read. */
export function resolveTemplates(value: Json, values: TemplateValues, pointer = ""): Json {
  if (typeof value === "string") return resolveString(value, values, pointer);
  if (Array.isArray(value)) {
    return value.map((item, i) => resolveTemplates(item, values, `${pointer}/${i}`));
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, Json> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = resolveTemplates(item, values, `${pointer}/${key}`);
    }
    return out;
  }
  return value;
}

function resolveString(text: string, values: TemplateValues, pointer: string): Json {
  if (!text.includes("{{")) return text;
  const parsed = parseTemplate(text);
  // The validator refuses unparsable templates; text that still fails to parse is kept as text.
  if ("error" in parsed) return text;
  const [only] = parsed.parts;
  if (parsed.parts.length === 1 && only && "ref" in only) return read(only.ref, values, pointer);
  return parsed.parts
    .map((part) => ("text" in part ? part.text : asText(read(part.ref, values, pointer))))
    .join("");
}

const asText = (value: Json): string => (typeof value === "string" ? value : JSON.stringify(value));

function read(ref: TemplateRef, values: TemplateValues, pointer: string): Json {
  const found = lookup(ref, values);
  if (found !== undefined) return found;
  if (ref.fallback !== undefined) return ref.fallback.value;
  throw new TemplateReadError(ref.source, pointer);
}

function lookup(ref: TemplateRef, values: TemplateValues): Json | undefined {
  const { data } = values;
  switch (ref.root) {
    case "input":
      return at(data.input, ref.path);
    case "steps": {
      const [id, ...rest] = ref.path;
      const key = String(id);
      const result = own(data.steps, key) ?? own(data.outer, key);
      return at(result, rest);
    }
    case "item":
      return at(data.item, ref.path);
    case "index":
      return data.index;
    case "iteration":
      return data.iteration;
    case "execution":
      return ref.path[0] === "id" ? values.executionId : own(data.context, "startedAt");
    case "workflow":
      return ref.path[0] === "version" ? values.version : values.workflow;
    case "error":
      return at(data.error, ref.path);
  }
}

/** The value at `path` inside `value`, or undefined when any segment is missing. */
function at(value: Json | undefined, path: readonly PathSegment[]): Json | undefined {
  let current = value;
  for (const segment of path) {
    if (current === undefined) return undefined;
    if (typeof segment === "number") {
      current = Array.isArray(current) ? current[segment] : undefined;
    } else {
      current = own(current, segment);
    }
  }
  return current;
}

/** An own property of an object (never an inherited one such as `__proto__` or `toString`). */
function own(value: Json | undefined, key: string): Json | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, key) ? (value as JsonObject)[key] : undefined;
}

/**
 * A call request with its templates resolved (`data` consumed), as the service receives it.
 * Throws `TemplateReadError` naming the field when a template reads an absent value.
 */
export function resolveCallRequest(request: ServiceCallRequest): ServiceCallRequest {
  const { data, ...rest } = request;
  if (data === undefined) return request;
  // `{{ error.* }}` reads the recorded failure, also when the Task was given a caught one.
  const error = isCaughtFailure(data.error) ? recordedFailure(data.error) : undefined;
  const values: TemplateValues = {
    data: error === undefined ? data : { ...data, error: { ...error } },
    executionId: request.executionId,
    workflow: request.workflow,
    version: request.version,
  };
  const path = resolveTemplates(request.path, values, "/path");
  return {
    ...rest,
    path: typeof path === "string" ? path : JSON.stringify(path),
    ...(request.query === undefined
      ? {}
      : { query: resolveTemplates(request.query, values, "/query") as JsonObject }),
    ...(request.headers === undefined
      ? {}
      : { headers: resolveTemplates(request.headers, values, "/headers") as JsonObject }),
    ...(request.body === undefined
      ? {}
      : { body: resolveTemplates(request.body, values, "/body") }),
  };
}

/**
 * A `workflow` step's child input with its templates resolved. Throws `TemplateReadError` (pointer
 * under `/input`) when a template reads an absent value.
 */
export function resolveChildInput(request: ChildInputRequest): Json {
  if (request.data === undefined) return request.input;
  return resolveTemplates(
    request.input,
    {
      data: request.data,
      executionId: request.executionId,
      workflow: request.workflow,
      version: request.version,
    },
    "/input",
  );
}

/**
 * The result of a call with `select: body.items`: that part of `{status, headers, body}` becomes
 * the body. Undefined when the response lacks it.
 */
export function selectResult(
  result: ServiceCallResult,
  select: string,
): ServiceCallResult | undefined {
  const parsed = parsePath(select);
  if ("error" in parsed) return undefined;
  const whole = { status: result.status, headers: result.headers, body: result.body } as Json;
  const body = at(own(whole, parsed.head), parsed.path);
  return body === undefined ? undefined : { ...result, body };
}
