/**
 * Fills the contract cache the offline check reads (`lib/core/project/contract-cache.ts`) for every
 * URL contract of a services file: `baton validate --fetch-contracts`. Documents may be JSON or
 * YAML; the cached ETag goes out as `If-None-Match`.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { isObject } from "../../core/contract-openapi.ts";
import { readCachedContract, writeCachedContract } from "../../core/project/contract-cache.ts";
import { type FetchContractOptions, fetchContract } from "./fetch-contract.ts";

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
  options: Omit<FetchContractOptions, "etag" | "parseText"> & { readonly now?: () => Date } = {},
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
      parseText: parse,
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
