/**
 * Peer Regions played by two `baton dev` processes sharing one registry store: this test process
 * runs one (`--region eu-west-1`, it hosts the store) and `baton dev --region us-east-1` runs as a
 * child process with the CLI's defaults (its own data dir, the project's shared registry). Each
 * lists the other in `GET /peers` with its URL and lag 0 (one store: nothing is replicated), and a
 * service registered through one is served by the other at once; once the child stops, it turns
 * `stale` in the host's list. A lone `baton dev` lists itself.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../lib/cdk/baton-function.ts";
import { type DevServer, startDevServer } from "../../lib/local/server.ts";
import type { PeersView as Peers } from "../../lib/runtime/peers/peer-list.ts";

const WORKFLOW = `workflow: pay
steps:
  - id: charge
    call: payments POST /charges
    idempotent: true
`;

let project: string;
let eu: DevServer;
let euLog: string[];
let us: ChildProcess;
let usUrl: string;
let usErr = "";

async function request(url: string, method = "GET", body?: unknown) {
  const response = await fetch(url, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
}

/** Polls until `done` holds; generous for a loaded machine. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Starts `baton dev --json` as a process and resolves with the URL it prints. */
function startChild(args: readonly string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    join(PROJECT_ROOT, "node_modules", ".bin", "tsx"),
    [join(PROJECT_ROOT, "bin", "baton.ts"), "dev", "--json", ...args],
    { cwd: project, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stderr?.on("data", (chunk: Buffer) => {
    usErr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"url":\s*"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
      if (match?.[1] !== undefined) resolve({ child, url: match[1] });
    });
    child.once("exit", (code) =>
      reject(new Error(`baton dev exited ${code} before listening: ${usErr}`)),
    );
    setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`baton dev did not listen within 90 s: ${usErr}`));
    }, 90_000).unref();
  });
}

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), "baton-dev-peers-"));
  await mkdir(join(project, "workflows"));
  await writeFile(join(project, "workflows", "pay.yaml"), WORKFLOW);
  euLog = [];
  eu = await startDevServer({
    port: 0,
    workflowsDir: join(project, "workflows"),
    dataDir: join(project, ".baton", "regions", "eu-west-1"),
    region: "eu-west-1",
    // The CLI's default for `--region`: the child below joins it without naming it.
    registryDir: join(project, ".baton", "shared-registry"),
    healthCheckSeconds: 1,
    log: (line) => euLog.push(line),
    out: () => {},
    activity: false,
  });
  ({ child: us, url: usUrl } = await startChild([
    "--port",
    "0",
    "--region",
    "us-east-1",
    "--quiet",
  ]));
}, 120_000);

afterAll(async () => {
  if (us !== undefined && us.exitCode === null && us.signalCode === null) {
    const exited = new Promise((resolve) => us.once("exit", resolve));
    us.kill("SIGTERM");
    await exited;
  }
  await eu?.stop();
  await rm(project, { recursive: true, force: true });
}, 60_000);

describe("two baton dev instances sharing a registry store", () => {
  it("host the store in the first and join it from the second", () => {
    expect(euLog).toContain(
      `baton dev: region eu-west-1; registry shared through ${join(project, ".baton", "shared-registry")} (served by this instance: stop it last)`,
    );
    expect(usErr).toMatch(
      /baton dev: region us-east-1; registry shared through .*\.baton\/shared-registry \(served by another baton dev at http:\/\/127\.0\.0\.1:\d+\)/,
    );
  });

  it("list each other in GET /peers with their URLs and lag 0", async () => {
    // Act
    const fromEu = await until(
      async () => (await request(`${eu.url}/peers`)).body as Peers,
      (peers) => peers.items.length === 2,
    );
    const fromUs = await until(
      async () => (await request(`${usUrl}/peers`)).body as Peers,
      (peers) => peers.items.length === 2 && peers.items.every((p) => p.lastSeen !== null),
    );
    // Assess
    const summary = (peers: Peers) => [
      peers.self,
      peers.replication,
      peers.items.map((p) => [p.region, p.apiUrl, p.self, p.replicationLatencyMs, p.status]),
    ];
    expect([summary(fromEu), summary(fromUs)]).toEqual([
      [
        "eu-west-1",
        "shared-local-store",
        [
          ["eu-west-1", eu.url, true, null, "up"],
          ["us-east-1", usUrl, false, 0, "up"],
        ],
      ],
      [
        "us-east-1",
        "shared-local-store",
        [
          ["us-east-1", usUrl, true, null, "up"],
          ["eu-west-1", eu.url, false, 0, "up"],
        ],
      ],
    ]);
    expect(
      fromUs.items.every((p) => p.lastSeen !== null && !Number.isNaN(Date.parse(p.lastSeen))),
    ).toBe(true);
  });

  it("serve a service registered through the other, and forget it when the other deregisters it", async () => {
    // Act
    const put = await request(`${usUrl}/services/payments`, "PUT", {
      instances: [{ id: "payments-1", url: "http://127.0.0.1:9" }],
    });
    const seenInEu = await request(`${eu.url}/services/payments`);
    const deleted = await request(`${eu.url}/services/payments`, "DELETE");
    const seenInUs = await request(`${usUrl}/services/payments`);
    // Assess
    expect([put.status, seenInEu.status, deleted.status, seenInUs.status]).toEqual([
      201, 200, 204, 404,
    ]);
    expect((seenInEu.body as { instances: { id: string }[] }).instances.map((i) => i.id)).toEqual([
      "payments-1",
    ]);
  });

  it("filter by status and refuse what GET /peers does not take", async () => {
    const stale = await request(`${eu.url}/peers?status=stale`);
    const bad = await request(`${eu.url}/peers?status=gone`);
    expect([stale.status, (stale.body as Peers).items, bad.status]).toEqual([200, [], 400]);
  });
});

describe("a peer that stops", () => {
  it("turns stale once its heartbeats stop (three missed rounds, at least 15 s), while the host serves on", async () => {
    // Act
    const exited = new Promise((resolve) => us.once("exit", resolve));
    us.kill("SIGTERM");
    await exited;
    const peers = await until(
      async () => (await request(`${eu.url}/peers`)).body as Peers,
      (view) => view.items.some((p) => p.region === "us-east-1" && p.status === "stale"),
    );
    // Assess
    expect(peers.items.map((p) => [p.region, p.status])).toEqual([
      ["eu-west-1", "up"],
      ["us-east-1", "stale"],
    ]);
  }, 90_000);
});

describe("a lone baton dev", () => {
  it("lists itself only, as local, with nothing replicated", async () => {
    // Prepare
    const lone = await startDevServer({
      port: 0,
      workflowsDir: join(project, "workflows"),
      dataDir: join(project, "lone"),
      log: () => {},
      out: () => {},
      activity: false,
    });
    try {
      // Act
      const peers = (await request(`${lone.url}/peers`)).body as Peers;
      // Assess
      expect([
        peers.self,
        peers.replication,
        peers.items.map((p) => [p.region, p.apiUrl, p.self, p.status]),
      ]).toEqual(["local", "none", [["local", lone.url, true, "up"]]]);
    } finally {
      await lone.stop();
    }
  });
});
