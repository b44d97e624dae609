/**
 * `baton dev --auth jwt` over real HTTP, with a local OIDC issuer: requests without an acceptable
 * token are refused as the stack's authorizer refuses them, and the token's `sub` is the caller the
 * API records (`publishedBy`, `startedBy`, the audit list). The CLI sends `--token`.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../lib/cli/main.ts";
import { type DemoServices, startDemoServices } from "../../lib/local/demo/services.ts";
import { type DevServer, startDevServer } from "../../lib/local/server.ts";
import {
  goodClaims,
  mintToken,
  startIssuer,
  type TestIssuer,
  type TestKey,
  testKey,
} from "../support/oidc-issuer.ts";

const WORKFLOWS = join(import.meta.dirname, "fixtures", "workflows");
const AUDIENCE = "baton-dev";
const HOLD = `workflow: hold
steps:
  - id: reserve
    call: inventory POST /reservations
    idempotent: true
    with: { orderId: o-1, quantity: 1 }
  - id: wait
    await: { signal: go, timeout: 600 }
`;
const GREETER = `workflow: greeter
input: { type: object, required: [orderId], properties: { orderId: { type: string } } }
steps:
  - id: reserve
    call: inventory POST /reservations
    idempotent: true
    with: { orderId: "{{ input.orderId }}", quantity: 1 }
`;

let dir: string;
let demo: DemoServices;
let server: DevServer;
let issuer: TestIssuer;
let key: TestKey;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-dev-auth-"));
  key = testKey("dev-key", "RS256");
  issuer = await startIssuer([key]);
  demo = await startDemoServices({ basePort: 0 });
  await writeFile(join(dir, "services.yaml"), demo.servicesYaml());
  await writeFile(join(dir, "greeter.yaml"), GREETER);
  await writeFile(join(dir, "hold.yaml"), HOLD);
  server = await startDevServer({
    port: 0,
    workflowsDir: WORKFLOWS,
    servicesFile: join(dir, "services.yaml"),
    dataDir: join(dir, "data"),
    skipDelays: true,
    log: () => {},
    out: () => {},
    auth: { mode: "jwt", issuer: issuer.url, audience: AUDIENCE },
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await demo?.close();
  await issuer?.close();
  await rm(dir, { recursive: true, force: true });
});

async function get(path: string, token?: string, method = "GET", body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      "content-type": "application/json",
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    challenge: response.headers.get("www-authenticate"),
    body: (response.status === 204 ? null : await response.json()) as Record<string, unknown>,
  };
}

async function baton(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...args, "--api", server.url], {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    cwd: dir,
  });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

describe("baton dev --auth jwt", () => {
  it("refuses requests without an acceptable token with a 401 problem", async () => {
    // Act
    const none = await get("/workflows");
    const otherAudience = await get(
      "/workflows",
      mintToken(key, goodClaims(issuer.url, "another-app")),
    );
    const forged = await get(
      "/health",
      mintToken(testKey("dev-key", "RS256"), goodClaims(issuer.url, AUDIENCE)),
    );

    // Assess
    expect(none).toStrictEqual({
      status: 401,
      type: "application/problem+json",
      challenge:
        'Bearer error="invalid_token", error_description="no bearer token: send Authorization: Bearer <jwt>"',
      body: {
        type: "urn:baton:problem:unauthorized",
        title: "Unauthorized",
        status: 401,
        detail: "no bearer token: send Authorization: Bearer <jwt>",
      },
    });
    expect(otherAudience.body.detail).toBe(
      `the token's audience "another-app" does not include ${AUDIENCE}`,
    );
    expect([forged.status, forged.body.detail]).toEqual([
      401,
      "the token's signature does not verify",
    ]);
  });

  it("serves the console's page and assets without a token, as the stack's open console routes do", async () => {
    // Act
    const page = await fetch(`${server.url}/`);
    const script = await fetch(`${server.url}/console/app.js`);
    const other = await fetch(`${server.url}/console`);
    const posted = await fetch(`${server.url}/`, { method: "POST" });
    // Assess
    expect([page.status, page.headers.get("content-type")]).toEqual([
      200,
      "text/html; charset=utf-8",
    ]);
    expect(await page.text()).toContain("<title>Baton console</title>");
    expect([script.status, script.headers.get("content-type")]).toEqual([
      200,
      "text/javascript; charset=utf-8",
    ]);
    expect([other.status, posted.status]).toEqual([401, 401]);
  });

  it("records the token's sub as the caller; the CLI sends --token", async () => {
    // Prepare
    const alice = mintToken(key, goodClaims(issuer.url, AUDIENCE, "alice"));

    // Act
    const refused = await baton("workflows", "list");
    const pushed = await baton("workflows", "push", "greeter.yaml", "--token", alice);
    const started = await baton(
      "start",
      "greeter",
      "-i",
      '{"orderId":"o-1"}',
      "--wait",
      "--json",
      "--token",
      alice,
    );
    const versions = await get("/workflows/greeter/versions", alice);

    // Assess
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`answered 401 Unauthorized: no bearer token`);
    expect(refused.stderr).toContain("the API wants credentials: --token <jwt>");
    expect(pushed.code).toBe(0);
    expect((versions.body.items as { publishedBy: string }[])[0]?.publishedBy).toBe("alice");
    expect(started.code).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({ status: "SUCCEEDED", startedBy: "alice" });
  }, 60_000);

  it("keeps an audit list of who published, aliased, cancelled, redrove and deleted", async () => {
    // Prepare
    const alice = mintToken(key, goodClaims(issuer.url, AUDIENCE, "alice"));
    const bob = mintToken(key, goodClaims(issuer.url, AUDIENCE, "bob"));

    // Act
    await baton("workflows", "push", "hold.yaml", "--token", alice);
    const started = await get("/workflows/hold/executions", bob, "POST", {});
    const id = started.body.id as string;
    await waitFor(async () => (await server.signals.waiting(id)).length > 0);
    await baton("workflows", "alias", "hold", "canary", "1", "--token", alice);
    const cancelled = await get(`/executions/${id}/cancel`, bob, "POST", { compensate: false });
    const redriven = await get(`/executions/${id}/redrive`, alice, "POST");
    const deleted = await get("/workflows/hold", alice, "DELETE");
    const listed = await baton("workflows", "audit", "hold", "--token", bob);
    const page1 = await get("/workflows/hold/audit?limit=3", bob);
    const page2 = await get(
      `/workflows/hold/audit?limit=3&cursor=${page1.body.nextCursor as string}`,
      bob,
    );
    const never = await get("/workflows/never-published/audit", bob);
    const badCursor = await get("/workflows/hold/audit?cursor=nope", bob);

    // Assess
    expect([started.status, started.body.startedBy]).toEqual([201, "bob"]);
    expect([cancelled.status, redriven.status, deleted.status]).toEqual([202, 202, 204]);
    const entries = [
      ...(page1.body.items as Record<string, unknown>[]),
      ...(page2.body.items as Record<string, unknown>[]),
    ].map(({ at, ...entry }) => entry);
    expect(entries).toEqual([
      { workflow: "hold", action: "deleted", by: "alice" },
      { workflow: "hold", action: "redriven", by: "alice", version: 1, executionId: id },
      {
        workflow: "hold",
        action: "cancelled",
        by: "bob",
        version: 1,
        executionId: id,
        detail: "compensate: false",
      },
      {
        workflow: "hold",
        action: "aliased",
        by: "alice",
        alias: "canary",
        detail: "version 1: 100%",
      },
      { workflow: "hold", action: "published", by: "alice", version: 1 },
    ]);
    expect(page2.body.nextCursor).toBeUndefined();
    expect(listed.code).toBe(0);
    expect(listed.stdout.split("\n")[0]).toMatch(/^AT +ACTION +BY +VERSION +EXECUTION +DETAIL$/);
    expect(listed.stdout).toMatch(/ published +alice +1\n$/);
    expect([never.status, badCursor.status]).toEqual([404, 400]);
  }, 60_000);
});

async function waitFor(check: () => Promise<unknown>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
