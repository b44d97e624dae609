/**
 * One HTTP attempt to a service instance: per-attempt timeout through an AbortController (covering
 * the body too), redirects never followed (SSRF), the body read up to a cap, and the response
 * classified into the error catalogue: 2xx ok; 408, 429, 5xx and network failures before the
 * request was sent (refused, host not found) `Baton.ServiceError`; a connection lost once the
 * request may have been sent (reset, closed socket) `Baton.ConnectionLost`; the timeout's abort
 * `Baton.Timeout`, the caller's (a cancel) `Baton.Cancelled`; any other status, a 2xx body over
 * `MAX_RESPONSE_BYTES` and a connection to a refused address `Baton.ClientError`.
 * The default transport checks the address it connects to (`guarded-fetch.ts`).
 */
import { BatonError } from "../../core/errors.ts";
import type { HttpMethod, Json } from "../../core/model.ts";
import {
  BatonRuntimeError,
  ClientError,
  ConnectionLostError,
  OutputInvalidError,
  ServiceError,
  TimeoutError,
} from "../errors.ts";
import { refuseAddress, urlPolicyFromEnv } from "../registry/url-policy.ts";
import { declaredOver, ERROR_BODY_BYTES, MAX_RESPONSE_BYTES, readLimited } from "./body.ts";
import { BlockedAddressError, createGuardedFetch } from "./guarded-fetch.ts";
import { type Redactor, sanitizeExcerpt } from "./redact.ts";

export type Fetch = typeof globalThis.fetch;

export interface OutboundRequest {
  readonly url: string;
  readonly method: HttpMethod;
  readonly headers: { readonly [name: string]: string };
  readonly body?: Json;
  readonly timeoutMs: number;
  /** The step timeout the message names, when `timeoutMs` is what was left of it. */
  readonly budgetMs?: number;
  /** Removes resolved secrets from body excerpts before they are cut to length. */
  readonly redactor?: Redactor;
  /** The caller's abort (the execution stopped): fails the attempt with `Baton.Cancelled`. */
  readonly signal?: AbortSignal;
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

/**
 * The transport used unless one is injected: connects only to addresses the URL policy allows,
 * read from the environment per call (`baton dev` allows loopback after start-up).
 */
export const guardedFetch: Fetch = createGuardedFetch({
  check: () => {
    const policy = urlPolicyFromEnv();
    return (address) => refuseAddress(address, policy);
  },
});

/** Sends the request; resolves with a 2xx response or throws a classified `BatonRuntimeError`. */
export async function sendRequest(
  request: OutboundRequest,
  fetchImpl: Fetch = guardedFetch,
): Promise<HttpResponse> {
  const context = { step: request.step, instance: request.instance };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, request.timeoutMs));
  const cancel = (): void => controller.abort();
  request.signal?.addEventListener("abort", cancel, { once: true });
  if (request.signal?.aborted === true) cancel();
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
    const ok = response.status >= 200 && response.status < 300;
    const result: HttpResponse = {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: ok ? await readCappedBody(response, request) : await readErrorBody(response),
    };
    const failure = classifyStatus(result, context, request.redactor);
    if (failure !== undefined) throw failure;
    return result;
  } catch (error) {
    // Already classified (a status, a body over the cap): only transport failures go on from here.
    if (error instanceof BatonRuntimeError) throw error;
    if (request.signal?.aborted === true) {
      throw new BatonRuntimeError(
        BatonError.Cancelled,
        `${request.method} ${redact(request.url)} was aborted because the execution was cancelled; its outcome is unknown.`,
        { ...context, cause: error },
      );
    }
    if (controller.signal.aborted) {
      const budgetMs = request.budgetMs ?? request.timeoutMs;
      throw new TimeoutError(
        `${request.method} ${redact(request.url)} took longer than ${budgetMs / 1000} s.`,
        { ...context, cause: error },
      );
    }
    const blocked = blockedCause(error);
    if (blocked !== undefined) {
      throw new ClientError(
        `${request.method} ${redact(request.url)} was refused before connecting: ${blocked.message}. The address is checked on every call, so a host name that now resolves elsewhere (DNS rebinding) is refused; register a URL whose host resolves only to allowed addresses.`,
        { ...context, cause: error },
      );
    }
    const reason = `${request.method} ${redact(request.url)} failed: ${networkReason(error)}.`;
    // A request that may have reached the service has an unknown outcome: its step is compensated.
    if (mayHaveBeenSent(error)) throw new ConnectionLostError(reason, { ...context, cause: error });
    throw new ServiceError(reason, { ...context, cause: error });
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener("abort", cancel);
  }
}

