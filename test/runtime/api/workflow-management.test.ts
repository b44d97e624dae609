/** The runtime workflow routes' problems and weighted routing, over fakes (no server). */
import { describe, expect, it } from "vitest";
import { handleApiEvent } from "../../../lib/runtime/api/app.ts";
import type { ApiDeps } from "../../../lib/runtime/api/deps.ts";
import { quietLogger } from "../../../lib/runtime/logger.ts";
import type { AuditEntry } from "../../../lib/runtime/workflows/audit.ts";
import type { WorkflowDeployer } from "../../../lib/runtime/workflows/deployer.ts";
import {
  WorkflowConflictError,
  type WorkflowHead,
  type WorkflowStore,
  type WorkflowVersionRecord,
} from "../../../lib/runtime/workflows/workflow-store.ts";
import { fakeDeps, restEvent } from "../fakes.ts";

class MemoryWorkflowStore implements WorkflowStore {
  readonly headsByName = new Map<string, WorkflowHead>();
  readonly records = new Map<string, WorkflowVersionRecord>();
  async heads() {
    return [...this.headsByName.values()];
  }
  async head(name: string) {
    return this.headsByName.get(name);
  }
  async putHead(head: WorkflowHead, expected: string | undefined) {
    if (this.headsByName.get(head.name)?.updatedAt !== expected)
      throw new WorkflowConflictError("changed");
    this.headsByName.set(head.name, head);
  }
  async version(name: string, version: number) {
    return this.records.get(`${name}#${version}`);
  }
  async latest(name: string) {
    return (await this.versions(name, 1))[0];
  }
  async versions(name: string, limit: number) {
    return [...this.records.values()]
      .filter((r) => r.name === name)
      .sort((a, b) => b.version - a.version)
      .slice(0, limit);
  }
  async putVersion(record: WorkflowVersionRecord) {
    const key = `${record.name}#${record.version}`;
    if (this.records.has(key)) throw new WorkflowConflictError("taken");
    this.records.set(key, record);
  }
  readonly audits: AuditEntry[] = [];
  async appendAudit(entry: AuditEntry) {
    this.audits.push(entry);
  }
  async audit(name: string, limit: number) {
    return {
      items: this.audits
        .filter((a) => a.workflow === name)
        .reverse()
        .slice(0, limit),
    };
  }
}

const deployer: WorkflowDeployer = {
  deploy: async (ready) => ({
    stateMachineArn: `arn:test:${ready.name}:${ready.workflow.version}`,
  }),
  route: async () => {},
  remove: async () => {},
};

function setup(overrides: Partial<ApiDeps> = {}) {
  const { deps, engine } = fakeDeps({
    controlPlane: { store: new MemoryWorkflowStore(), deployer },
    logger: quietLogger,
    ...overrides,
  });
  const call = async (
    method: string,
    path: string,
    o: { body?: string; type?: string; query?: Record<string, string> } = {},
  ) => {
    const response = await handleApiEvent(
      restEvent(method, path, {
        ...(o.body === undefined ? {} : { rawBody: o.body }),
        ...(o.query === undefined ? {} : { query: o.query }),
        headers: { "Content-Type": o.type ?? "application/json" },
      }),
      deps,
    );
    return {
      status: response.statusCode,
      body: (response.body === "" ? null : JSON.parse(response.body)) as Record<string, unknown>,
    };
  };
  return { deps, engine, call };
}

const flow = (steps = 1) =>
  JSON.stringify({
    workflow: "mini",
    steps: Array.from({ length: steps }, (_, i) => ({ id: `s${i}`, succeed: {} })).slice(0, 1),
    ...(steps > 1 ? { description: `v${steps}` } : {}),
  });

describe("PUT /workflows/{name}", () => {
  it("fails when the media type is neither YAML nor JSON, the body is empty or the name is bad", async () => {
    // Prepare
    const { call } = setup();
    // Act
    const xml = await call("PUT", "/workflows/mini", { body: "<x/>", type: "application/xml" });
    const empty = await call("PUT", "/workflows/mini", { body: " " });
    const badName = await call("PUT", "/workflows/Not_A_Name", { body: flow() });
    // Assess
    expect([xml.status, empty.status, badName.status]).toEqual([415, 400, 400]);
  });

  it("answers 503 when no workflows table is configured", async () => {
    // Prepare
    const { deps } = fakeDeps({ logger: quietLogger });
    // Act
    const response = await handleApiEvent(
      restEvent("PUT", "/workflows/mini", { rawBody: flow() }),
      deps,
    );
    // Assess
    expect([response.statusCode, JSON.parse(response.body).type]).toEqual([
      503,
      "urn:baton:problem:control-plane-unavailable",
    ]);
  });

  it("publishes 1, then 2, and nothing for an identical body", async () => {
    // Prepare
    const { call } = setup();
    // Act
    const first = await call("PUT", "/workflows/mini", { body: flow() });
    const same = await call("PUT", "/workflows/mini", { body: flow() });
    const second = await call("PUT", "/workflows/mini", { body: flow(2) });
    // Assess
    expect([first.status, first.body.version, same.status, same.body.published]).toEqual([
      201,
      1,
      200,
      false,
    ]);
    expect([second.status, second.body.version]).toEqual([200, 2]);
  });
});

