import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../lib/cli/main.ts";

const ROOT = join(import.meta.dirname, "../..");

async function baton(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    cwd: ROOT,
  });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

describe("baton validate and compile with templates", () => {
  it("validates every shipped template with its example", async () => {
    const result = await baton(["validate", "templates"]);
    expect([result.code, result.stdout.trim()]).toStrictEqual([
      0,
      "✓ 5 workflows valid, 0 warnings",
    ]);
  });

  it("compiles a template with --param (JSON values typed) and --name", async () => {
    const result = await baton([
      "compile",
      "templates/batch-fan-out.yaml",
      "--param",
      "service=warehouse",
      "--param",
      "path=/rows",
      "--param",
      "maxConcurrency=7",
      "--name",
      "rows",
      "--json",
    ]);
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as { workflow: string; asl: object };
    expect(out.workflow).toBe("rows");
    expect(JSON.stringify(out.asl)).toContain('"MaxConcurrency":7');
  });

  it("fails when a value breaks the schema, at the parameter's line", async () => {
    const result = await baton([
      "compile",
      "templates/batch-fan-out.yaml",
      "--param",
      "service=warehouse",
      "--param",
      "path=/rows",
      "--param",
      "maxConcurrency=99",
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "templates/batch-fan-out.yaml:13: E_PARAMETER_VALUE parameter maxConcurrency must be <= 40",
    );
  });

  it("exits 2 on a --param that is not name=value", async () => {
    const result = await baton(["validate", "templates", "--param", "oops"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--param oops: write --param name=value");
  });
});
