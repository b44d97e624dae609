import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatProblems } from "../../lib/core/problems.ts";
import { displayPath } from "../../lib/core/project/load.ts";
import { loadAndCompileDir } from "../../lib/local/workflows.ts";

const dir = mkdtempSync(join(tmpdir(), "baton-local-workflows-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("loadAndCompileDir (what baton dev serves)", () => {
  it("fails when a services.json seed is refused as a broken workflow", () => {
    // Prepare
    writeFileSync(join(dir, "services.json"), '{"services": []}\n');
    writeFileSync(
      join(dir, "ping.yaml"),
      "workflow: ping\nsteps:\n  - id: a\n    call: svc GET /a\n",
    );
    writeFileSync(
      join(dir, "charge.yaml"),
      "workflow: charge\nsteps:\n  - id: a\n    call: svc POST /a\n",
    );
    writeFileSync(join(dir, "broken.yaml"), "workflow: broken\nsteps: []\n");
    // Act
    const compiled = loadAndCompileDir(dir);
    // Assess: problems print as every Baton tool prints them
    const shown = (name: string) => displayPath(join(dir, name));
    expect([...compiled.machines.keys()].sort()).toStrictEqual(["charge", "ping"]);
    expect(compiled.refused).toStrictEqual([shown("broken.yaml")]);
    expect(formatProblems(compiled.problems)).toStrictEqual([
      `${shown("broken.yaml")}:2: E_STEPS_EMPTY ${compiled.problems[0]?.problem.message}`,
      `${shown("charge.yaml")}:4: W_NO_COMPENSATION warning: ${compiled.problems[1]?.problem.message} (${compiled.problems[1]?.problem.hint})`,
    ]);
  });
});
