/** The shared registry's host lock: the first instance hosts, the others join, a dead host's lock is taken over. */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSharedRegistry } from "../../lib/local/shared-registry.ts";

const TABLE = "baton-local-registry";
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-shared-registry-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.exit(0)"]);
  return child.pid ?? 0;
}

describe("openSharedRegistry", () => {
  it("hosts the store in the first opener and joins it from the second; the host removes its lock on close", async () => {
    // Act
    const host = await openSharedRegistry({ dir, tableName: TABLE });
    const guest = await openSharedRegistry({ dir, tableName: TABLE });
    await guest.client.send(
      new PutItemCommand({ TableName: TABLE, Item: { pk: { S: "a" }, sk: { S: "b" } } }),
    );
    const read = await host.client.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: "a" }, sk: { S: "b" } } }),
    );
    const lock = JSON.parse(await readFile(join(dir, "host.lock"), "utf8")) as unknown;
    await guest.close();
    await host.close();
    // Assess
    expect([host.hosted, guest.hosted, guest.endpoint]).toEqual([true, false, host.endpoint]);
    expect(read.Item).toBeDefined();
    expect(lock).toEqual({ pid: process.pid, endpoint: host.endpoint });
    await expect(readFile(join(dir, "host.lock"), "utf8")).rejects.toThrow(/ENOENT/);
  });

  it("takes over the lock of a host that died without removing it", async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, "host.lock"),
      JSON.stringify({ pid: deadPid(), endpoint: "http://127.0.0.1:9" }),
    );
    const registry = await openSharedRegistry({ dir, tableName: TABLE });
    try {
      expect(registry.hosted).toBe(true);
    } finally {
      await registry.close();
    }
  });

  it("fails, saying what to do, when a live host's store does not answer", async () => {
    await writeFile(
      join(dir, "host.lock"),
      JSON.stringify({ pid: process.pid, endpoint: "http://127.0.0.1:9" }),
    );
    await expect(openSharedRegistry({ dir, tableName: TABLE, waitMs: 500 })).rejects.toThrow(
      `the shared registry in ${dir} is held by process ${process.pid}, whose store at http://127.0.0.1:9 does not answer; stop that baton dev, or delete ${join(dir, "host.lock")} if no baton dev runs`,
    );
  });
});
