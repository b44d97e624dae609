/**
 * Validation of registry input (services.yaml entries, `PUT /services/{name}` and
 * `PUT /services/{name}/instances/{id}` bodies). Every problem is reported at once, each with the
 * JSON pointer of the offending field. `validateServiceEntry` is synchronous (shape, URL literals,
 * headers); `validateServiceRegistration` adds the DNS check of every hostname.
 */
import type { JsonObject } from "../../core/model.ts";
import type { FieldError } from "../errors.ts";
import {
  BALANCING_STRATEGIES,
  type BalancingStrategy,
  type CircuitConfig,
  DEFAULT_BALANCING,
  DEFAULT_CIRCUIT,
  DEFAULT_HEALTH,
  DEFAULT_SERVICE_TIMEOUT,
  DEFAULT_WEIGHT,
  type HealthConfig,
  type InstanceEntry,
  type ServiceEntry,
  type ServiceLimits,
} from "./registry-model.ts";
import { checkHeaderValue } from "./secret-headers.ts";
import {
  checkResolvedUrl,
  checkServiceUrl,
  dnsResolver,
  type HostResolver,
  type UrlPolicy,
  urlPolicyFromEnv,
} from "./url-policy.ts";

export type EntryValidationResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

export interface EntryValidationOptions {
  /** Defaults to `BATON_ALLOW_PRIVATE_URLS` from the environment. */
  readonly policy?: UrlPolicy;
  /** The name from the URL path; the body may omit `name` or must repeat it exactly. */
  readonly name?: string;
}

export interface RegistrationOptions extends EntryValidationOptions {
  readonly resolver?: HostResolver;
}

export interface InstanceValidateOptions {
  readonly policy?: UrlPolicy;
  /** The id from the URL path; the body may omit `id` or must repeat it exactly. */
  readonly id?: string;
}

export const SERVICE_NAME = /^[a-z0-9](?:[a-z0-9_-]{0,62})$/;
export const INSTANCE_ID = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,127})$/;
/** A health-check path: absolute, optional query, no fragment. */
export const HEALTH_PATH = /^\/[^\s?#]*(\?[^\s#]*)?$/;
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Headers Baton sets itself or the HTTP stack owns. */
export const RESERVED_HEADERS = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "upgrade",
  "te",
  "trailer",
  "keep-alive",
  "proxy-authorization",
  "idempotency-key",
  "traceparent",
  "tracestate",
]);
export const MAX_TIMEOUT = 900;
export const MAX_WEIGHT = 1000;
/**
 * Weights are shares of traffic; below a thousandth they mean nothing, and DynamoDB refuses numbers
 * under 1e-130 (a weight of 5e-324 failed the write with a 500; found by schemathesis).
 */
export const MIN_WEIGHT = 0.001;
export const MAX_INSTANCES = 100;
/** Inclusive ranges of the whole-number settings, by field. */
export const SETTING_RANGES = {
  timeout: [1, MAX_TIMEOUT],
  intervalSeconds: [1, 86_400],
  unhealthyAfter: [1, 100],
  healthyAfter: [1, 100],
  failureRateThreshold: [1, 100],
  minimumCalls: [1, 10_000],
  failureThreshold: [1, 10_000],
  windowSeconds: [1, 3600],
  cooldownSeconds: [1, 3600],
} as const;

export const SERVICE_FIELDS = [
  "name",
  "instances",
  "health",
  "balancing",
  "circuit",
  "timeout",
  "headers",
  "openapi",
  "limits",
] as const;
export const INSTANCE_FIELDS = ["id", "url", "weight"] as const;
export const HEALTH_FIELDS = ["path", "intervalSeconds", "unhealthyAfter", "healthyAfter"] as const;
export const CIRCUIT_FIELDS = [
  "failureRateThreshold",
  "minimumCalls",
  "failureThreshold",
  "windowSeconds",
  "cooldownSeconds",
] as const;

type Fields = { readonly [key: string]: unknown };

class Collector {
  readonly errors: FieldError[] = [];

