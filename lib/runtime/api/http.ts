/**
 * HTTP plumbing of the API: API Gateway proxy event shapes (REST v1 and HTTP API v2), the
 * normalized request routes see, JSON and RFC 9457 problem responses. Nothing here assumes AWS:
 * the local server builds the same events.
 */
import { jsonTextDepth, LIMITS } from "../../core/limits.ts";
import type { Json } from "../../core/model.ts";

type StringMap = { readonly [key: string]: string | undefined };

/** API Gateway REST API proxy integration event (payload format 1.0), the fields Baton reads. */
export interface ApiGatewayProxyEvent {
  readonly httpMethod: string;
  readonly path: string;
  readonly headers?: StringMap | null;
  readonly multiValueHeaders?: { readonly [key: string]: readonly string[] | undefined } | null;
  readonly queryStringParameters?: StringMap | null;
  readonly multiValueQueryStringParameters?: {
    readonly [key: string]: readonly string[] | undefined;
  } | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly requestContext?: { readonly requestId?: string };
}

/** API Gateway HTTP API event (payload format 2.0). */
export interface ApiGatewayProxyEventV2 {
  readonly version: "2.0";
  readonly rawPath: string;
  readonly rawQueryString?: string;
  readonly headers?: StringMap | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly requestContext: {
    readonly http: { readonly method: string };
    readonly requestId?: string;
  };
}

export type ApiEvent = ApiGatewayProxyEvent | ApiGatewayProxyEventV2;

export interface ApiResponse {
  readonly statusCode: number;
  readonly headers: { readonly [key: string]: string };
  readonly body: string;
  readonly isBase64Encoded?: false;
}

export interface HttpRequest {
  readonly method: string;
  /** Path without query string, never with a trailing slash (except `/`). */
  readonly path: string;
  /** Last value of each query parameter. */
  readonly query: { readonly [key: string]: string };
  /** Header names lower-cased. */
  readonly headers: { readonly [key: string]: string };
  /** Raw body text, undefined when empty. */
  readonly body: string | undefined;
  readonly requestId?: string;
  /** Who is calling: the IAM principal ARN or the JWT `sub` API Gateway verified. */
  readonly principal?: string;
}

export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/** A problem the API answers with; `status < 500` problems are the client's to fix. */
export class HttpProblem extends Error {
  override readonly name = "HttpProblem";
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly errors: readonly FieldProblem[] | undefined;
  readonly headers: { readonly [key: string]: string };

