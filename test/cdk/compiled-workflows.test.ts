import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  compileWorkflows,
  formatProblem,
  loadCompiledWorkflows,
  WorkflowLoadError,
} from "../../lib/cdk/compiled-workflows.ts";
import { FIXTURE_WORKFLOWS, fixtureDir } from "./helpers.ts";

function loadErrors(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof WorkflowLoadError) return error.problems;
    throw error;
  }
  return [];
}

describe("formatProblem", () => {
  it("renders file:line: code message, with the hint in parentheses", () => {
    // Prepare
    const problem = {
      code: "E_CYCLE",
      severity: "error",
      path: "/steps/1",
      message: "a → b → a",
      line: 7,
      hint: "break it",
    } as const;
    // Act / Assess
    expect(formatProblem("flows/a.yaml", problem)).toEqual(
      "flows/a.yaml:7: E_CYCLE a → b → a (break it)",
    );
  });

  it("names the JSON pointer when the line is unknown", () => {
    const problem = {
      code: "E_SCHEMA",
      severity: "error",
      path: "/input",
      message: "not a schema",
    } as const;
    expect(formatProblem("a.json", problem)).toEqual("a.json: E_SCHEMA not a schema (at /input)");
  });
});

describe("loadCompiledWorkflows", () => {
  it("fails with every error as file:line: code message, and compiles nothing", () => {
    // Prepare
    const dir = fixtureDir({
      "broken.yaml":
        "workflow: broken\nsteps:\n  - id: a\n    call: inventory GET /x\n  - id: a\n    wait: { seconds: 0 }\n",
      "child.yaml": FIXTURE_WORKFLOWS["child.yaml"] ?? "",
    });
    // Act
    const problems = loadErrors(() => loadCompiledWorkflows(dir, { cwd: dir }));
    // Assess
    expect(problems).toEqual([
      "broken.yaml:6: E_RANGE wait seconds must be a whole number between 1 and 99999999, got 0",
      'broken.yaml:5: E_DUPLICATE_ID id "a" is already used by the step at /steps/0 (step ids are unique across the whole workflow, nested steps included)',
    ]);
  });

  it("fails when the folder does not exist", () => {
    expect(loadErrors(() => loadCompiledWorkflows("/nonexistent/flows"))).toEqual([
      "/nonexistent/flows: E_NO_WORKFLOWS_DIR the workflows folder does not exist (set baton:workflowsDir).",
    ]);
  });

  it("skips the registry seed that shares the folder", () => {
    // Prepare
    const dir = fixtureDir({
      "services.yaml": "services:\n  - name: inventory\n",
      "seed.yml": "services: []\n",
      "child.yaml": FIXTURE_WORKFLOWS["child.yaml"] ?? "",
    });
    // Act
    const loaded = loadCompiledWorkflows(dir, { servicesFile: join(dir, "seed.yml"), cwd: dir });
    // Assess
    expect(loaded.workflows.map((w) => [w.file, w.workflow.name])).toEqual([
      ["child.yaml", "child"],
    ]);
  });

  it("derives from each definition what it uses", () => {
    // Prepare
    const dir = fixtureDir(FIXTURE_WORKFLOWS);
    // Act
    const loaded = loadCompiledWorkflows(dir, { cwd: dir });
    // Assess
    expect(Object.fromEntries(loaded.workflows.map((w) => [w.workflow.name, w.uses]))).toEqual({
      child: { serviceCall: true, awaitSignal: false, eventBus: false, childWorkflows: [] },
      idle: { serviceCall: false, awaitSignal: false, eventBus: false, childWorkflows: [] },
      parent: { serviceCall: true, awaitSignal: true, eventBus: true, childWorkflows: ["child"] },
      quick: { serviceCall: true, awaitSignal: false, eventBus: true, childWorkflows: [] },
    });
    expect(loaded.workflows.find((w) => w.workflow.name === "child")?.source).toEqual({
      workflow: "child",
      steps: [{ id: "label", call: "shipping GET /labels" }],
    });
  });
});

describe("compileWorkflows", () => {
  it("fails when a workflow step starts a workflow that is not deployed", () => {
    // Prepare
    const loaded = loadCompiledWorkflows(fixtureDir(FIXTURE_WORKFLOWS));
    const parent = loaded.workflows.find((w) => w.workflow.name === "parent");
    if (parent === undefined) throw new Error("fixture parent missing");
    // Act
    const problems = loadErrors(() =>
      compileWorkflows([{ file: "parent.yaml", workflow: parent.workflow }]),
    );
    // Assess
    expect(problems).toEqual([
      'parent.yaml: E_UNKNOWN_WORKFLOW a workflow step starts "child", which is not deployed from this folder',
    ]);
  });

  it("fails when two files define the same workflow", () => {
    // Prepare
    const loaded = loadCompiledWorkflows(
      fixtureDir({ "child.yaml": FIXTURE_WORKFLOWS["child.yaml"] ?? "" }),
    );
    const child = loaded.workflows[0];
    if (child === undefined) throw new Error("fixture child missing");
    // Act
    const problems = loadErrors(() =>
      compileWorkflows([
        { file: "a.yaml", workflow: child.workflow },
        { file: "b.yaml", workflow: child.workflow },
      ]),
    );
    // Assess
    expect(problems).toEqual([
      'b.yaml: E_DUPLICATE_WORKFLOW workflow "child" is also defined in a.yaml',
    ]);
  });
});
