import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadProject } from "../../lib/core/project/load.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "baton-load-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const write = (name: string, lines: readonly string[]): string => {
  const file = join(dir, name);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
};
const simple = (name: string, extra: readonly string[] = []) => [
  `workflow: ${name}`,
  "steps:",
  "  - id: a",
  "    call: svc GET /a",
  ...extra,
];
const child = (name: string) => ["  - id: run", "    workflow:", `      name: ${name}`];
const summary = (
  problems: readonly { file: string; problem: { code: string; path: string; line?: number } }[],
) =>
  problems.map(({ file, problem }) => [
    file.slice(dir.length + 1),
    problem.code,
    problem.path,
    problem.line,
  ]);

describe("loadProject of a folder", () => {
  it("loads every workflow file in name order and ignores other files", () => {
    // Prepare
    write("b.yml", simple("beta", child("alpha")));
    write("a.yaml", simple("alpha"));
    write("c.json", ['{"workflow": "gamma", "steps": [{"id": "a", "call": "svc GET /a"}]}']);
    write("notes.txt", ["not a workflow"]);
    mkdirSync(join(dir, "sub.yaml"));

    // Act
    const loaded = loadProject(dir);

    // Assess
    expect(loaded.problems).toEqual([]);
    expect(loaded.workflows.map((w) => [w.file.slice(dir.length + 1), w.workflow.name])).toEqual([
      ["a.yaml", "alpha"],
      ["b.yml", "beta"],
      ["c.json", "gamma"],
    ]);
  });

  it("skips the service registry seed and excluded files", () => {
    write("a.yaml", simple("alpha"));
    write("services.yaml", ["services:", "  - name: inventory"]);
    const other = write("registry.yaml", ["services: []"]);
    const loaded = loadProject(dir, { exclude: [other] });
    expect(loaded.problems).toEqual([]);
    expect(loaded.workflows.map((w) => w.workflow.name)).toEqual(["alpha"]);
  });

  it("fails when the folder does not exist", () => {
    const loaded = loadProject(join(dir, "missing"));
    expect(loaded.workflows).toEqual([]);
    expect(loaded.problems.map((p) => p.problem.code)).toEqual(["E_READ"]);
  });
});

describe("loadProject of files", () => {
  it("fails when two files define the same workflow", () => {
    const first = write("a.yaml", simple("orders"));
    const second = write("b.yaml", simple("orders"));
    const loaded = loadProject([first, second]);
    expect(summary(loaded.problems)).toEqual([["b.yaml", "E_DUPLICATE_WORKFLOW", "/workflow", 1]]);
    expect(loaded.workflows.map((w) => w.workflow.name)).toEqual(["orders"]);
  });

  it("fails when a workflow step names an unknown workflow", () => {
    const file = write("a.yaml", simple("orders", child("paymnets")));
    const paid = write("b.yaml", simple("payments"));
    const loaded = loadProject([file, paid]);
    expect(summary(loaded.problems)).toEqual([
      ["a.yaml", "E_UNKNOWN_WORKFLOW", "/steps/1/workflow/name", 7],
    ]);
    expect(loaded.problems[0]?.problem.hint).toBe('did you mean "payments"?');
    expect(loaded.workflows.map((w) => w.workflow.name)).toEqual(["payments"]);
  });

  it("does not call a workflow unknown when its file has errors", () => {
    const file = write("a.yaml", simple("orders", child("payments")));
    const broken = write("b.yaml", ["workflow: payments", "steps: []"]);
    const loaded = loadProject([file, broken]);
    expect(summary(loaded.problems)).toEqual([["b.yaml", "E_STEPS_EMPTY", "/steps", 2]]);
  });

  it("fails when a workflow starts itself", () => {
    const file = write("a.yaml", simple("orders", child("orders")));
    const loaded = loadProject([file]);
    expect(summary(loaded.problems)).toEqual([
      ["a.yaml", "E_RECURSION", "/steps/1/workflow/name", 7],
    ]);
    expect(loaded.workflows).toEqual([]);
  });

  it("fails when workflows start each other in a cycle", () => {
    const a = write("a.yaml", simple("alpha", child("beta")));
    const b = write("b.yaml", simple("beta", child("alpha")));
    const loaded = loadProject([a, b]);
    expect(summary(loaded.problems)).toEqual([
      ["a.yaml", "E_RECURSION", "/workflow", 1],
      ["b.yaml", "E_RECURSION", "/workflow", 1],
    ]);
    expect(loaded.problems[0]?.problem.message).toBe(
      "workflows start each other in a cycle: alpha → beta → alpha",
    );
    expect(loaded.workflows).toEqual([]);
  });

  it("fails when a file cannot be read", () => {
    const loaded = loadProject([join(dir, "nope.yaml")]);
    expect(summary(loaded.problems)).toEqual([["nope.yaml", "E_READ", "", undefined]]);
  });

  it("keeps warnings and lines of valid files", () => {
    const file = write("a.yaml", [
      "workflow: orders",
      "steps:",
      "  - id: charge",
      "    call: pay POST /charges",
    ]);
    const loaded = loadProject([file]);
    expect(summary(loaded.problems)).toEqual([["a.yaml", "W_NO_COMPENSATION", "/steps/0/call", 4]]);
    expect(loaded.workflows.map((w) => w.workflow.name)).toEqual(["orders"]);
  });
});
