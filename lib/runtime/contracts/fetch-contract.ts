/**
 * Fetching a contract published at a URL, through the SSRF-safe transport service calls use (the
 * address actually connected to is checked; redirects are not followed), with the cached copy's
 * ETag as `If-None-Match` so an unchanged document costs a 304. Bodies are capped; the document
 * must be JSON or YAML and read as OpenAPI 3.x, else the cached copy is kept and the reason told.
 * `refresh-cache.ts` does this for every URL contract of a services file (the CLI); the API's
 * contract refresh reads JSON only (no YAML parser in its bundle).
 */
import { isObject, readContract } from "../../core/contract-openapi.ts";
import type { Json } from "../../core/model.ts";
import { declaredOver, readLimited } from "../http/body.ts";
import { type Fetch, guardedFetch } from "../http/caller.ts";
import { checkServiceUrl, type UrlPolicy, urlPolicyFromEnv } from "../registry/url-policy.ts";

/** Largest contract document read: 2 MiB. */
export const MAX_CONTRACT_BYTES = 2 * 1024 * 1024;
export const CONTRACT_FETCH_TIMEOUT_MS = 10_000;

export type ContractFetch =
  | { readonly kind: "fetched"; readonly document: Json; readonly etag?: string }
  | { readonly kind: "not-modified" }
  | { readonly kind: "failed"; readonly reason: string };

export interface FetchContractOptions {
  /** The cached copy's ETag, sent as `If-None-Match`. */
  readonly etag?: string;
  /** @default the guarded transport of service calls */
  readonly fetch?: Fetch;
  /** @default from the environment (`BATON_ALLOW_PRIVATE_URLS`) */
  readonly policy?: UrlPolicy;
  readonly timeoutMs?: number;
  /** Reads a body that is not JSON (YAML, in the CLI). @default JSON only */
  readonly parseText?: (text: string) => unknown;
}

export async function fetchContract(
  url: string,
  options: FetchContractOptions = {},
): Promise<ContractFetch> {
  const refused = checkServiceUrl(url, options.policy ?? urlPolicyFromEnv());
  if (refused.length > 0) return { kind: "failed", reason: refused.join("; ") };
  let response: Response;
  try {
    response = await (options.fetch ?? guardedFetch)(url, {
      method: "GET",
      headers: {
        accept: "application/json, application/yaml;q=0.9, */*;q=0.1",
        ...(options.etag === undefined ? {} : { "if-none-match": options.etag }),
      },
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs ?? CONTRACT_FETCH_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    const reason = cause instanceof Error ? cause.message : (error as Error).message;
    return { kind: "failed", reason: `cannot fetch ${url}: ${reason}` };
  }
  if (response.status === 304) return { kind: "not-modified" };
  if (response.status < 200 || response.status > 299) {
    await response.body?.cancel().catch(() => undefined);
    return { kind: "failed", reason: `${url} answered HTTP ${response.status}` };
  }
  const over = declaredOver(response, MAX_CONTRACT_BYTES);
  const body = over === undefined ? await readLimited(response, MAX_CONTRACT_BYTES) : undefined;
  if (body === undefined || body.truncated) {
    return { kind: "failed", reason: `${url} is over ${MAX_CONTRACT_BYTES} bytes` };
  }
  const document = parseDocument(body.text, options.parseText);
  if (document === undefined) {
    return {
      kind: "failed",
      reason: `${url} is not ${options.parseText === undefined ? "JSON" : "JSON or YAML"}`,
    };
  }
  const read = readContract("fetched", url, document);
  if (!read.ok) return { kind: "failed", reason: `${url}: ${read.problem}` };
  const etag = response.headers.get("etag") ?? undefined;
  return { kind: "fetched", document, ...(etag === undefined ? {} : { etag }) };
}

function parseDocument(
  text: string,
  parseText: ((text: string) => unknown) | undefined,
): Json | undefined {
  try {
    return JSON.parse(text) as Json;
  } catch {
    if (parseText === undefined) return undefined;
    try {
      const value = parseText(text);
      return isObject(value) ? (value as Json) : undefined;
    } catch {
      return undefined;
    }
  }
}
