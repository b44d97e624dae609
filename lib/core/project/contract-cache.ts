/**
 * Cached copies of contracts published at a URL: one JSON file per URL under the cache folder
 * (`<sha256 of the URL, 24 hex>.json`: `{url, etag, fetchedAt, document}`). The static check reads
 * them offline; a refresh writes them (with the ETag, so the next refresh can ask
 * `If-None-Match`).
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isObject } from "../contract-openapi.ts";
import type { Json } from "../model.ts";

export interface CachedContract {
  readonly url: string;
  readonly etag?: string;
  /** ISO time of the fetch that produced `document`. */
  readonly fetchedAt: string;
  readonly document: Json;
}

export const cacheFileOf = (cacheDir: string, url: string): string =>
  join(cacheDir, `${createHash("sha256").update(url).digest("hex").slice(0, 24)}.json`);

/** The cached copy of `url`, or undefined when there is none (or it is unreadable). */
export function readCachedContract(cacheDir: string, url: string): CachedContract | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(cacheFileOf(cacheDir, url), "utf8"));
  } catch {
    return undefined;
  }
  if (!isObject(parsed) || parsed.url !== url || parsed.document === undefined) return undefined;
  return parsed as unknown as CachedContract;
}

/** Writes the copy atomically (a reader never sees half a file). */
export function writeCachedContract(cacheDir: string, cached: CachedContract): void {
  mkdirSync(cacheDir, { recursive: true });
  const file = cacheFileOf(cacheDir, cached.url);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(cached, null, 2)}\n`);
  renameSync(temporary, file);
}
