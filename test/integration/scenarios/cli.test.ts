/**
 * The CLI against the deployed stack: `baton workflows push|list|versions|alias|audit|delete`,
 * `baton start --wait`, `baton status` and `baton executions`, every request SigV4-signed with
 * credentials from the AWS chain (here the environment the harness sets), as a user would run
 * them with the stack's `ApiUrl`.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../lib/cli/main.ts";
import { integrationEnv } from "../client.ts";
import { type Shop, startShop } from "../fixtures/shop.ts";

const NAME = `cli-${randomUUID().slice(0, 8)}`;
const WORKFLOW = `workflow: ${NAME}
description: Pushed by the CLI scenario
tags: [scenario]
steps:
  - id: reserve
    call: inventory POST /reservations
    with: { orderId: "{{ input.orderId }}", quantity: 1 }
    idempotent: true
`;

let dir: string;
let shop: Shop;

beforeAll(async () => {
  shop = await startShop();
  dir = await mkdtemp(join(tmpdir(), "baton-cli-scenario-"));
  await writeFile(join(dir, `${NAME}.yaml`), WORKFLOW);
});
afterAll(async () => {
  await shop?.close();
  await rm(dir, { recursive: true, force: true });
});

async function baton(...args: string[]) {
  const { apiUrl, region } = integrationEnv();
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...args, "--api", apiUrl, "--auth", "iam", "--region", region], {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    cwd: dir,
  });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

describe("the CLI against the deployed stack", () => {
  it("pushes, lists, starts, follows, aliases, audits and deletes a workflow, signed", async () => {
    // Act
    const pushed = await baton("workflows", "push", `${NAME}.yaml`);
    const listed = await baton("workflows", "list", "--q", NAME);
    const started = await baton(
      "start",
      NAME,
      "--input",
      '{"orderId":"o-cli"}',
      "--wait",
      "--timeout",
      "120",
      "--json",
    );
    const execution = JSON.parse(started.stdout || "{}") as { id?: string; startedBy?: string };
    const status = await baton("status", execution.id ?? "none", "--json");
    const executions = await baton("executions", "--workflow", NAME, "--json");
    const aliased = await baton("workflows", "alias", NAME, "live", "1");
    const audit = await baton("workflows", "audit", NAME, "--json");
    const deleted = await baton("workflows", "delete", NAME);

    // Assess
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toBe(`${NAME}.yaml: ${NAME} version 1 published (live)\n`);
    expect(listed.stdout).toContain(`${NAME}  1`);
    expect(started.code, started.stderr).toBe(0);
    expect(execution).toMatchObject({ status: "SUCCEEDED", version: 1 });
    expect(typeof execution.startedBy).toBe("string");
    expect(JSON.parse(status.stdout)).toMatchObject({ id: execution.id, status: "SUCCEEDED" });
    expect(
      (JSON.parse(executions.stdout) as { items: { id: string }[] }).items.map((e) => e.id),
    ).toContain(execution.id);
    expect(aliased.stdout).toBe(`${NAME}: alias live → version 1 (100%)\n`);
    const entries = (JSON.parse(audit.stdout) as { items: { action: string; by: string }[] }).items;
    expect(entries.map((e) => e.action)).toEqual(["aliased", "published"]);
    expect(entries.every((e) => e.by === execution.startedBy)).toBe(true);
    expect(deleted.code, deleted.stderr).toBe(0);
  }, 300_000);
});
