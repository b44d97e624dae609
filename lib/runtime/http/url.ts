/** Joins an instance base URL, a call path and query parameters, refusing to leave the instance's origin. */
import type { Json } from "../../core/model.ts";
import { ClientError } from "../errors.ts";

export function buildUrl(
  baseUrl: string,
  path: string,
  query: { readonly [key: string]: Json } | undefined,
  context: { readonly step: string; readonly instance: string },
): string {
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, "");
  const relative = path.startsWith("/") ? path : `/${path}`;
  let url: URL;
  try {
    url = new URL(`${base.origin}${basePath}${relative}`);
  } catch {
    throw new ClientError(`Path ${JSON.stringify(path)} does not form a valid URL.`, context);
  }
  // `//evil.example/x` or `/@evil.example` would otherwise move the call to another host.
  if (url.origin !== base.origin) {
    throw new ClientError(
      `Path ${JSON.stringify(path)} leaves the instance's origin ${base.origin}.`,
      context,
    );
  }
  for (const [key, value] of Object.entries(query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === null || item === undefined) continue;
      url.searchParams.append(key, typeof item === "object" ? JSON.stringify(item) : String(item));
    }
  }
  return url.toString();
}