  add(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  object(value: unknown, path: string, allowed: readonly string[]): Fields | undefined {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.add(path, `must be an object, got ${describe(value)}`);
      return undefined;
    }
    const fields = value as Fields;
    for (const key of Object.keys(fields)) {
      if (!allowed.includes(key)) {
        this.add(
          `${path}/${pointerSegment(key)}`,
          `unknown field "${key}"; allowed: ${allowed.join(", ")}`,
        );
      }
    }
    return fields;
  }

  integer(
    fields: Fields,
    key: string,
    path: string,
    min: number,
    max: number,
    fallback: number,
  ): number {
    const value = fields[key];
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value)) {
      this.add(`${path}/${key}`, `must be a whole number, got ${describe(value)}`);
      return fallback;
    }
    if (value < min || value > max) {
      this.add(`${path}/${key}`, `must be between ${min} and ${max}, got ${value}`);
      return fallback;
    }
    return value;
  }
}

/** Validates a services.yaml entry or `PUT /services/{name}` body and applies defaults. */
export function validateServiceEntry(
  input: unknown,
  options: EntryValidationOptions = {},
): EntryValidationResult<ServiceEntry> {
  const policy = options.policy ?? urlPolicyFromEnv();
  const c = new Collector();
  const fields = c.object(input, "", SERVICE_FIELDS);
  if (fields === undefined) return { ok: false, errors: c.errors };

  const name = serviceName(c, fields.name, options.name);
  const instances = instanceList(c, fields.instances, policy);
  const health = healthConfig(c, fields.health);
  const balancing = balancingStrategy(c, fields.balancing);
  const circuit = circuitConfig(c, fields.circuit);
  const timeout = c.integer(
    fields,
    "timeout",
    "",
    ...SETTING_RANGES.timeout,
    DEFAULT_SERVICE_TIMEOUT,
  );
  const headers = headerMap(c, fields.headers);
  const openapi = contractSource(c, fields.openapi);
  const limits = serviceLimits(c, fields.limits);

  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  return {
    ok: true,
    value: {
      name,
      instances,
      health,
      balancing,
      circuit,
      timeout,
      headers,
      ...(openapi === undefined ? {} : { openapi }),
      ...(limits === undefined ? {} : { limits }),
    },
  };
}

export const LIMIT_FIELDS = ["concurrency", "ratePerSecond"] as const;
export const MAX_SERVICE_CONCURRENCY = 10_000;
export const MAX_RATE_PER_SECOND = 100_000;
/** Below this a rate means more than a day between calls: a mistake. */
export const MIN_RATE_PER_SECOND = 0.001;

/** `limits: {concurrency, ratePerSecond}` (docs/limits-and-pause.md); at least one of them. */
function serviceLimits(c: Collector, value: unknown): ServiceLimits | undefined {
  if (value === undefined) return undefined;
  const fields = c.object(value, "/limits", LIMIT_FIELDS);
  if (fields === undefined) return undefined;
  const before = c.errors.length;
  let concurrency: number | undefined;
  if (fields.concurrency !== undefined) {
    concurrency = c.integer(fields, "concurrency", "/limits", 1, MAX_SERVICE_CONCURRENCY, 0);
  }
  let ratePerSecond: number | undefined;
  const rate = fields.ratePerSecond;
  if (rate !== undefined) {
    if (typeof rate !== "number" || !Number.isFinite(rate)) {
      c.add("/limits/ratePerSecond", `must be a number of calls per second, got ${describe(rate)}`);
    } else if (rate < MIN_RATE_PER_SECOND || rate > MAX_RATE_PER_SECOND) {
      c.add(
        "/limits/ratePerSecond",
        `must be between ${MIN_RATE_PER_SECOND} and ${MAX_RATE_PER_SECOND} calls per second, got ${rate} (0.5 means one call every 2 s)`,
      );
    } else {
      ratePerSecond = rate;
    }
  }
  if (c.errors.length > before) return undefined;
  if (concurrency === undefined && ratePerSecond === undefined) {
    c.add(
      "/limits",
      'needs "concurrency" (calls in flight at once) or "ratePerSecond" (calls started per second), or both; remove "limits" for none',
    );
    return undefined;
  }
  return {
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(ratePerSecond === undefined ? {} : { ratePerSecond }),
  };
}

