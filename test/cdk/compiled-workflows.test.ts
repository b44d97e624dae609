import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCompiledWorkflows, WorkflowLoadError } from "../../lib/cdk/compiled-workflows.ts";
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
    expect(problems).toStrictEqual([
      'broken.yaml:5: E_DUPLICATE_ID id "a" is already used by the step at /steps/0 (step ids are unique across the whole workflow, nested steps included)',
      "broken.yaml:6: E_RANGE wait seconds must be a whole number between 1 and 99999999, got 0",
    ]);
  });

  it("fails when the folder does not exist", () => {
    expect(loadErrors(() => loadCompiledWorkflows("/nonexistent/flows"))).toEqual([
      "/nonexistent/flows: E_NO_WORKFLOWS_DIR the workflows folder does not exist (set baton:workflowsDir)",
    ]);
  });

  it("fails when two files define the same workflow or a child is not in the folder", () => {
    // Prepare
    const dir = fixtureDir({
      "a.yaml": FIXTURE_WORKFLOWS["idle.yaml"] ?? "",
      "b.yaml": FIXTURE_WORKFLOWS["idle.yaml"] ?? "",
      "parent.yaml": FIXTURE_WORKFLOWS["parent.yaml"] ?? "",
    });
    // Act
    const problems = loadErrors(() => loadCompiledWorkflows(dir, { cwd: dir }));
    // Assess
    expect(problems).toStrictEqual([
      'b.yaml:1: E_DUPLICATE_WORKFLOW workflow "idle" is also defined in a.yaml (workflow names are unique)',
      'parent.yaml:21: E_UNKNOWN_WORKFLOW step "ship" starts unknown workflow "child" (known: idle, parent)',
    ]);
  });

  it("fails when a bad cron or event pattern reaches synth (as it would fail only in baton dev)", () => {
    // Prepare
    const dir = fixtureDir({
      "timed.yaml": [
        "workflow: timed",
        "triggers:",
        "  - schedule: cron(0 25 * * ? *)",
        "  - event: { source: [shop], detail: { amount: [{ numeric: ['>', 10, '<', 1] }] } }",
        "steps:",
        "  - id: a",
        "    call: svc GET /a",
        "",
      ].join("\n"),
    });
    // Act
    const problems = loadErrors(() => loadCompiledWorkflows(dir, { cwd: dir }));
    // Assess
    expect(problems).toStrictEqual([
      'timed.yaml:3: E_SCHEDULE invalid schedule "cron(0 25 * * ? *)": hours value "25" is not in 0-23 (e.g. cron(0 12 * * ? *): minutes hours day-of-month month day-of-week year)',
      "timed.yaml:4: E_EVENT_PATTERN invalid event pattern: a numeric range is a lower bound (> or >=) then a higher upper bound (< or <=)",
    ]);
  });

  it("prints warnings as every Baton tool does, without refusing the deploy", () => {
    // Prepare
    const dir = fixtureDir({ "w.yaml": "workflow: w\nsteps:\n  - id: a\n    call: svc POST /a\n" });
    // Act
    const loaded = loadCompiledWorkflows(dir, { cwd: dir });
    // Assess
    expect(loaded.workflows.map((w) => w.name)).toStrictEqual(["w"]);
    expect(loaded.warnings).toStrictEqual([
      expect.stringMatching(/^w\.yaml:4: W_NO_COMPENSATION warning: /),
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

  it("takes what each definition uses from the project's manifest", () => {
    // Prepare
    const dir = fixtureDir(FIXTURE_WORKFLOWS);
    // Act
    const loaded = loadCompiledWorkflows(dir, { cwd: dir });
    // Assess
    expect(
      Object.fromEntries(
        loaded.workflows.map((w) => [w.name, [w.manifest.tasks, w.manifest.children]]),
      ),
    ).toStrictEqual({
      child: [["ServiceCall"], []],
      idle: [[], []],
      parent: [["ServiceCall", "Emit", "AwaitSignal", "ChildInput", "ChildWorkflow"], ["child"]],
      quick: [["ServiceCall", "Emit"], []],
    });
    expect(loaded.workflows.find((w) => w.workflow.name === "child")?.source).toEqual({
      workflow: "child",
      steps: [{ id: "label", call: "shipping GET /labels" }],
    });
  });
});
