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
});
