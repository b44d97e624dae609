/**
 * The YAML examples of docs/language.md validate: a block that is a whole workflow as it is, a
 * block of steps inside a minimal workflow, a `triggers:` block beside one step. Errors fail the
 * test (warnings such as W_NO_COMPENSATION are what some examples show).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildProject } from "../../lib/core/project/build.ts";

const PAGE = join(import.meta.dirname, "../../docs/language.md");
const blocks = [...readFileSync(PAGE, "utf8").matchAll(/```yaml\n([\s\S]*?)```/g)].map(
  (m) => m[1] ?? "",
);

/** The block as a workflow file, or undefined for fragments of one field (retry, compensate). */
function asWorkflow(block: string): string | undefined {
  const indented = block.replace(/^/gm, "  ");
  if (/^workflow:/m.test(block))
    return block.replace(
      "steps: [ … ]",
      "steps: [ { id: charge, call: payments POST /charges, idempotent: true } ]",
    );
  if (block.startsWith("- id:")) return `workflow: example\nsteps:\n${indented}`;
  if (block.startsWith("triggers:"))
    return `workflow: example\n${block}\nsteps: [ { id: a, succeed: {} } ]\n`;
  return undefined;
}

describe("docs/language.md examples", () => {
  const workflows = blocks.map(asWorkflow).filter((w): w is string => w !== undefined);

  it("has examples of every step kind", () => {
    expect(workflows.length).toBeGreaterThan(10);
  });

  it.each(workflows.map((w, i) => [i, w] as const))("example %i validates", (_i, text) => {
    const [file] = buildProject([{ file: "example.yaml", text }], { complete: false }).files;
    const errors = (file?.problems ?? []).filter((p) => p.severity === "error");
    expect(errors.map((e) => `${e.code} ${e.path}: ${e.message}`)).toEqual([]);
  });
});
