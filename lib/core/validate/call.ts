/** `call` specs (string and object forms), compensations and `select`. */
import {
  type CallSpec,
  type Compensation,
  HTTP_METHODS,
  type HttpMethod,
  type Json,
  type JsonObject,
} from "../model.ts";
import { parsePath } from "../template.ts";
import { CALL_TIMEOUT_RULE, FieldReader } from "./fields.ts";
import {
  checkFields,
  didYouMean,
  type Fields,
  isFields,
  isJson,
  type Report,
  typeName,
} from "./problem-report.ts";
import { type RetryInput, readRetry, resolveCompensationRetry } from "./retry-policy.ts";

export const SERVICE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
export const CALL_FIELDS = ["service", "method", "path", "query", "headers", "body"] as const;
export const COMPENSATE_FIELDS = ["call", "with", "timeout", "retry"] as const;

export interface Defaults {
  readonly timeout: number;
  readonly retry: RetryInput;
}

/** The body given beside a call string (`with`), if any. */
export interface WithField {
  readonly value: unknown;
  readonly pointer: string;
}

/**
 * Reads `call` in either form. The string form is `<service> <METHOD> <path>` where the path may
 * hold templates with spaces; its body comes from `with`. The object form takes no `with`.
 */
export function readCall(
  report: Report,
  value: unknown,
  pointer: string,
  body: WithField | undefined,
): CallSpec | undefined {
  if (typeof value === "string") return readCallString(report, value, pointer, body);
  if (!isFields(value)) {
    report.error(
      "E_TYPE",
      pointer,
      `"call" must be "<service> <METHOD> <path>" or an object, got ${typeName(value)}`,
    );
    return undefined;
  }
  if (body !== undefined) {
    report.error(
      "E_CALL_WITH",
      body.pointer,
      '"with" only goes with the string form of "call"',
      'put the body in "call.body"',
    );
  }
  checkFields(report, value, pointer, CALL_FIELDS, {
    with: 'the request body is "body" in the object form',
  });
  const r = new FieldReader(report, value, pointer);
  const service = r.string("service", true);
  const method = r.string("method", true);
  const path = r.string("path", true);
  const query = r.object("query");
  const headers = r.object("headers");
  const bodyValue = r.json("body");
  const spec = checkParts(
    report,
    { service, method, path },
    {
      service: r.at("service"),
      method: r.at("method"),
      path: r.at("path"),
    },
  );
  if (!spec) return undefined;
  if ((query && !isJson(query)) || (headers && !isJson(headers))) return undefined;
  return {
    ...spec,
    ...(query ? { query: query as JsonObject } : {}),
    ...(headers ? { headers: headers as JsonObject } : {}),
    ...(bodyValue !== undefined ? { body: bodyValue } : {}),
  };
}

function readCallString(
  report: Report,
  text: string,
  pointer: string,
  body: WithField | undefined,
): CallSpec | undefined {
  const match = /^\s*(\S+)\s+(\S+)\s+(\S.*?)\s*$/s.exec(text);
  if (!match) {
    report.error(
      "E_CALL",
      pointer,
      `call "${text}" is not "<service> <METHOD> <path>"`,
      'e.g. "inventory POST /reservations"',
    );
    return undefined;
  }
  const [, service, method, path] = match;
  const spec = checkParts(
    report,
    { service, method, path },
    { service: pointer, method: pointer, path: pointer },
  );
  if (body !== undefined && !isJson(body.value)) {
    report.error("E_TYPE", body.pointer, '"with" must be JSON (no infinities or NaN)');
    return undefined;
  }
  if (!spec) return undefined;
  return body === undefined ? spec : { ...spec, body: body.value as Json };
}

interface Parts {
  readonly service: string | undefined;
  readonly method: string | undefined;
  readonly path: string | undefined;
}

function checkParts(
  report: Report,
  parts: Parts,
  pointers: { readonly service: string; readonly method: string; readonly path: string },
): CallSpec | undefined {
  const { service, method, path } = parts;
  let ok = service !== undefined && method !== undefined && path !== undefined;
  if (service !== undefined && !SERVICE_NAME.test(service)) {
    report.error(
      "E_SERVICE_NAME",
      pointers.service,
      `service name "${service}" does not match ${SERVICE_NAME.source}`,
    );
    ok = false;
  }
  if (method !== undefined && !isMethod(method)) {
    const upper = method.toUpperCase();
    const hint = isMethod(upper)
      ? `methods are uppercase: "${upper}"`
      : `use one of ${HTTP_METHODS.join(", ")}`;
    report.error("E_METHOD", pointers.method, `unknown HTTP method "${method}"`, hint);
    ok = false;
  }
  if (path !== undefined && !path.startsWith("/")) {
    report.error("E_CALL_PATH", pointers.path, `call path "${path}" must start with "/"`);
    ok = false;
  }
  if (
    !ok ||
    service === undefined ||
    method === undefined ||
    path === undefined ||
    !isMethod(method)
  ) {
    return undefined;
  }
  return { service, method, path };
}

const isMethod = (method: string): method is HttpMethod =>
  (HTTP_METHODS as readonly string[]).includes(method);

/** Reads `compensate`: a call string, or `{call, with, timeout, retry}`. */
export function readCompensation(
  report: Report,
  value: unknown,
  pointer: string,
  defaults: Defaults,
): Compensation | undefined {
  if (typeof value === "string") {
    const call = readCall(report, value, pointer, undefined);
    if (!call) return undefined;
    return {
      call,
      timeout: defaults.timeout,
      retry: resolveCompensationRetry(undefined, defaults.retry),
    };
  }
  if (!isFields(value)) {
    report.error(
      "E_TYPE",
      pointer,
      `"compensate" must be a call string or an object, got ${typeName(value)}`,
    );
    return undefined;
  }
  checkFields(report, value, pointer, COMPENSATE_FIELDS, {
    body: 'the body is "with" (string call) or "call.body"',
  });
  const r = new FieldReader(report, value, pointer);
  const withField: WithField | undefined = r.has("with")
    ? { value: value.with, pointer: r.at("with") }
    : undefined;
  const call = r.required("call")
    ? readCall(report, value.call, r.at("call"), withField)
    : undefined;
  const timeout = r.int("timeout", CALL_TIMEOUT_RULE);
  const retry = readRetry(report, value.retry, r.at("retry"));
  if (!call) return undefined;
  return {
    call,
    timeout: timeout ?? defaults.timeout,
    retry: resolveCompensationRetry(retry, defaults.retry),
  };
}

/** `select: body.items[0]`: a path into the response starting at status, headers or body. */
export function readSelect(report: Report, obj: Fields, pointer: string): string | undefined {
  const value = obj.select;
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    report.error("E_TYPE", pointer, `"select" must be a string, got ${typeName(value)}`);
    return undefined;
  }
  const parsed = parsePath(value);
  if ("error" in parsed || !["status", "headers", "body"].includes(parsed.head)) {
    const reason = "error" in parsed ? parsed.error : `it starts with "${parsed.head}"`;
    const hint =
      "error" in parsed
        ? 'e.g. "body.items"'
        : (didYouMean(parsed.head, ["status", "headers", "body"]) ?? 'e.g. "body.items"');
    report.error(
      "E_SELECT",
      pointer,
      `select "${value}" is not a path into the response: ${reason}`,
      hint,
    );
    return undefined;
  }
  return value;
}
