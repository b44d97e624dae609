/**
 * `baton validate --services … --fetch-contracts`: the URL contract is fetched into the cache, and
 * what a changed contract breaks is reported as drift, judged by the static check's own rules.
 */

import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../lib/cli/main.ts";
import { removeTempDir, tempDir } from "../support/tmp.ts";

const contract = (required: string[]) => ({
  openapi: "3.1.0",
  info: { title: "payments", version: "1" },
  paths: {
    "/charges": {
      post: {
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: { type: "object", required, properties: { orderId: { type: "string" } } },
            },
          },
        },
        responses: { "201": { description: "ok" } },
      },
    },
  },
});

describe("baton validate --fetch-contracts", () => {
  let server: Server;
  let dir = "";
  let current = { etag: '"v1"', body: contract(["orderId"]) };
  const previous = process.env.BATON_ALLOW_PRIVATE_URLS;

  beforeAll(async () => {
    process.env.BATON_ALLOW_PRIVATE_URLS = "1"; // the contract server is on loopback
    server = createServer((req, res) => {
      if (req.headers["if-none-match"] === current.etag) return void res.writeHead(304).end();
      res.writeHead(200, { "content-type": "application/json", etag: current.etag });
      res.end(JSON.stringify(current.body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/openapi.json`;
    dir = tempDir("baton-drift-");
    writeFileSync(
      join(dir, "services.yaml"),
      `services:\n  - name: payments\n    openapi: ${url}\n`,
    );
    writeFileSync(
      join(dir, "pay.yaml"),
      'workflow: pay\nsteps:\n  - id: charge\n    call: payments POST /charges\n    with: { orderId: "o-1" }\n    idempotent: true\n',
    );
  });
  afterAll(async () => {
    if (previous === undefined) delete process.env.BATON_ALLOW_PRIVATE_URLS;
    else process.env.BATON_ALLOW_PRIVATE_URLS = previous;
    await new Promise((r) => server.close(r));
    removeTempDir(dir);
  });

  async function validate() {
    const out: string[] = [];
    const code = await main(
      ["validate", "pay.yaml", "--services", "services.yaml", "--fetch-contracts"],
      { stdout: (t) => out.push(t), stderr: (t) => out.push(t), cwd: dir },
    );
    return { code, lines: out.join("").trimEnd().split("\n") };
  }

  it("fetches the contract, then reports what a changed contract breaks as drift, once", async () => {
    // Act
    const first = await validate();
    current = { etag: '"v2"', body: contract(["orderId", "currency"]) };
    const changed = await validate();
    const again = await validate();
    // Assess
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/openapi.json`;
    expect(first).toEqual({
      code: 0,
      lines: [`contract payments (${url}): fetched`, "✓ 1 workflow valid, 0 warnings"],
    });
    const problem = `pay.yaml:5: E_CONTRACT_BODY payments POST /charges: body is missing the required field "currency" (schema #/paths/~1charges/post/requestBody/content/application~1json/schema/required in ${url}) (fix the body, or the contract if the service accepts it)`;
    expect(changed).toEqual({
      code: 1,
      lines: [
        `contract payments (${url}): fetched`,
        problem,
        "Contract drift: 1 problem new since the cached contracts (the services changed under these calls):",
        problem,
        "✗ 1 error, 0 warnings in 1 file",
      ],
    });
    expect(again).toEqual({
      code: 1,
      lines: [
        `contract payments (${url}): not-modified`,
        problem,
        "✗ 1 error, 0 warnings in 1 file",
      ],
    });
  });
});
