/**
 * `baton workflows|start|status|executions` against a real `baton dev` in this process, over HTTP:
 * the commands' output, exit codes and problem reports as a user sees them.
 */

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../lib/cli/main.ts";
import { type DemoServices, startDemoServices } from "../../lib/local/demo/services.ts";
import { type DevServer, startDevServer } from "../../lib/local/server.ts";

const WORKFLOWS = join(import.meta.dirname, "..", "local", "fixtures", "workflows");

let dir: string;
let demo: DemoServices;
let server: DevServer;

const GREETER = (version: number, quantity: number) => `workflow: greeter
version: ${version}
description: Reserves stock for an order
tags: [demo, team:core]
input:
  type: object
  required: [orderId]
  properties: { orderId: { type: string } }
steps:
  - id: reserve
    call: inventory POST /reservations
    with: { orderId: "{{ input.orderId }}", quantity: ${quantity} }
`;

const BROKEN = `workflow: greeter
steps:
  - id: reserve
    call: inventory POST /reservations
    dependsOn: [nowhere]
    retry: { maxAttempts: 0 }
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-remote-cli-"));
  demo = await startDemoServices({ basePort: 0 });
  await writeFile(join(dir, "services.yaml"), demo.servicesYaml());
  await writeFile(join(dir, "greeter.yaml"), GREETER(1, 1));
  await writeFile(join(dir, "greeter-v2.yaml"), GREETER(2, 2));
  await writeFile(join(dir, "broken.yaml"), BROKEN);
  server = await startDevServer({
    port: 0,
    workflowsDir: WORKFLOWS,
    servicesFile: join(dir, "services.yaml"),
    dataDir: join(dir, "data"),
    skipDelays: true,
    log: () => {},
    out: () => {},
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await demo?.close();
  await rm(dir, { recursive: true, force: true });
});

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

const idOf = (text: string): string => /([0-9a-f-]{36})/.exec(text)?.[1] ?? "";

describe("remote commands on baton dev", () => {
  it("pushes, lists, versions, starts, pins, aliases and follows a workflow", async () => {
    // Act
    const pushed = await baton("workflows", "push", "greeter.yaml");
    const unchanged = await baton("workflows", "push", "greeter.yaml");
    const pushedV2 = await baton("workflows", "push", "greeter-v2.yaml");
    const listed = await baton("workflows", "list", "--q", "stock", "--tag", "demo");
    const versions = await baton("workflows", "versions", "greeter");
    const waited = await baton("start", "greeter", "--input", '{"orderId":"o-1"}', "--wait");
    const pinned = await baton("start", "greeter@1", "-i", '{"orderId":"o-2"}', "--wait", "--json");
    const aliased = await baton("workflows", "alias", "greeter", "canary", "1=30,2=70");
    const started = await baton("start", "greeter@canary", "--input", '{"orderId":"o-3"}');
    const status = await baton("status", idOf(waited.stdout));
    const listedExecutions = await baton("executions", "--workflow", "greeter", "--limit", "2");

    // Assess
    expect(pushed).toMatchObject({
      code: 0,
      stdout: "greeter.yaml: greeter version 1 published (live)\n",
    });
    expect(pushed.stderr).toMatch(/^greeter\.yaml:11: W_NO_COMPENSATION warning: /);
    expect(unchanged.stdout).toBe("greeter.yaml: greeter unchanged (identical to version 1)\n");
    expect(pushedV2.stdout).toBe("greeter-v2.yaml: greeter version 2 published (live)\n");
    expect(listed.code).toBe(0);
    expect(listed.stdout.split("\n")[0]).toMatch(/^NAME +VERSION +TYPE +TAGS +DESCRIPTION$/);
    expect(listed.stdout).toMatch(
      /\ngreeter +2 +standard +demo,team:core +Reserves stock for an order\n/,
    );
    expect(versions.stdout).toMatch(/\n2 +\S+ +\S+ +api\n1 +\S+ +\S+ +api\n$/);
    expect(waited.code).toBe(0);
    expect(waited.stdout).toMatch(/^[0-9a-f-]{36} {2}greeter v2 {2}SUCCEEDED\n/);
    expect(waited.stdout).toMatch(/\nreserve +SUCCEEDED +1 /);
    expect(waited.stdout).toMatch(/\nstarted \S+ by anonymous, took \d+ ms, trace [0-9a-f]{32}\n/);
    expect(pinned.code).toBe(0);
    expect(JSON.parse(pinned.stdout)).toMatchObject({
      version: 1,
      status: "SUCCEEDED",
      versionPinned: true,
    });
    expect(aliased.stdout).toBe("greeter: alias canary → version 1 (30%), version 2 (70%)\n");
    expect(started.stdout).toMatch(/^started: [0-9a-f-]{36} \(greeter v[12], RUNNING\)\n$/);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`${idOf(waited.stdout)}  greeter v2  SUCCEEDED`);
    expect(listedExecutions.stdout.split("\n")[0]).toMatch(/^ID +WORKFLOW +VERSION +STATUS/);
    expect(listedExecutions.stdout.trim().split("\n")).toHaveLength(3);
    expect(listedExecutions.stderr).toMatch(/^more: baton executions --cursor \S+\n$/);
  }, 120_000);

  it("exits 1 with every problem the API lists", async () => {
    // Act
    const broken = await baton("workflows", "push", "broken.yaml");
    const badInput = await baton("start", "greeter", "--input", '{"orderId": 5}');
    const unknown = await baton("status", "no-such-execution");
    const badAlias = await baton("workflows", "alias", "greeter", "live", "1=50,2=40");

    // Assess
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(
      /^baton workflows push broken\.yaml: http:\/\/127\.0\.0\.1:\d+ answered 400 .*\n/,
    );
    expect(broken.stderr).toMatch(/\n {2}broken\.yaml:5: E_UNKNOWN_DEPENDENCY /);
    expect(broken.stderr).toMatch(/\n {2}broken\.yaml:6: E_RETRY /);
    expect(badInput.code).toBe(1);
    expect(badInput.stderr).toMatch(/answered 400 Invalid execution input: /);
    expect(badInput.stderr).toContain("\n  /input/orderId: ");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/answered 404 /);
    expect(badAlias.code).toBe(1);
    expect(badAlias.stderr).toContain("/routing: weights must add up to 100, got 90");
  }, 60_000);

  it("is bad usage (exit 2) for unknown actions, bad targets and an API that does not answer", async () => {
    // Act
    const action = await baton("workflows", "frob");
    const target = await baton("workflows", "alias", "greeter", "live", "one");
    const missing = await baton("workflows", "push", "absent.yaml");
    const port = await freePort();
    const closed = await main(["executions", "--api", `http://127.0.0.1:${port}`], {
      stdout: () => {},
      stderr: (t) => void closedErr.push(t),
      cwd: dir,
    });

    // Assess
    expect([action.code, target.code, missing.code, closed]).toEqual([2, 2, 2, 2]);
    expect(action.stderr).toContain('unknown workflows action "frob"');
    expect(target.stderr).toContain('version=weight pairs (1=90,2=10); got "one"');
    expect(missing.stderr).toContain("cannot read absent.yaml: ENOENT");
    expect(closedErr.join("")).toContain(
      `cannot reach http://127.0.0.1:${port} (ECONNREFUSED); is baton dev running?`,
    );
  });
});

const closedErr: string[] = [];

/** A port nothing listens on: one the system just handed out and took back. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
