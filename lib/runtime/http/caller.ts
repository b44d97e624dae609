/**
 * One HTTP attempt to a service instance with the global fetch: per-attempt timeout through an
 * AbortController (covering the body too), redirects never followed (SSRF), the response classified
 * into the error catalogue: 2xx ok; 408, 429, 5xx and network failures `Baton.ServiceError`; an
 * abort `Baton.Timeout`; any other status `Baton.ClientError`.
 */
import type { HttpMethod, Json } from "../../core/model.ts";
import { type BatonRuntimeError, ClientError, ServiceError, TimeoutError } from "../errors.ts";

export type Fetch = typeof globalThis.fetch;

export interface OutboundRequest {
  readonly url: string;
  readonly method: HttpMethod;
  readonly headers: { readonly [name: string]: string };
  readonly body?: Json;
  readonly timeoutMs: number;
  /** For error attribution. */
  readonly step: string;
  readonly instance: string;
}

export interface HttpResponse {
  readonly status: number;
  /** Lowercased names. */
  readonly headers: { readonly [name: string]: string };
  readonly body: Json;
}

/** Sends the request; resolves with a 2xx response or throws a classified `BatonRuntimeError`. */
export async function sendRequest(
  request: OutboundRequest,
  fetchImpl: Fetch = globalThis.fetch,
): Promise<HttpResponse> {
  const context = { step: request.step, instance: request.instance };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), request.timeoutMs);
  const hasBody =
    request.body !== undefined && request.method !== "GET" && request.method !== "HEAD";
  const headers: Record<string, string> = {
    accept: "application/json, */*;q=0.5",
    ...request.headers,
  };
  if (hasBody && !Object.keys(headers).some((name) => name.toLowerCase() === "content-type")) {
    headers["content-type"] = "application/json";
  }
  try {
    const response = await fetchImpl(request.url, {
      method: request.method,
      headers,
      ...(hasBody ? { body: JSON.stringify(request.body) } : {}),
      redirect: "manual",
      signal: controller.signal,
    });
    const result: HttpResponse = {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: await readBody(response),
    };
    const failure = classifyStatus(result, context);
    if (failure !== undefined) throw failure;
    return result;
  } catch (error) {
    if (error instanceof ServiceError || error instanceof ClientError) throw error;
    if (controller.signal.aborted) {
      throw new TimeoutError(
        `${request.method} ${redact(request.url)} took longer than ${request.timeoutMs / 1000} s.`,
        { ...context, cause: error },
      );
    }
    throw new ServiceError(
      `${request.method} ${redact(request.url)} failed: ${networkReason(error)}.`,
      { ...context, cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}

/** Undefined for 2xx; otherwise the catalogue error for the status. */
export function classifyStatus(
  response: HttpResponse,
  context: { readonly step: string; readonly instance: string },
): BatonRuntimeError | undefined {
  const { status } = response;
  if (status >= 200 && status < 300) return undefined;
  const options = { ...context, status };
  const summary = `HTTP ${status}${bodyHint(response.body)}`;
  if (status === 408 || status === 429 || status >= 500) return new ServiceError(summary, options);
  if (status >= 300 && status < 400) {
    const location = response.headers.location;
    return new ClientError(
      `HTTP ${status} redirect${location === undefined ? "" : ` to ${redact(location)}`} not followed; register the final URL instead.`,
      options,
    );
  }
  return new ClientError(summary, options);
}

async function readBody(response: Response): Promise<Json> {
  const text = await response.text();
  if (text === "") return null;
  const type = response.headers.get("content-type") ?? "";
  if (/[/+]json\b/i.test(type)) {
    try {
      return JSON.parse(text) as Json;
    } catch {
      return text;
    }
  }
  return text;
}

/** A short excerpt of an error body, so the execution record says why. */
function bodyHint(body: Json): string {
  if (body === null) return "";
  const message =
    typeof body === "string"
      ? body
      : typeof body === "object" && !Array.isArray(body)
        ? (firstString(body as Record<string, Json>, ["detail", "message", "error", "title"]) ??
          JSON.stringify(body))
        : JSON.stringify(body);
  const trimmed = message.replace(/\s+/g, " ").trim();
  if (trimmed === "") return "";
  return `: ${trimmed.length > 200 ? `${trimmed.slice(0, 197)}...` : trimmed}`;
}

function firstString(body: Record<string, Json>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = body[key];
    if (typeof value === "string") return value;
  }
  return undefined;
}

function networkReason(error: unknown): string {
  const cause =
    error instanceof Error
      ? (error.cause as { code?: unknown; message?: unknown } | undefined)
      : undefined;
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return "connection reset";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host not found";
    default:
      if (code !== undefined) return code;
      if (typeof cause?.message === "string") return cause.message;
      return error instanceof Error ? error.message : String(error);
  }
}

/** Drops the query string from URLs in messages (it may carry tokens). */
function redact(url: string): string {
  const index = url.search(/[?#]/);
  return index === -1 ? url : url.slice(0, index);
}
