import { existsSync } from "node:fs";
import { join } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, startEmulator } from "./emulator.ts";

const installed = existsSync(join(REPO_ROOT, ".venv-integration", "bin", "python"));

describe.skipIf(!installed)("startEmulator (needs bash .ci/install-emulator.sh)", () => {
  it("serves AWS APIs on a loopback port and is gone after stop", async () => {
    // Prepare
    const emulator = await startEmulator();
    const client = new DynamoDBClient({
      endpoint: emulator.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
    try {
      // Act
      const tables = await client.send(new ListTablesCommand({}));
      // Assess
      expect(emulator.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(tables.TableNames).toEqual([]);
    } finally {
      client.destroy();
      await emulator.stop();
    }
    const after = await fetch(`${emulator.endpoint}/_ministack/health`).then(
      () => "reachable",
      () => "unreachable",
    );
    expect(after).toEqual("unreachable");
    expect(existsSync(emulator.dataDir)).toEqual(false);
  });

  it("keeps a data dir it was given", async () => {
    // Prepare
    const dataDir = join(REPO_ROOT, ".integration", `given-${process.pid}`);
    // Act
    const emulator = await startEmulator({ dataDir });
    await emulator.stop();
    // Assess
    expect(existsSync(join(dataDir, "ministack.log"))).toEqual(true);
  });
});
