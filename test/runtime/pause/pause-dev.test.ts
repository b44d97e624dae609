/**
 * Pause and resume in `baton dev` through the HTTP API: a pause lets the call in flight finish,
 * parks the next call (nothing is sent; the record says PAUSED) past the handler's own park time
 * (the Task's Baton.Paused retrier takes over), and resume sends it with its true attempt number.
 * A paused execution cancelled with compensation is compensated; express executions refuse pause.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../../lib/local/server.ts";
import type { ExecutionDocument } from "../../../lib/runtime/records/document.ts";
import {
  type GateService,
  gateServicesYaml,
  startGateService,
} from "../../support/gate-service.ts";

const WORKFLOWS: Record<string, string> = {
  "pausable.yaml": `workflow: pausable
steps:
  - id: one
    call: gate POST /work
    with: { tag: "one-{{ input.tag }}" }
    compensate: { call: gate POST /undo, with: { tag: "undo-{{ input.tag }}" } }
  - id: two
    call: gate POST /work
    with: { tag: "two-{{ input.tag }}" }
    idempotent: true
`,
  "quick.yaml": `workflow: quick
type: express
steps:
  - id: one
    call: gate POST /work
    with: { tag: "quick" }
    idempotent: true
`,
};

let dir: string;
let gate: GateService;
let server: DevServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-pause-"));
  gate = await startGateService();
  const workflows = join(dir, "workflows");
  await mkdir(workflows);
  for (const [file, text] of Object.entries(WORKFLOWS))
    await writeFile(join(workflows, file), text);
  await writeFile(join(dir, "services.yaml"), gateServicesYaml(gate.url));
  server = await startDevServer({
    port: 0,
    workflowsDir: workflows,
    servicesFile: join(dir, "services.yaml"),
    dataDir: join(dir, "data"),
    log: () => {},
    out: () => {},
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await gate?.close();
  await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

async function api<T>(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === "" ? null : JSON.parse(text)) as T };
}

async function until(id: string, statuses: readonly string[], timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api<ExecutionDocument>("GET", `/executions/${id}`);
    if (statuses.includes(body.status)) return body;
    if (Date.now() > deadline)
      throw new Error(`${id} is ${body.status}, expected one of ${statuses.join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("pause and resume", () => {
  it("lets the call in flight finish, sends no next call while paused, resumes with the true attempt", async () => {
    gate.passThrough(false);
    const started = await api<ExecutionDocument>("POST", "/workflows/pausable/executions", {
      tag: "p1",
    });
    const id = started.body.id;
    await gate.waitForHeld(1);
    const paused = await api<{ execution: ExecutionDocument }>("POST", `/executions/${id}/pause`);
    expect(paused.status).toBe(202);
    expect(paused.body.execution.status).toBe("PAUSED");
    expect((await api("POST", `/executions/${id}/pause`)).status).toBe(200); // repeated
    gate.held.find((r) => r.tag === "one-p1")?.release(); // in flight: it finishes
    // Longer than the handler parks (5 s): the Task's Baton.Paused retrier asks again.
    await sleep(6_500);
    expect(gate.arrivals).not.toContain("two-p1");
    const parked = await api<ExecutionDocument>("GET", `/executions/${id}`);
    expect(parked.body.status).toBe("PAUSED");
    expect(parked.body.steps.find((s) => s.id === "one")?.status).toBe("SUCCEEDED");
    expect(parked.body.steps.find((s) => s.id === "two")?.status).toBe("PENDING");

    const resumed = await api<{ execution: ExecutionDocument }>("POST", `/executions/${id}/resume`);
    expect(resumed.status).toBe(202);
    expect(resumed.body.execution.status).toBe("RUNNING");
    await gate.waitForHeld(1, 40_000);
    expect(gate.held.map((r) => r.tag)).toEqual(["two-p1"]);
    gate.releaseAll();
    const done = await until(id, ["SUCCEEDED"]);
    expect(done.steps.find((s) => s.id === "two")?.attempts).toBe(1);
    expect(gate.arrivals.filter((t) => t === "two-p1")).toHaveLength(1);
    // The workflow's audit list names who paused and resumed it (the repeated pause changed nothing).
    const audit = await api<{ items: { action: string; by: string; executionId?: string }[] }>(
      "GET",
      "/workflows/pausable/audit",
    );
    expect(
      audit.body.items.filter((e) => e.executionId === id).map((e) => [e.action, e.by]),
    ).toEqual([
      ["resumed", "anonymous"],
      ["paused", "anonymous"],
    ]);
  }, 90_000);

  it("cancel of a paused execution compensates as usual", async () => {
    gate.passThrough(false);
    const started = await api<ExecutionDocument>("POST", "/workflows/pausable/executions", {
      tag: "p2",
    });
    const id = started.body.id;
    await gate.waitForHeld(1);
    await api("POST", `/executions/${id}/pause`);
    gate.releaseAll();
    await sleep(500);
    gate.passThrough(true);
    const cancel = await api<{ execution: ExecutionDocument }>("POST", `/executions/${id}/cancel`, {
      compensate: true,
    });
    expect(cancel.status).toBe(202);
    const done = await until(id, ["CANCELLED"]);
    let record = await api<ExecutionDocument>("GET", `/executions/${id}`);
    for (let n = 0; n < 200 && record.body.compensation === "PENDING"; n++) {
      await sleep(50);
      record = await api<ExecutionDocument>("GET", `/executions/${id}`);
    }
    expect(record.body.compensation).toBe("COMPLETED");
    expect(gate.arrivals).toContain("undo-p2");
    expect(gate.arrivals).not.toContain("two-p2");
    expect(done.status).toBe("CANCELLED");
    gate.passThrough(false);
  }, 60_000);

  it("refuses to pause an express execution, and resume of a running one changes nothing", async () => {
    gate.passThrough(true);
    const started = await api<ExecutionDocument>("POST", "/workflows/quick/executions", {});
    const refused = await api<{ status: number; detail: string }>(
      "POST",
      `/executions/${started.body.id}/pause`,
    );
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain("express");
    const other = await api<ExecutionDocument>("POST", "/workflows/pausable/executions", {
      tag: "p3",
    });
    const done = await until(other.body.id, ["SUCCEEDED"]);
    const late = await api<{ detail: string }>("POST", `/executions/${done.id}/pause`);
    expect(late.status).toBe(409);
    expect(late.body.detail).toContain("only a RUNNING execution can be paused");
    gate.passThrough(false);
  }, 60_000);
});