/** Validates a `PUT /services/{name}/instances/{id}` body (`{url, weight?}`). */
export function validateInstanceEntry(
  input: unknown,
  options: InstanceValidateOptions = {},
): EntryValidationResult<InstanceEntry> {
  const policy = options.policy ?? urlPolicyFromEnv();
  const c = new Collector();
  const instance = instanceEntry(c, input, "", policy, options.id);
  if (c.errors.length > 0 || instance === undefined) return { ok: false, errors: c.errors };
  return { ok: true, value: instance };
}

/** `validateServiceEntry` plus the DNS check of every instance hostname. */
export async function validateServiceRegistration(
  input: unknown,
  options: RegistrationOptions = {},
): Promise<EntryValidationResult<ServiceEntry>> {
  const policy = options.policy ?? urlPolicyFromEnv();
  const result = validateServiceEntry(input, { ...options, policy });
  if (!result.ok) return result;
  const errors = await checkResolvedInstances(
    result.value.instances,
    "/instances",
    policy,
    options.resolver,
  );
  return errors.length > 0 ? { ok: false, errors } : result;
}

/** `validateInstanceEntry` plus the DNS check of its hostname. */
export async function validateInstanceRegistration(
  input: unknown,
  options: InstanceValidateOptions & { readonly resolver?: HostResolver } = {},
): Promise<EntryValidationResult<InstanceEntry>> {
  const policy = options.policy ?? urlPolicyFromEnv();
  const result = validateInstanceEntry(input, { ...options, policy });
  if (!result.ok) return result;
  const problems = await checkResolvedUrl(
    result.value.url,
    policy,
    options.resolver ?? dnsResolver,
  );
  if (problems.length === 0) return result;
  return { ok: false, errors: problems.map((message) => ({ path: "/url", message })) };
}

async function checkResolvedInstances(
  instances: readonly InstanceEntry[],
  path: string,
  policy: UrlPolicy,
  resolver: HostResolver = dnsResolver,
): Promise<FieldError[]> {
  const perInstance = await Promise.all(
    instances.map(async (instance, index) =>
      (await checkResolvedUrl(instance.url, policy, resolver)).map((message) => ({
        path: `${path}/${index}/url`,
        message,
      })),
    ),
  );
  return perInstance.flat();
}

function serviceName(c: Collector, value: unknown, expected: string | undefined): string {
  if (value === undefined) {
    if (expected === undefined) {
      c.add("/name", "is required");
      return "";
    }
    // The name from the URL path must be as valid as one in the body.
    if (!SERVICE_NAME.test(expected)) {
      c.add(
        "/name",
        `${describe(expected)} is not a valid service name: use 1-63 lowercase letters, digits, "-" or "_", starting with a letter or digit`,
      );
    }
    return expected;
  }
  if (typeof value !== "string" || !SERVICE_NAME.test(value)) {
    c.add(
      "/name",
      `${describe(value)} is not a valid service name: use 1-63 lowercase letters, digits, "-" or "_", starting with a letter or digit`,
    );
    return "";
  }
  if (expected !== undefined && value !== expected) {
    c.add("/name", `"${value}" does not match the service name in the URL, "${expected}"`);
  }
  return value;
}

function instanceList(c: Collector, value: unknown, policy: UrlPolicy): InstanceEntry[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    c.add("/instances", `must be a list, got ${describe(value)}`);
    return [];
  }
  if (value.length > MAX_INSTANCES) {
    c.add("/instances", `at most ${MAX_INSTANCES} instances, got ${value.length}`);
  }
  const instances: InstanceEntry[] = [];
  const seen = new Set<string>();
  value.forEach((item: unknown, index) => {
    const path = `/instances/${index}`;
    const instance = instanceEntry(c, item, path, policy, undefined);
    if (instance === undefined) return;
    if (seen.has(instance.id)) c.add(`${path}/id`, `duplicate instance id "${instance.id}"`);
    seen.add(instance.id);
    instances.push(instance);
  });
  return instances;
}

