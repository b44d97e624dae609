/**
 * Reading the contracts a services file names, offline: files relative to it, inline documents,
 * cached copies of URL documents; problems in the services file, each at its `openapi` line.
 */
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writeCachedContract } from "../../lib/core/project/contract-cache.ts";
import { loadContracts } from "../../lib/core/project/load-contracts.ts";
import { removeTempDir, tempDir } from "../support/tmp.ts";

const FIXTURE = join(import.meta.dirname, "fixtures/contracts/payments.openapi.json");

let dir = "";
afterEach(() => {
  if (dir !== "") removeTempDir(dir);
  dir = "";
});

function setup(services: string) {
  dir = tempDir("baton-contracts-");
  copyFileSync(FIXTURE, join(dir, "payments.yaml"));
  writeFileSync(join(dir, "services.yaml"), services);
  return join(dir, "services.yaml");
}

const lines = (loaded: ReturnType<typeof loadContracts>) =>
  loaded.problems.map((p) => `${p.problem.line} ${p.problem.code} ${p.problem.message}`);

describe("loadContracts", () => {
  it("reads a file next to the services file and an inline document", () => {
    // Prepare
    const file = setup(`services:
  - name: payments
    openapi: payments.yaml
  - name: email
    openapi:
      openapi: 3.0.3
      paths: { /messages: { post: { responses: { "202": { description: queued } } } } }
`);
    // Act
    const loaded = loadContracts(file, { cacheDir: join(dir, "cache") });
    // Assess
    expect(lines(loaded)).toEqual([]);
    expect(
      [...loaded.contracts.values()].map((c) => [
        c.service,
        c.source,
        c.operations.map((o) => `${o.method} ${o.path}`),
      ]),
    ).toEqual([
      ["payments", "payments.yaml", ["POST /charges", "GET /charges/{id}", "POST /refunds"]],
      ["email", "inline", ["POST /messages"]],
    ]);
  });

  it("never fetches a URL: without a cached copy the service is unchecked (a warning at its line), with one the copy is used", () => {
    // Prepare
    const url = "https://payments.example.com/openapi.json";
    const file = setup(`services:
  - name: payments
    openapi: ${url}
`);
    const cacheDir = join(dir, "cache");
    // Act
    const before = loadContracts(file, { cacheDir });
    writeCachedContract(cacheDir, {
      url,
      etag: '"v1"',
      fetchedAt: "2026-12-04T06:00:00.000Z",
      document: { openapi: "3.1.0", paths: { "/charges": { post: { responses: {} } } } },
    });
    const after = loadContracts(file, { cacheDir });
    // Assess
    expect(lines(before)).toEqual([
      `3 W_CONTRACT_UNCHECKED the payments contract (${url}) has no cached copy, so calls to payments were not checked against it`,
    ]);
    expect(before.contracts.size).toBe(0);
    expect(lines(after)).toEqual([]);
    expect(after.contracts.get("payments")?.source).toBe(url);
  });

  it("reports E_CONTRACT_DOCUMENT at the openapi line for a missing file, bad YAML and a document that is not OpenAPI 3", () => {
    // Prepare
    const file = setup(`services:
  - name: payments
    openapi: missing.yaml
  - name: users
    openapi: broken.yaml
  - name: email
    openapi: swagger.json
`);
    writeFileSync(join(dir, "broken.yaml"), "openapi: 3.1.0\npaths: [\n");
    writeFileSync(join(dir, "swagger.json"), '{"swagger": "2.0", "paths": {}}');
    // Act
    const loaded = loadContracts(file, { cacheDir: join(dir, "cache") });
    // Assess
    expect(loaded.problems.map((p) => `${p.problem.line} ${p.problem.code}`)).toEqual([
      "3 E_CONTRACT_DOCUMENT",
      "5 E_CONTRACT_DOCUMENT",
      "7 E_CONTRACT_DOCUMENT",
    ]);
    expect(loaded.problems.map((p) => p.problem.message)).toEqual([
      "the payments contract: cannot read missing.yaml: no such file or directory",
      expect.stringMatching(/^the users contract: broken\.yaml:\d+: /),
      'the email contract (swagger.json): "openapi" is missing; Baton reads OpenAPI 3.x documents (Swagger 2.0: convert it first)',
    ]);
  });
});
