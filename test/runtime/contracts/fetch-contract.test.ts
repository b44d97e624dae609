/**
 * Fetching URL contracts into the cache the offline check reads: through the guarded transport,
 * `If-None-Match` with the cached ETag (a 304 keeps the copy), failures keep the copy and say why,
 * and addresses the URL policy refuses are never fetched.
 */

import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readCachedContract } from "../../../lib/core/project/contract-cache.ts";
import { loadContracts } from "../../../lib/core/project/load-contracts.ts";
import { fetchContract } from "../../../lib/runtime/contracts/fetch-contract.ts";
import { refreshContracts } from "../../../lib/runtime/contracts/refresh-cache.ts";
import { createGuardedFetch } from "../../../lib/runtime/http/guarded-fetch.ts";
import { refuseAddress } from "../../../lib/runtime/registry/url-policy.ts";
import { removeTempDir, tempDir } from "../../support/tmp.ts";

const LOOPBACK = { allowPrivate: true };
const fetchLoopback = createGuardedFetch({
  check: () => (address) => refuseAddress(address, LOOPBACK),
});
const doc = (paths: string[]) => ({
  openapi: "3.1.0",
  info: { title: "t", version: "1" },
  paths: Object.fromEntries(paths.map((p) => [p, { post: { responses: {} } }])),
});

let server: Server;
let url = "";
let dir = "";
let current = { etag: '"v1"', body: JSON.stringify(doc(["/charges"])), status: 200 };
const seen: (string | undefined)[] = [];

beforeEach(async () => {
  dir = tempDir("baton-fetch-");
  seen.length = 0;
  current = { etag: '"v1"', body: JSON.stringify(doc(["/charges"])), status: 200 };
  server = createServer((req, res) => {
    seen.push(req.headers["if-none-match"]);
    if (req.headers["if-none-match"] === current.etag) {
      res.writeHead(304).end();
      return;
    }
    res.writeHead(current.status, { "content-type": "application/json", etag: current.etag });
    res.end(current.body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/openapi.json`;
});
afterEach(async () => {
  await new Promise((r) => server.close(r));
  removeTempDir(dir);
});

describe("contract refresh", () => {
  it("fetches into the cache, asks If-None-Match next time (304 keeps it), and fetches a change", async () => {
    // Prepare
    const services = join(dir, "services.yaml");
    writeFileSync(services, `services:\n  - name: payments\n    openapi: ${url}\n`);
    const cache = join(dir, "cache");
    const options = { fetch: fetchLoopback, policy: LOOPBACK };
    // Act
    const first = await refreshContracts(services, cache, options);
    const second = await refreshContracts(services, cache, options);
    current = { etag: '"v2"', body: JSON.stringify(doc(["/charges", "/refunds"])), status: 200 };
    const third = await refreshContracts(services, cache, options);
    // Assess
    expect([first, second, third].map((o) => o.map((x) => x.outcome))).toEqual([
      ["fetched"],
      ["not-modified"],
      ["fetched"],
    ]);
    expect(seen).toEqual([undefined, '"v1"', '"v1"']);
    expect(readCachedContract(cache, url)?.etag).toBe('"v2"');
    const loaded = loadContracts(services, { cacheDir: cache });
    expect(loaded.contracts.get("payments")?.operations.map((o) => o.path)).toEqual([
      "/charges",
      "/refunds",
    ]);
  });

  it("keeps the cached copy and says why when the service fails or serves something else", async () => {
    // Prepare
    const services = join(dir, "services.yaml");
    writeFileSync(services, `services:\n  - name: payments\n    openapi: ${url}\n`);
    const cache = join(dir, "cache");
    const options = { fetch: fetchLoopback, policy: LOOPBACK };
    await refreshContracts(services, cache, options);
    // Act
    current = { etag: '"v3"', body: "oops", status: 500 };
    const failed = await refreshContracts(services, cache, options);
    current = { etag: '"v4"', body: '{"swagger": "2.0"}', status: 200 };
    const swagger = await refreshContracts(services, cache, options);
    // Assess
    expect(failed.map((o) => [o.outcome, o.reason])).toEqual([
      ["failed", `${url} answered HTTP 500`],
    ]);
    expect(swagger[0]?.reason).toContain("Baton reads OpenAPI 3.x documents");
    expect(readCachedContract(cache, url)?.etag).toBe('"v1"');
  });

  it("never connects to an address the URL policy refuses", async () => {
    // Act
    const metadata = await fetchContract("http://169.254.169.254/latest/openapi.json", {
      policy: { allowPrivate: false },
    });
    const loopback = await fetchContract(url, { policy: { allowPrivate: false } });
    // Assess
    expect(metadata).toMatchObject({
      kind: "failed",
      reason: expect.stringContaining("169.254.169.254"),
    });
    expect(loopback).toMatchObject({ kind: "failed" });
    expect(seen).toEqual([]);
  });
});