function instanceEntry(
  c: Collector,
  value: unknown,
  path: string,
  policy: UrlPolicy,
  expectedId: string | undefined,
): InstanceEntry | undefined {
  const fields = c.object(value, path, INSTANCE_FIELDS);
  if (fields === undefined) return undefined;
  const before = c.errors.length;

  const id = fields.id ?? expectedId;
  if (id === undefined) {
    c.add(`${path}/id`, "is required");
  } else if (typeof id !== "string" || !INSTANCE_ID.test(id)) {
    c.add(
      `${path}/id`,
      `${describe(id)} is not a valid instance id: use 1-128 letters, digits, ".", "-" or "_"`,
    );
  } else if (expectedId !== undefined && id !== expectedId) {
    c.add(`${path}/id`, `"${id}" does not match the instance id in the URL, "${expectedId}"`);
  }

  const url = fields.url;
  if (url === undefined) {
    c.add(`${path}/url`, "is required");
  } else if (typeof url !== "string") {
    c.add(`${path}/url`, `must be a string, got ${describe(url)}`);
  } else {
    for (const problem of checkServiceUrl(url, policy)) c.add(`${path}/url`, problem);
  }

  const weight = fields.weight ?? DEFAULT_WEIGHT;
  if (
    typeof weight !== "number" ||
    !Number.isFinite(weight) ||
    weight < MIN_WEIGHT ||
    weight > MAX_WEIGHT
  ) {
    c.add(
      `${path}/weight`,
      `must be a number from ${MIN_WEIGHT} to ${MAX_WEIGHT}, got ${describe(weight)}`,
    );
  }

  if (c.errors.length > before) return undefined;
  return { id: id as string, url: url as string, weight: weight as number };
}

function healthConfig(c: Collector, value: unknown): HealthConfig {
  if (value === undefined) return DEFAULT_HEALTH;
  const fields = c.object(value, "/health", HEALTH_FIELDS);
  if (fields === undefined) return DEFAULT_HEALTH;
  let path = DEFAULT_HEALTH.path;
  const rawPath = fields.path;
  if (rawPath !== undefined) {
    if (typeof rawPath !== "string" || !HEALTH_PATH.test(rawPath)) {
      c.add("/health/path", `must be a path starting with "/", got ${describe(rawPath)}`);
    } else {
      path = rawPath;
    }
  }
  return {
    path,
    intervalSeconds: c.integer(
      fields,
      "intervalSeconds",
      "/health",
      ...SETTING_RANGES.intervalSeconds,
      DEFAULT_HEALTH.intervalSeconds,
    ),
    unhealthyAfter: c.integer(
      fields,
      "unhealthyAfter",
      "/health",
      ...SETTING_RANGES.unhealthyAfter,
      DEFAULT_HEALTH.unhealthyAfter,
    ),
    healthyAfter: c.integer(
      fields,
      "healthyAfter",
      "/health",
      ...SETTING_RANGES.healthyAfter,
      DEFAULT_HEALTH.healthyAfter,
    ),
  };
}

function balancingStrategy(c: Collector, value: unknown): BalancingStrategy {
  if (value === undefined) return DEFAULT_BALANCING;
  if (typeof value === "string" && (BALANCING_STRATEGIES as readonly string[]).includes(value)) {
    return value as BalancingStrategy;
  }
  c.add("/balancing", `must be one of ${BALANCING_STRATEGIES.join(", ")}, got ${describe(value)}`);
  return DEFAULT_BALANCING;
}

/**
 * `circuit` settings. v1's `failureThreshold: n` ("open after n failures in the window") is read
 * as `minimumCalls: n` at the default failure rate: a service failing every call is still cut off
 * after n calls, but scattered failures no longer open it. Both together are refused as ambiguous.
 */
