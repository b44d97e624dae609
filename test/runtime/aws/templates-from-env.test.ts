import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

const ROOT = join(import.meta.dirname, "../../..");

describe("templatesFromEnv", () => {
  let dir: string | undefined;
  afterEach(async () => {
    vi.unstubAllEnvs();
    vi.resetModules();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("reads the bundled templates file once, relative to LAMBDA_TASK_ROOT", async () => {
    // Prepare
    dir = await mkdtemp(join(tmpdir(), "baton-templates-env-"));
    const text = await readFile(join(ROOT, "templates", "saga.yaml"), "utf8");
    await writeFile(
      join(dir, "templates.json"),
      JSON.stringify({ templates: [{ file: "templates/saga.yaml", text }, { file: 3 }] }),
    );
    vi.stubEnv("LAMBDA_TASK_ROOT", dir);
    vi.stubEnv("BATON_TEMPLATES_FILE", "templates.json");
    const { templatesFromEnv } = await import("../../../lib/runtime/aws/templates-from-env.ts");
    // Act
    const templates = await templatesFromEnv();
    // Assess
    expect(templates.map((t) => [t.info.name, t.file])).toStrictEqual([
      ["saga", "templates/saga.yaml"],
    ]);
    expect(await templatesFromEnv()).toBe(templates);
  });

  it("serves none when the stack ships no templates file", async () => {
    vi.stubEnv("BATON_TEMPLATES_FILE", "");
    const { templatesFromEnv } = await import("../../../lib/runtime/aws/templates-from-env.ts");
    expect(await templatesFromEnv()).toStrictEqual([]);
  });
});
