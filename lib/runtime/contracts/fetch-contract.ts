/**
 * Fetching a contract published at a URL, through the SSRF-safe transport service calls use (the
 * address actually connected to is checked; redirects are not followed), with the cached copy's
 * ETag as `If-None-Match` so an unchanged document costs a 304. Bodies are capped; the document
 * must be JSON or YAML and read as OpenAPI 3.x, else the cached copy is kept and the reason told.
 * `refreshContracts` does this for every URL contract of a services file and writes the cache the
 * offline check reads (`lib/core/project/contract-cache.ts`).
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { isObject, readContract } from "../../core/contract-openapi.ts";
import type { Json } from "../../core/model.ts";
import { readCachedContract, writeCachedContract } from "../../core/project/contract-cache.ts";
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
  const document = parseDocument(body.text);
  if (document === undefined) {
    return { kind: "failed", reason: `${url} is neither JSON nor YAML` };
  }
  const read = readContract("fetched", url, document);
  if (!read.ok) return { kind: "failed", reason: `${url}: ${read.problem}` };
  const etag = response.headers.get("etag") ?? undefined;
  return { kind: "fetched", document, ...(etag === undefined ? {} : { etag }) };
}

function parseDocument(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json;
  } catch {
    try {
      const value = parse(text) as unknown;
      return isObject(value) ? (value as Json) : undefined;
    } catch {
      return undefined;
    }
  }
}

export interface RefreshOutcome {
  readonly service: string;
  readonly url: string;
  readonly outcome: "fetched" | "not-modified" | "failed";
  /** The reason of a failure (the cached copy, if any, is kept). */
  readonly reason?: string;
}

/** Fetches every URL contract of a services file into the cache (`If-None-Match` when cached). */
export async function refreshContracts(
  servicesFile: string,
  cacheDir: string,
  options: Omit<FetchContractOptions, "etag"> & { readonly now?: () => Date } = {},
): Promise<RefreshOutcome[]> {
  const root = parse(readFileSync(servicesFile, "utf8")) as unknown;
  const services = isObject(root) && Array.isArray(root.services) ? root.services : [];
  const outcomes: RefreshOutcome[] = [];
  for (const entry of services) {
    if (!isObject(entry) || typeof entry.name !== "string") continue;
    const url = entry.openapi;
    if (typeof url !== "string" || !/^https?:\/\//i.test(url)) continue;
    const cached = readCachedContract(cacheDir, url);
    const fetched = await fetchContract(url, {
      ...options,
      ...(cached?.etag === undefined ? {} : { etag: cached.etag }),
    });
    const fetchedAt = (options.now?.() ?? new Date()).toISOString();
    if (fetched.kind === "fetched") {
      writeCachedContract(cacheDir, {
        url,
        ...(fetched.etag === undefined ? {} : { etag: fetched.etag }),
        fetchedAt,
        document: fetched.document,
      });
    } else if (fetched.kind === "not-modified" && cached !== undefined) {
      writeCachedContract(cacheDir, { ...cached, fetchedAt });
    }
    outcomes.push({
      service: entry.name,
      url,
      outcome: fetched.kind,
      ...(fetched.kind === "failed" ? { reason: fetched.reason } : {}),
    });
  }
  return outcomes;
}