/** Undefined for 2xx; otherwise the catalogue error for the status. */
export function classifyStatus(
  response: HttpResponse,
  context: { readonly step: string; readonly instance: string },
  redactor?: Redactor,
): BatonRuntimeError | undefined {
  const { status } = response;
  if (status >= 200 && status < 300) return undefined;
  const options = { ...context, status };
  const summary = `HTTP ${status}${bodyHint(response.body, redactor)}`;
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

/**
 * A 2xx body, refused over `MAX_RESPONSE_BYTES`: the result would not fit the state Step Functions
 * keeps. The call took effect, so the step fails with `Baton.OutputInvalid`: not retried (a retry
 * would take it again) and compensated (its effect stands).
 */
async function readCappedBody(response: Response, request: OutboundRequest): Promise<Json> {
  const declared = declaredOver(response, MAX_RESPONSE_BYTES);
  const body = declared === undefined ? await readLimited(response, MAX_RESPONSE_BYTES) : undefined;
  if (body === undefined || body.truncated) {
    await response.body?.cancel().catch(() => undefined);
    const size = declared === undefined ? "more than" : `${declared} bytes,`;
    throw new OutputInvalidError(
      `${request.method} ${redact(request.url)} answered HTTP ${response.status} with a body of ${size} ${MAX_RESPONSE_BYTES} bytes, the most a step result may hold (Step Functions keeps at most 256 KiB of state); have the service return less (a page, or a reference to the data) or use select on a smaller part.`,
      { step: request.step, instance: request.instance, status: response.status },
    );
  }
  return parseBody(body.text, response);
}

/** An error body, read only as far as the excerpt needs. */
async function readErrorBody(response: Response): Promise<Json> {
  const body = await readLimited(response, ERROR_BODY_BYTES);
  return body.truncated ? body.text : parseBody(body.text, response);
}

function parseBody(text: string, response: Response): Json {
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

function blockedCause(error: unknown): BlockedAddressError | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof BlockedAddressError) return cause;
  return error instanceof BlockedAddressError ? error : undefined;
}

/** A short, sanitized excerpt of an error body, so the execution record says why. */
function bodyHint(body: Json, redactor?: Redactor): string {
  if (body === null) return "";
  const message =
    typeof body === "string"
      ? body
      : typeof body === "object" && !Array.isArray(body)
        ? (firstString(body as Record<string, Json>, ["detail", "message", "error", "title"]) ??
          JSON.stringify(body))
        : JSON.stringify(body);
  const excerpt = sanitizeExcerpt(message, redactor);
  return excerpt === "" ? "" : `: ${excerpt}`;
}

function firstString(body: Record<string, Json>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = body[key];
    if (typeof value === "string") return value;
  }
  return undefined;
}

/**
 * Network failures that can happen once the request has left: the connection dropped while the
 * service may have been working on it. Anything else (refused, host not found, TLS, a port fetch
 * refuses) fails before the request is sent.
 */
const MAY_HAVE_BEEN_SENT = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
]);

/** Whether a network failure may have happened after the request was sent (reset, closed socket). */
function mayHaveBeenSent(error: unknown): boolean {
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === "string" && MAY_HAVE_BEEN_SENT.has(cause.code);
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