describe("input schemas of published workflows", () => {
  it("stores the schema precompiled with the version; a start runs that code (400 with errors)", async () => {
    // Prepare
    const { deps, call } = setup();
    const body = JSON.stringify({
      workflow: "typed",
      input: {
        type: "object",
        required: ["orderId"],
        properties: { orderId: { type: "string", minLength: 3 }, tier: { default: "basic" } },
      },
      steps: [{ id: "done", succeed: {} }],
    });
    // Act
    const published = await call("PUT", "/workflows/typed", { body });
    const stored = await deps.controlPlane?.store.version("typed", 1);
    const bad = await call("POST", "/workflows/typed/executions", { body: '{"orderId": 7}' });
    const missing = await call("POST", "/workflows/typed/executions", { body: "{}" });
    const good = await call("POST", "/workflows/typed/executions", { body: '{"orderId":"o-1"}' });
    // Assess
    expect(published.status).toBe(201);
    expect(stored?.entry.inputValidator?.code).toMatch(/module\.exports/);
    expect([bad.status, bad.body.errors]).toEqual([
      400,
      [{ path: "/input/orderId", message: "must be string" }],
    ]);
    expect([missing.status, missing.body.errors]).toEqual([
      400,
      [{ path: "/input/orderId", message: "is required" }],
    ]);
    expect([good.status, (good.body.input as Record<string, unknown>).tier]).toEqual([
      201,
      "basic",
    ]);
  });
});

describe("aliases and pinning", () => {
  it.each([
    [{}, 'give exactly one of "version" or "routing"'],
    [{ version: 0 }, "must be a positive whole number"],
    [{ routing: [{ version: 1, weight: 60 }] }, "weights must add up to 100, got 60"],
    [
      {
        routing: [
          { version: 1, weight: 50 },
          { version: 1, weight: 50 },
        ],
      },
      "names a version twice",
    ],
    [
      {
        routing: [
          { version: 1, weight: 40 },
          { version: 2, weight: 30 },
          { version: 3, weight: 30 },
        ],
      },
      "must list 1 to 2 {version, weight} entries",
    ],
    [{ version: 1, extra: true }, "is not allowed"],
  ])("fails for alias body %j", async (body, message) => {
    // Prepare
    const { call } = setup();
    await call("PUT", "/workflows/mini", { body: flow() });
    // Act
    const response = await call("PUT", "/workflows/mini/aliases/live", {
      body: JSON.stringify(body),
    });
    // Assess
    expect(response.status).toBe(400);
    expect((response.body.errors as { message: string }[]).map((e) => e.message)).toContain(
      message,
    );
  });

  it("fails for an unknown version, an unknown alias, and version with alias", async () => {
    // Prepare
    const { call } = setup();
    await call("PUT", "/workflows/mini", { body: flow() });
    // Act
    const noVersion = await call("PUT", "/workflows/mini/aliases/live", {
      body: JSON.stringify({ version: 9 }),
    });
    const startMissing = await call("POST", "/workflows/mini/executions", {
      body: "{}",
      query: { version: "9" },
    });
    const unknownAlias = await call("POST", "/workflows/mini/executions", {
      body: "{}",
      query: { alias: "beta" },
    });
    const both = await call("POST", "/workflows/mini/executions", {
      body: "{}",
      query: { alias: "live", version: "1" },
    });
    // Assess
    expect([noVersion.status, startMissing.status, unknownAlias.status, both.status]).toEqual([
      404, 404, 404, 400,
    ]);
  });

  it("sends each start to a version by the alias weights", async () => {
    // Prepare
    let next = 0;
    const draws = [0.05, 0.95, 0.5, 0.85];
    const { call, engine } = setup({ random: () => draws[next++ % draws.length] ?? 0 });
    await call("PUT", "/workflows/mini", { body: flow() });
    await call("PUT", "/workflows/mini", { body: flow(2) });
    await call("PUT", "/workflows/mini/aliases/live", {
      body: JSON.stringify({
        routing: [
          { version: 1, weight: 80 },
          { version: 2, weight: 20 },
        ],
      }),
    });
    // Act
    const versions: unknown[] = [];
    for (const _ of draws) {
      const started = await call("POST", "/workflows/mini/executions", { body: "{}" });
      versions.push(started.body.version);
    }
    // Assess
    expect(versions).toEqual([1, 2, 1, 2]);
    expect(engine.startVersions.slice(-4)).toEqual([1, 2, 1, 2]);
  });

  it("records versionPinned when the start names ?version= or ?alias=, and keeps it in the record", async () => {
    // Prepare
    const { call } = setup();
    await call("PUT", "/workflows/mini", { body: flow() });
    await call("PUT", "/workflows/mini", { body: flow(2) });
    await call("PUT", "/workflows/mini/aliases/canary", { body: JSON.stringify({ version: 1 }) });
    // Act
    const starts = [
      await call("POST", "/workflows/mini/executions", { body: "{}" }),
      await call("POST", "/workflows/mini/executions", { body: "{}", query: { version: "1" } }),
      await call("POST", "/workflows/mini/executions", { body: "{}", query: { alias: "canary" } }),
      await call("POST", "/workflows/mini/executions", { body: "{}", query: { alias: "live" } }),
    ];
    const read = await call("GET", `/executions/${String(starts[1]?.body.id)}`);
    // Assess
    expect(starts.map((s) => [s.status, s.body.version, s.body.versionPinned])).toEqual([
      [201, 2, false],
      [201, 1, true],
      [201, 1, true],
      [201, 2, true],
    ]);
    expect([read.status, read.body.versionPinned]).toEqual([200, true]);
  });
});
