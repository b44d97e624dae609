/**
 * `baton dev --watch` over real HTTP: a saved workflow file is published as the next version while
 * an execution of the previous one is parked on a signal (it finishes on its own version), a file
 * with errors is reported with its line and changes nothing, and a saved services.yaml is applied.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../lib/local/server.ts";
import type { ExecutionDocument } from "../../lib/runtime/records/document.ts";

const V1 = `workflow: gate
steps:
  - id: approval
    await: { signal: go, timeout: 600 }
`;
const V2 = `workflow: gate
steps:
  - id: approval
    await: { signal: go, timeout: 600 }
  - id: later
    wait: { seconds: 1 }
`;
const BROKEN = `workflow: gate
steps:
  - id: approval
    await: { signal: go, timeout: 600 }
  - id: later
    wiat: { seconds: 1 }
`;

let dir: string;
let workflows: string;
let server: DevServer;
const lines: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-dev-watch-"));
  workflows = join(dir, "workflows");
  await mkdir(workflows);
  await writeFile(join(workflows, "gate.yaml"), V1);
  await writeFile(join(workflows, "services.yaml"), "services: []\n");
  server = await startDevServer({
    port: 0,
    workflowsDir: workflows,
    dataDir: join(dir, "data"),
    skipDelays: true,
    watch: true,
    log: (line) => lines.push(line),
    out: () => {},
    activity: false,
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function api<T = Record<string, unknown>>(
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

/** Writes a file and waits until the watcher applied it (generous: fs events on a loaded machine). */
async function save(path: string, text: string, expectLine: RegExp): Promise<string[]> {
  const before = lines.length;
  await writeFile(path, text);
  const deadline = Date.now() + 30_000;
  while (!lines.slice(before).some((line) => expectLine.test(line))) {
    if (Date.now() > deadline)
      throw new Error(`no log line ${expectLine} after saving ${path}:\n${lines.join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await server.watcher?.idle();
  return lines.slice(before);
}

async function settled(id: string): Promise<ExecutionDocument> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { body } = await api<ExecutionDocument>("GET", `/executions/${id}`);
    if (body.status !== "RUNNING") return body;
    if (Date.now() > deadline) throw new Error(`execution ${id} still RUNNING`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function parked(id: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await server.signals.waiting(id)).length === 0) {
    if (Date.now() > deadline) throw new Error(`execution ${id} never parked`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("baton dev --watch", () => {
  it("publishes a saved workflow as its next version; a running execution keeps its own", async () => {
    // Prepare: an execution of v1 parked on its signal.
    const first = await api<ExecutionDocument>("POST", "/workflows/gate/executions", {});
    expect(first.status).toBe(201);
    await parked(first.body.id);

    // Act
    const log = await save(join(workflows, "gate.yaml"), V2, /gate v2 is live/);
    const second = await api<ExecutionDocument>("POST", "/workflows/gate/executions", {});
    await parked(second.body.id);
    for (const id of [first.body.id, second.body.id])
      expect((await api("POST", `/executions/${id}/signals/go`, {})).status).toBe(200);
    const [one, two] = await Promise.all([settled(first.body.id), settled(second.body.id)]);

    // Assess
    expect(log.join("\n")).toMatch(
      /workflows\/gate\.yaml reloaded: gate v2 is live; running executions keep their version/,
    );
    expect([one.status, one.version, one.totalSteps]).toStrictEqual(["SUCCEEDED", 1, 1]);
    expect([two.status, two.version, two.totalSteps]).toStrictEqual(["SUCCEEDED", 2, 2]);
    const audit = await api<{ items: { action: string; by: string; version: number }[] }>(
      "GET",
      "/workflows/gate/audit",
    );
    expect(audit.body.items.map((a) => [a.action, a.by, a.version])).toStrictEqual([
      ["published", "baton dev --watch", 2],
    ]);
  });

  it("reports a broken file with its line, keeps serving the current version and keeps running", async () => {
    // Act
    const log = await save(join(workflows, "gate.yaml"), BROKEN, /not reloaded/);
    const detail = await api<{ version: number }>("GET", "/workflows/gate");

    // Assess
    expect(log.join("\n")).toMatch(/workflows\/gate\.yaml:6: .*wiat/);
    expect(log.join("\n")).toMatch(/gate keeps its current version/);
    expect([detail.status, detail.body.version]).toStrictEqual([200, 2]);
  });

  it("applies a saved services.yaml: new entries registered, problems reported without a change", async () => {
    // Act
    const added = await save(
      join(workflows, "services.yaml"),
      "services:\n  - name: ledger\n    instances: [{ id: ledger-a, url: http://127.0.0.1:9 }]\n",
      /services\.yaml applied/,
    );
    const registered = await api<{ instances: { id: string }[] }>("GET", "/services/ledger");
    const refused = await save(
      join(workflows, "services.yaml"),
      "services:\n  - name: ledger\n    instances: [{ id: ledger-a, url: not-a-url }]\n",
      /not applied/,
    );
    const still = await api<{ instances: { url: string }[] }>("GET", "/services/ledger");

    // Assess
    expect(added.join("\n")).toMatch(/1 registered, 0 removed, 0 unchanged/);
    expect([registered.status, registered.body.instances.map((i) => i.id)]).toStrictEqual([
      200,
      ["ledger-a"],
    ]);
    expect(refused.join("\n")).toMatch(/services\.yaml: \/services\/0\/instances\/0\/url: /);
    expect(still.body.instances[0]?.url).toBe("http://127.0.0.1:9");
  });
});
