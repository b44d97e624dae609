/**
 * The README's harness example, run as written in a user project: a folder whose node_modules
 * holds this package as `baton` (and vitest), the example as `test/order-fulfillment.test.ts`,
 * the example workflow in `workflows/`, and vitest started there. Also checks that the package's
 * `exports` resolve.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/tmp.ts";

const ROOT = join(import.meta.dirname, "../..");
const run = promisify(execFile);

/** The first `ts` block after the README's "Testing your own workflows." paragraph. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const from = readme.indexOf("**Testing your own workflows.**");
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(from));
  if (from < 0 || block?.[1] === undefined) throw new Error("README has no harness example");
  return block[1];
}

function userProject(example: string): string {
  const dir = tempDir("baton-user-project-");
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(ROOT, join(dir, "node_modules/baton"), "dir");
  symlinkSync(join(ROOT, "node_modules/vitest"), join(dir, "node_modules/vitest"), "dir");
  writeFileSync(join(dir, "package.json"), '{ "name": "my-workflows", "type": "module" }\n');
  mkdirSync(join(dir, "workflows"));
  copyFileSync(
    join(ROOT, "workflows/order-fulfillment.yaml"),
    join(dir, "workflows/order-fulfillment.yaml"),
  );
  mkdirSync(join(dir, "test"));
  writeFileSync(join(dir, "test/order-fulfillment.test.ts"), example);
  return dir;
}

describe("the README harness example", () => {
  it("imports baton/harness by package name and passes in a user project", async () => {
    // Prepare
    const dir = userProject(readmeExample());

    // Act
    const { stdout } = await run(
      process.execPath,
      [join(ROOT, "node_modules/vitest/vitest.mjs"), "run", "--root", dir, "--reporter", "verbose"],
      { cwd: dir, env: { ...process.env, NO_COLOR: "1", CI: "1" }, timeout: 120_000 },
    );

    // Assess
    expect(stdout).toContain("✓ test/order-fulfillment.test.ts");
    expect(stdout).toMatch(/Tests\s+1 passed/);
  });

  it("fails when the example's assertions do not hold (the run above can fail)", async () => {
    const dir = userProject(readmeExample().replace('toEqual("FAILED")', 'toEqual("SUCCEEDED")'));
    await expect(
      run(process.execPath, [join(ROOT, "node_modules/vitest/vitest.mjs"), "run", "--root", dir], {
        cwd: dir,
        env: { ...process.env, NO_COLOR: "1", CI: "1" },
        timeout: 120_000,
      }),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("'SUCCEEDED'") });
  });

  it("exports the schemas by package name", () => {
    const exports = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).exports as Record<
      string,
      string
    >;
    for (const [name, target] of Object.entries(exports)) {
      expect(() => readFileSync(join(ROOT, target)), name).not.toThrow();
    }
    expect(Object.keys(exports)).toContain("./harness");
  });
});