  constructor(
    status: number,
    slug: string,
    title: string,
    detail: string,
    options: {
      errors?: readonly FieldProblem[];
      headers?: { readonly [key: string]: string };
    } = {},
  ) {
    super(detail);
    this.status = status;
    this.type = problemType(slug);
    this.title = title;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
}

export const problemType = (slug: string): string => `urn:baton:problem:${slug}`;

export const badRequest = (detail: string, errors?: readonly FieldProblem[]): HttpProblem =>
  new HttpProblem(
    400,
    "invalid-request",
    "Invalid request",
    detail,
    errors === undefined ? {} : { errors },
  );
export const notFound = (detail: string): HttpProblem =>
  new HttpProblem(404, "not-found", "Not found", detail);
export const conflict = (detail: string): HttpProblem =>
  new HttpProblem(409, "conflict", "Conflict", detail);

export function json(
  statusCode: number,
  body: unknown,
  headers: { readonly [key: string]: string } = {},
): ApiResponse {
  return {
    statusCode,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
    body: JSON.stringify(body),
  };
}

export function problemResponse(problem: HttpProblem): ApiResponse {
  return {
    statusCode: problem.status,
    headers: {
      "content-type": "application/problem+json",
      "cache-control": "no-store",
      ...problem.headers,
    },
    body: JSON.stringify({
      type: problem.type,
      title: problem.title,
      status: problem.status,
      detail: problem.message,
      ...(problem.errors === undefined ? {} : { errors: problem.errors }),
    }),
  };
}

/** Normalizes either event format; a malformed event is a 400 problem. */
export function toRequest(event: unknown): HttpRequest {
  if (typeof event !== "object" || event === null)
    throw badRequest("The request event is not an object.");
  const e = event as Partial<ApiGatewayProxyEvent> & Partial<ApiGatewayProxyEventV2>;
  const v2 = e.version === "2.0" && typeof e.rawPath === "string";
  const method = v2 ? e.requestContext?.http?.method : e.httpMethod;
  const rawPath = v2 ? e.rawPath : e.path;
  if (typeof method !== "string" || typeof rawPath !== "string") {
    throw badRequest("The request event has no HTTP method or path.");
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(e.headers ?? {})) {
    if (typeof value === "string") headers[name.toLowerCase()] = value;
  }
  const query: Record<string, string> = {};
  if (v2) {
    for (const [name, value] of new URLSearchParams(e.rawQueryString ?? "")) query[name] = value;
  } else {
    for (const [name, value] of Object.entries(e.queryStringParameters ?? {})) {
      if (typeof value === "string") query[name] = value;
    }
    for (const [name, values] of Object.entries(e.multiValueQueryStringParameters ?? {})) {
      const last = values?.[values.length - 1];
      if (last !== undefined) query[name] = last;
    }
  }
  let body = typeof e.body === "string" && e.body !== "" ? e.body : undefined;
  if (body !== undefined && e.isBase64Encoded === true)
    body = Buffer.from(body, "base64").toString("utf8");
  const path =
    rawPath.length > 1 && rawPath.endsWith("/") ? rawPath.replace(/\/+$/, "") || "/" : rawPath;
  const requestId = v2
    ? e.requestContext?.requestId
    : (e.requestContext as { requestId?: string } | undefined)?.requestId;
  const principal = principalOf(e.requestContext);
  return {
    method: method.toUpperCase(),
    path,
    query,
    headers,
    body,
    ...(typeof requestId === "string" ? { requestId } : {}),
    ...(principal === undefined ? {} : { principal }),
  };
}

/**
 * The caller API Gateway authenticated: REST `identity.userArn` (IAM), `authorizer.claims.sub`
 * (Cognito) or `authorizer.principalId` (the JWT Lambda authorizer, and `baton dev --auth jwt`);
 * HTTP API `authorizer.iam.userArn` or `authorizer.jwt.claims.sub`.
 */
function principalOf(context: unknown): string | undefined {
  const c = context as
    | {
        readonly identity?: { readonly userArn?: unknown };
        readonly authorizer?: {
          readonly claims?: { readonly sub?: unknown };
          readonly principalId?: unknown;
          readonly iam?: { readonly userArn?: unknown };
          readonly jwt?: { readonly claims?: { readonly sub?: unknown } };
        };
      }
    | undefined;
  const found = [
    c?.identity?.userArn,
    c?.authorizer?.iam?.userArn,
    c?.authorizer?.jwt?.claims?.sub,
    c?.authorizer?.claims?.sub,
    c?.authorizer?.principalId,
  ].find((value): value is string => typeof value === "string" && value !== "");
  return found?.slice(0, 256);
}

/** Largest body the API reads; Step Functions caps execution input at 256 KB anyway. */
export const MAX_BODY_BYTES = 262_144;

/** Parses a JSON body; `empty` is what an absent body means. Invalid JSON is a 400 problem. */
export function readJson(request: HttpRequest, empty: Json | undefined): Json | undefined {
  if (request.body === undefined || request.body.trim() === "") return empty;
  const type = request.headers["content-type"];
  if (type !== undefined && !/^application\/([a-z0-9.+-]*\+)?json\b/i.test(type.trim())) {
    throw new HttpProblem(
      415,
      "unsupported-media-type",
      "Unsupported media type",
      `The body must be JSON (Content-Type application/json), got ${type}.`,
    );
  }
  if (Buffer.byteLength(request.body) > MAX_BODY_BYTES) {
    throw new HttpProblem(
      413,
      "payload-too-large",
      "Payload too large",
      `The body is ${Buffer.byteLength(request.body)} bytes; at most ${MAX_BODY_BYTES} are accepted.`,
    );
  }
  // Checked on the text, before parsing: a body nested thousands of levels deep parses fine but
  // overflows the stack of whatever walks it next (schema validation, the local journal).
  const depth = jsonTextDepth(request.body, LIMITS.bodyDepth);
  if (depth > LIMITS.bodyDepth) {
    throw new HttpProblem(
      400,
      "too-deep",
      "Body nested too deeply",
      `The body nests objects and arrays more than ${LIMITS.bodyDepth} levels deep; flatten it to at most ${LIMITS.bodyDepth} levels.`,
    );
  }
  try {
    return JSON.parse(request.body) as Json;
  } catch (error) {
    throw badRequest(`The body is not valid JSON: ${(error as Error).message}`);
  }
}

/** Reads an optional integer query parameter within `[min, max]`. */
export function intParam(
  request: HttpRequest,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = request.query[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw badRequest(
      `Query parameter ${name} must be an integer from ${min} to ${max}; got "${raw}".`,
      [{ path: `/query/${name}`, message: `must be an integer from ${min} to ${max}` }],
    );
  }
  return value;
}
