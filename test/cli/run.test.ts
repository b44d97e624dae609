import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../lib/cli/main.ts";

const FIXTURES = join(import.meta.dirname, "fixtures");

async function baton(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    cwd: FIXTURES,
  });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

describe("baton run", () => {
  it("runs one execution locally and exits 0 when it succeeds", async () => {
    // Prepare / Act
    const result = await baton(["run", "local.yaml", "--input", "{}"]);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^local-only v1 {2}execution /);
    expect(result.stdout).toContain('"status": "SUCCEEDED"');
  });

  it("exits 1 when the execution fails, printing only the document with --json", async () => {
    // Prepare / Act
    const result = await baton(["run", "local.yaml", "--json", "--input", '{"reject": true}']);

    // Assess
    const document = JSON.parse(result.stdout) as {
      workflow: string;
      status: string;
      error: { name: string };
    };
    expect(result.code).toBe(1);
    expect(document.workflow).toBe("local-only");
    expect(document.status).toBe("FAILED");
    expect(document.error.name).toBe("Rejected");
  });

  it("exits 1 when the workflow has errors, and 2 when the file is missing", async () => {
    // Prepare / Act
    const invalid = await baton(["run", "bad.yaml"]);
    const missing = await baton(["run", "nowhere.yaml"]);

    // Assess
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("E_UNKNOWN_DEPENDENCY");
    expect(missing.code).toBe(2);
    expect(missing.stderr.split("\n")[0]).toBe(
      "baton: cannot read nowhere.yaml: no such file or directory",
    );
  });
  it("answers an await step with --signal, from JSON text or a file", async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), "baton-signal-"));
    await writeFile(join(dir, "no.json"), '{"approved": false}');

    // Act
    const approved = await baton([
      "run",
      "signal.yaml",
      "--json",
      "--signal",
      'approval={"approved": true}',
    ]);
    const refused = await baton([
      "run",
      "signal.yaml",
      "--json",
      "--signal",
      `approval=@${join(dir, "no.json")}`,
    ]);
    const failed = await baton([
      "run",
      "signal.yaml",
      "--json",
      "--signal",
      'approval={"error": "Nope", "cause": "no way"}',
    ]);
    await rm(dir, { recursive: true, force: true });

    // Assess
    const status = (r: { stdout: string }) => {
      const d = JSON.parse(r.stdout) as { status: string; error: { name: string } | null };
      return [d.status, d.error?.name ?? null];
    };
    expect([approved.code, status(approved)]).toEqual([0, ["SUCCEEDED", null]]);
    expect([refused.code, status(refused)]).toEqual([1, ["FAILED", "Refused"]]);
    expect([failed.code, status(failed)]).toEqual([1, ["FAILED", "Nope"]]);
  });

  it("exits 2 when --signal is not name=<json|@file> or names a signal twice", async () => {
    // Prepare / Act
    const noName = await baton(["run", "signal.yaml", "--signal", '{"approved": true}']);
    const badJson = await baton(["run", "signal.yaml", "--signal", "approval={nope"]);
    const twice = await baton(["run", "signal.yaml", "-s", "approval=1", "-s", "approval=2"]);

    // Assess
    expect([noName.code, badJson.code, twice.code]).toEqual([2, 2, 2]);
    expect(noName.stderr).toContain("--signal must read name=<json|@file>");
    expect(badJson.stderr).toContain("--signal approval is not valid JSON");
    expect(twice.stderr).toContain("--signal approval is given twice");
  });
});