function circuitConfig(c: Collector, value: unknown): CircuitConfig {
  if (value === undefined) return DEFAULT_CIRCUIT;
  const fields = c.object(value, "/circuit", CIRCUIT_FIELDS);
  if (fields === undefined) return DEFAULT_CIRCUIT;
  if (fields.failureThreshold !== undefined && fields.minimumCalls !== undefined) {
    c.add(
      "/circuit/failureThreshold",
      "failureThreshold (v1) and minimumCalls say the same thing; keep minimumCalls",
    );
  }
  const minimumCalls =
    fields.minimumCalls !== undefined
      ? c.integer(
          fields,
          "minimumCalls",
          "/circuit",
          ...SETTING_RANGES.minimumCalls,
          DEFAULT_CIRCUIT.minimumCalls,
        )
      : c.integer(
          fields,
          "failureThreshold",
          "/circuit",
          ...SETTING_RANGES.failureThreshold,
          DEFAULT_CIRCUIT.minimumCalls,
        );
  return {
    failureRateThreshold: c.integer(
      fields,
      "failureRateThreshold",
      "/circuit",
      ...SETTING_RANGES.failureRateThreshold,
      DEFAULT_CIRCUIT.failureRateThreshold,
    ),
    minimumCalls,
    windowSeconds: c.integer(
      fields,
      "windowSeconds",
      "/circuit",
      ...SETTING_RANGES.windowSeconds,
      DEFAULT_CIRCUIT.windowSeconds,
    ),
    cooldownSeconds: c.integer(
      fields,
      "cooldownSeconds",
      "/circuit",
      ...SETTING_RANGES.cooldownSeconds,
      DEFAULT_CIRCUIT.cooldownSeconds,
    ),
  };
}

/** Longest `openapi` URL or path accepted. */
export const MAX_CONTRACT_SOURCE = 2048;

/**
 * `openapi`: the service's contract (docs/contracts.md): a URL, a path relative to the services
 * file, or the document inline. Only its shape is checked here; the document is read by the
 * contract loaders (`lib/runtime/contracts/`).
 */
function contractSource(c: Collector, value: unknown): string | JsonObject | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string") {
    if (value.trim() === "" || value.length > MAX_CONTRACT_SOURCE) {
      c.add("/openapi", `must be a URL or a file path of 1-${MAX_CONTRACT_SOURCE} characters`);
      return undefined;
    }
    return value;
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const version = (value as Fields).openapi;
    if (typeof version !== "string" || !version.startsWith("3.")) {
      c.add(
        "/openapi/openapi",
        `an inline contract must be an OpenAPI 3.x document (openapi: "3.1.0"), got ${describe(version)}`,
      );
      return undefined;
    }
    return value as JsonObject;
  }
  c.add(
    "/openapi",
    `must be a URL, a file path or an inline OpenAPI 3.x document, got ${describe(value)}`,
  );
  return undefined;
}

function headerMap(c: Collector, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    c.add("/headers", `must be an object of header names to strings, got ${describe(value)}`);
    return {};
  }
  const headers: Record<string, string> = {};
  const seen = new Set<string>();
  for (const [name, raw] of Object.entries(value as Fields)) {
    const path = `/headers/${pointerSegment(name)}`;
    const lower = name.toLowerCase();
    if (!HEADER_NAME.test(name)) {
      c.add(path, `"${name}" is not a valid header name`);
      continue;
    }
    if (RESERVED_HEADERS.has(lower) || lower.startsWith("x-baton-")) {
      c.add(path, `header ${name} is set by Baton or by HTTP itself and cannot be configured`);
      continue;
    }
    if (seen.has(lower)) c.add(path, `header ${name} is given twice (names are case-insensitive)`);
    seen.add(lower);
    if (typeof raw !== "string") {
      c.add(path, `must be a string, got ${describe(raw)}`);
      continue;
    }
    if (!HEADER_VALUE.test(raw)) {
      c.add(path, "contains control characters");
      continue;
    }
    for (const problem of checkHeaderValue(name, raw)) c.add(path, problem);
    headers[lower] = raw;
  }
  return headers;
}

/** JSON pointer escaping of one segment. */
const pointerSegment = (segment: string): string =>
  segment.replace(/~/g, "~0").replace(/\//g, "~1");

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string")
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === "object") return "an object";
  return String(value);
}
