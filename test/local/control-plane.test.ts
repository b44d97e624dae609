/**
 * Runtime workflow management on `baton dev`, over real HTTP: publish through `PUT
 * /workflows/{name}`, run, publish v2, pin v1, alias back, search, delete; the served files
 * join the same version history, and a restart on the same data dir keeps what the API
 * published. A redrive and a compensation run use the version the execution ran.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoServices, startDemoServices } from "../../lib/local/demo/services.ts";
import { type DevServer, startDevServer } from "../../lib/local/server.ts";
import type { ExecutionDocument } from "../../lib/runtime/records/document.ts";

const WORKFLOWS = join(import.meta.dirname, "fixtures", "workflows");

let dir: string;
let demo: DemoServices;
let server: DevServer;

const boot = (): Promise<DevServer> =>
  startDevServer({
    port: 0,
    workflowsDir: WORKFLOWS,
    servicesFile: join(dir, "services.yaml"),
    dataDir: join(dir, "data"),
    skipDelays: true,
    log: () => {},
    out: () => {},
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-control-plane-"));
  demo = await startDemoServices({ basePort: 0 });
  await writeFile(join(dir, "services.yaml"), demo.servicesYaml());
  server = await boot();
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await demo?.close();
  await rm(dir, { recursive: true, force: true });
});

interface Reply<T> {
  readonly status: number;
  readonly body: T;
}

async function api<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
): Promise<Reply<T>> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { "content-type": contentType },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === "" ? null : JSON.parse(text)) as T };
}

const putYaml = (name: string, yaml: string) =>
  api<Record<string, unknown>>("PUT", `/workflows/${name}`, yaml, "application/yaml");

async function finished(id: string, timeoutMs = 20_000): Promise<ExecutionDocument> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api<ExecutionDocument>("GET", `/executions/${id}`);
    if (body.status !== "RUNNING" && body.compensation !== "RUNNING") {
      await server.runtime.idle();
      return (await api<ExecutionDocument>("GET", `/executions/${id}`)).body;
    }
    if (Date.now() > deadline) throw new Error(`execution ${id} still ${body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function run(path: string, input: unknown = { orderId: "o-1" }): Promise<ExecutionDocument> {
  const started = await api<ExecutionDocument>("POST", path, input);
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  return finished(started.body.id);
}

const GREETER_V1 = `workflow: greeter
description: Reserves stock for an order
tags: [demo, team:core]
input:
  type: object
  required: [orderId]
  properties: { orderId: { type: string } }
steps:
  - id: reserve
    call: inventory POST /reservations
    with: { orderId: "{{ input.orderId }}", quantity: 1 }
`;

describe("runtime workflows on baton dev", () => {
  it("publishes, runs, versions, pins, aliases back and deletes a workflow", async () => {
    // Act
    const created = await putYaml("greeter", GREETER_V1);
    const again = await putYaml("greeter", GREETER_V1);
    const v1 = await run("/workflows/greeter/executions");
    const updated = await api("PUT", "/workflows/greeter", JSON.stringify(yamlToJsonV2()));
    const v2 = await run("/workflows/greeter/executions");
    const pinned = await run("/workflows/greeter/executions?version=1");
    const aliased = await api("PUT", "/workflows/greeter/aliases/live", { version: 1 });
    const back = await run("/workflows/greeter/executions");
    const canary = await api("PUT", "/workflows/greeter/aliases/canary", { version: 2 });
    const throughCanary = await run("/workflows/greeter/executions?alias=canary");
    const versions = await api<{ items: { version: number; publishedBy: string }[] }>(
      "GET",
      "/workflows/greeter/versions",
    );
    const detail = await api("GET", "/workflows/greeter");

    // Assess
    expect([
      created.status,
      created.body.name,
      created.body.version,
      created.body.published,
    ]).toEqual([201, "greeter", 1, true]);
    expect(
      (created.body.warnings as { code: string; line: number }[]).map((w) => [w.code, w.line]),
    ).toEqual([["W_NO_COMPENSATION", 10]]);
    expect([again.status, again.body.version, again.body.published]).toEqual([200, 1, false]);
    expect([v1.status, v1.version, v1.totalSteps]).toEqual(["SUCCEEDED", 1, 1]);
    expect([updated.status, updated.body.version]).toEqual([200, 2]);
    expect([v2.status, v2.version, v2.totalSteps]).toEqual(["SUCCEEDED", 2, 2]);
    expect([pinned.status, pinned.version, pinned.totalSteps]).toEqual(["SUCCEEDED", 1, 1]);
    expect([aliased.status, aliased.body]).toEqual([
      200,
      { name: "greeter", alias: "live", routing: [{ version: 1, weight: 100 }] },
    ]);
    expect([back.version, throughCanary.version]).toEqual([1, 2]);
    // Pinned: the start named ?version= or ?alias=; the others took what live routes to.
    expect([v1, v2, pinned, back, throughCanary].map((e) => [e.version, e.versionPinned])).toEqual([
      [1, false],
      [2, false],
      [1, true],
      [1, false],
      [2, true],
    ]);
    // The document's traceId is the one the service received in traceparent.
    const inventory = demo.services.get("inventory")?.calls() ?? [];
    const sent = inventory.find((c) => c.headers["x-baton-execution"] === pinned.id);
    expect(sent?.headers.traceparent?.split("-")[1]).toBe(pinned.traceId);
    expect(canary.status).toBe(200);
    expect(versions.body.items.map((v) => [v.version, v.publishedBy])).toEqual([
      [2, "anonymous"],
      [1, "anonymous"],
    ]);
    expect([detail.body.version, detail.body.tags, detail.body.aliases]).toEqual([
      1,
      ["demo", "team:core"],
      { live: [{ version: 1, weight: 100 }], canary: [{ version: 2, weight: 100 }] },
    ]);
  }, 60_000);

  it("answers 400 with every problem of an invalid workflow, each naming the workflow and line", async () => {
    // Act
    const response = await putYaml(
      "broken-flow",
      `workflow: broken-flow
tags: [Bad Tag]
steps:
  - id: a
    call: inventory POST /reservations
    retry: { maxAttempts: 0 }
  - id: b
    call: payments POST /charges
    dependsOn: [nope]
`,
    );

    // Assess
    const errors = (
      (response.body.errors ?? []) as {
        file: string;
        code: string;
        line?: number;
        severity: string;
      }[]
    ).filter((e) => e.severity === "error");
    expect(response.status).toBe(400);
    expect(errors.map((e) => [e.file, e.code, e.line])).toEqual([
      ["broken-flow", "E_TAGS", 2],
      ["broken-flow", "E_RETRY", 6],
      ["broken-flow", "E_UNKNOWN_DEPENDENCY", 9],
    ]);
  });

  it("refuses a body whose workflow name is not the URL's, and a child that is not deployed", async () => {
    // Act
    const renamed = await putYaml("other-name", GREETER_V1);
    const orphan = await putYaml(
      "parent-flow",
      "workflow: parent-flow\nsteps:\n  - id: c\n    workflow: { name: no-such-child }\n",
    );

    // Assess
    const codes = (r: Reply<Record<string, unknown>>) =>
      (r.body.errors as { code: string; severity: string }[])
        .filter((e) => e.severity === "error")
        .map((e) => e.code);
    expect([renamed.status, codes(renamed)]).toEqual([400, ["E_WORKFLOW_NAME"]]);
    expect([orphan.status, codes(orphan)]).toEqual([400, ["E_UNKNOWN_WORKFLOW"]]);
  });

  it("lists the served files and the published workflows in one history, searchable", async () => {
    // Act
    const saga = await api<{ items: { version: number; origin: string }[] }>(
      "GET",
      "/workflows/test-saga/versions",
    );
    const byWord = await api<{ items: { name: string }[] }>("GET", "/workflows?q=reserves+stock");
    const byTag = await api<{ items: { name: string }[] }>("GET", "/workflows?tag=team:core");
    const page = await api<{ items: { name: string }[]; nextCursor?: string }>(
      "GET",
      "/workflows?limit=2",
    );
    const next = await api<{ items: { name: string }[] }>(
      "GET",
      `/workflows?limit=2&cursor=${page.body.nextCursor}`,
    );

    // Assess
    expect(saga.body.items.map((v) => [v.version, v.origin])).toEqual([[1, "deploy"]]);
    expect(byWord.body.items.map((w) => w.name)).toContain("greeter");
    expect(byTag.body.items.map((w) => w.name)).toEqual(["greeter"]);
    expect(page.body.items).toHaveLength(2);
    expect((next.body.items[0]?.name ?? "") > (page.body.items[1]?.name ?? "")).toBe(true);
  });

  it("redrives a failed execution on the version it ran, not the newer one", async () => {
    // Prepare
    const failing = `workflow: redrive-pin
steps:
  - id: stop
    fail: { error: Demo.Stop, cause: version one always fails }
`;
    await putYaml("redrive-pin", failing);
    const first = await run("/workflows/redrive-pin/executions", {});
    await putYaml("redrive-pin", "workflow: redrive-pin\nsteps:\n  - id: done\n    succeed: {}\n");

    // Act
    const redrive = await api("POST", `/executions/${first.id}/redrive`);
    const after = await finished(first.id);
    const fresh = await run("/workflows/redrive-pin/executions", {});

    // Assess
    expect([first.status, first.version]).toEqual(["FAILED", 1]);
    expect(redrive.status).toBe(202);
    expect([after.status, after.version, after.error?.name]).toEqual(["FAILED", 1, "Demo.Stop"]);
    expect([fresh.status, fresh.version]).toEqual(["SUCCEEDED", 2]);
  }, 60_000);

  it("lists executions across workflows newest first, filtered and paginated", async () => {
    // Act
    const all = await api<{ items: ExecutionDocument[]; nextCursor?: string }>(
      "GET",
      "/executions?limit=3",
    );
    const more = await api<{ items: ExecutionDocument[] }>(
      "GET",
      `/executions?limit=3&cursor=${all.body.nextCursor}`,
    );
    const failed = await api<{ items: ExecutionDocument[] }>("GET", "/executions?status=FAILED");
    const greeter = await api<{ items: ExecutionDocument[] }>(
      "GET",
      "/executions?workflow=greeter",
    );
    const badCursor = await api("GET", "/executions?cursor=bm90LWEtY3Vyc29y");

    // Assess
    const keys = [...all.body.items, ...more.body.items].map((d) => `${d.startedAt}#${d.id}`);
    expect(keys).toEqual([...keys].sort().reverse());
    expect(new Set(keys).size).toBe(6);
    expect(failed.body.items.every((d) => d.status === "FAILED")).toBe(true);
    expect(failed.body.items.length).toBeGreaterThan(0);
    expect(greeter.body.items.map((d) => d.workflow)).toEqual(
      greeter.body.items.map(() => "greeter"),
    );
    expect(greeter.body.items).toHaveLength(5);
    expect(badCursor.status).toBe(400);
  });

  it("counts the fleet by status and answers readiness", async () => {
    // Act
    const stats = await api<{
      total: number;
      byStatus: Record<string, number>;
      workflows: { workflow: string; total: number }[];
    }>("GET", "/stats?since=1h");
    const ready = await api("GET", "/ready");

    // Assess
    expect(stats.body.total).toBe(
      Object.values(stats.body.byStatus).reduce((sum, n) => sum + n, 0),
    );
    expect(stats.body.workflows.find((w) => w.workflow === "greeter")?.total).toBe(5);
    expect([ready.status, ready.body.status]).toEqual([200, "ready"]);
  });

  it("deletes: later starts 404, a running execution finishes on its version, history stays", async () => {
    // Prepare
    await putYaml(
      "wait-flow",
      "workflow: wait-flow\nsteps:\n  - id: hold\n    await: { signal: go, timeout: 60 }\n",
    );
    const started = await api<ExecutionDocument>("POST", "/workflows/wait-flow/executions", {});
    const deadline = Date.now() + 10_000;
    while ((await server.signals.waiting(started.body.id)).length === 0) {
      if (Date.now() > deadline) throw new Error("never parked");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    // Act
    const deleted = await api("DELETE", "/workflows/wait-flow");
    const refused = await api("POST", "/workflows/wait-flow/executions", {});
    const signal = await api("POST", `/executions/${started.body.id}/signals/go`, {});
    const done = await finished(started.body.id);
    const listed = await api<{ items: { name: string }[] }>("GET", "/workflows");
    const history = await api<{ items: unknown[] }>("GET", "/workflows/wait-flow/versions");
    const twice = await api("DELETE", "/workflows/wait-flow");

    // Assess
    expect(deleted.status).toBe(204);
    expect(refused.status).toBe(404);
    expect(signal.status).toBeLessThan(300);
    expect([done.status, done.version]).toEqual(["SUCCEEDED", 1]);
    expect(listed.body.items.map((w) => w.name)).not.toContain("wait-flow");
    expect(history.body.items).toHaveLength(1);
    expect(twice.status).toBe(404);
  }, 60_000);

  it("keeps what the API published across a restart on the same data dir", async () => {
    // Act
    await server.stop();
    server = await boot();
    const detail = await api("GET", "/workflows/greeter");
    const again = await run("/workflows/greeter/executions?version=2");
    const gone = await api("GET", "/workflows/wait-flow");

    // Assess
    expect([detail.status, detail.body.version]).toEqual([200, 1]);
    expect([again.status, again.version]).toEqual(["SUCCEEDED", 2]);
    expect(gone.status).toBe(404);
  }, 60_000);
});

/** Version 2 of greeter (a second step), as a JSON body: the API takes YAML or JSON. */
function yamlToJsonV2(): unknown {
  return {
    workflow: "greeter",
    description: "Reserves stock for an order",
    tags: ["demo", "team:core"],
    input: { type: "object", required: ["orderId"], properties: { orderId: { type: "string" } } },
    steps: [
      {
        id: "reserve",
        call: "inventory POST /reservations",
        with: { orderId: "{{ input.orderId }}", quantity: 1 },
      },
      {
        id: "charge",
        call: "payments POST /charges",
        with: { orderId: "{{ input.orderId }}", amount: 5 },
      },
    ],
  };
}
