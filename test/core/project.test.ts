import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildProject } from "../../lib/core/project/build.ts";
import { isRegistrySeed, isWorkflowFile } from "../../lib/core/project/files.ts";
import { loadProject } from "../../lib/core/project/load.ts";
import { placeholdersIn, SUBSTITUTION_KEYS, type TaskResourceName } from "../../lib/core/wire.ts";
import { FIXTURE_WORKFLOWS } from "../cdk/helpers.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function folder(files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), "baton-project-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const ONE = "workflow: one\nsteps:\n  - id: a\n    call: svc GET /a\n";
const SEED = "services:\n  - name: svc\n    instances: [{ url: http://127.0.0.1:1 }]\n";

describe("which files are workflows", () => {
  it.each([
    ["services.yaml", false],
    ["services.yml", false],
    ["services.json", false],
    ["flows/services.json", false],
    ["orders.yaml", true],
    ["orders.yml", true],
    ["orders.json", true],
    ["my-services.yaml", true],
    ["notes.txt", false],
  ])("%s is a workflow: %s", (name, expected) => {
    expect(isWorkflowFile(name)).toBe(expected);
    expect(isRegistrySeed(name)).toBe(name.includes("/services.") || name.startsWith("services."));
  });

  it("fails when a registry seed in the folder is loaded as a workflow", () => {
    // Prepare
    const dir = folder({ "one.yaml": ONE, "services.json": '{"services": []}', "notes.txt": "x" });
    // Act
    const project = loadProject(dir);
    // Assess
    expect(project.files.map((f) => f.file)).toStrictEqual([join(dir, "one.yaml")]);
    expect(project.seeds).toStrictEqual([join(dir, "services.json")]);
    expect(project.problems).toStrictEqual([]);
  });

  it("fails when a registry seed named directly is reported as a broken workflow", () => {
    // Prepare: what `baton validate workflows/*.yaml` passes
    const dir = folder({ "one.yaml": ONE, "services.yaml": SEED });
    // Act
    const project = loadProject([join(dir, "one.yaml"), join(dir, "services.yaml")]);
    // Assess
    expect(project.workflows.map((w) => w.name)).toStrictEqual(["one"]);
    expect(project.seeds).toStrictEqual([join(dir, "services.yaml")]);
    expect(project.errorCount).toBe(0);
  });

  it("fails when an unreadable path crashes instead of being an E_READ problem", () => {
    // Act
    const project = loadProject(["/nonexistent/flows"]);
    // Assess
    expect(project.problems).toStrictEqual([
      {
        file: "/nonexistent/flows",
        problem: {
          code: "E_READ",
          severity: "error",
          path: "",
          message: "cannot read: no such file or directory",
        },
      },
    ]);
    expect(project.errorCount).toBe(1);
  });

  it("fails when a file named twice is loaded twice (a duplicate workflow)", () => {
    // Prepare
    const dir = folder({ "one.yaml": ONE });
    // Act
    const project = loadProject([dir, join(dir, "one.yaml")]);
    // Assess
    expect(project.files).toHaveLength(1);
    expect(project.problems).toStrictEqual([]);
  });

  it("leaves out excluded files (a seed with another name)", () => {
    // Prepare
    const dir = folder({ "one.yaml": ONE, "seed.yml": SEED });
    // Act
    const project = loadProject(dir, { exclude: [join(dir, "seed.yml")] });
    // Assess
    expect(project.files.map((f) => f.name)).toStrictEqual(["one"]);
  });
});

describe("buildProject", () => {
  it("keeps the source as written, the model, the ASL and the problems of each file", () => {
    // Act
    const project = buildProject([
      { file: "one.yaml", text: ONE },
      { file: "bad.yaml", text: "workflow: bad\nsteps: []\n" },
    ]);
    // Assess
    const [one, bad] = project.files;
    expect(one?.ready).toBe(true);
    expect(one?.source).toStrictEqual({
      workflow: "one",
      steps: [{ id: "a", call: "svc GET /a" }],
    });
    // Its first state is a call Task: the machine starts there (lib/core/entry-request.ts).
    expect(one?.ready && one.asl.StartAt).toBe("a");
    expect(bad).toStrictEqual({
      ready: false,
      file: "bad.yaml",
      text: "workflow: bad\nsteps: []\n",
      source: { workflow: "bad", steps: [] },
      name: "bad",
      problems: [
        {
          code: "E_STEPS_EMPTY",
          severity: "error",
          path: "/steps",
          message: expect.any(String),
          line: 2,
        },
      ],
    });
    expect(project.workflows.map((w) => w.name)).toStrictEqual(["one"]);
    expect(project.workflow("one")?.file).toBe("one.yaml");
    expect(project.workflow("bad")).toBeUndefined();
    expect([project.errorCount, project.warningCount]).toStrictEqual([1, 0]);
  });

  it("fails when a workflow step names a workflow outside a complete set", () => {
    // Prepare
    const parent = FIXTURE_WORKFLOWS["parent.yaml"] ?? "";
    // Act
    const complete = buildProject([{ file: "parent.yaml", text: parent }]);
    const single = buildProject([{ file: "parent.yaml", text: parent }], { complete: false });
    // Assess
    expect(complete.problems.map((p) => p.problem.code)).toStrictEqual(["E_UNKNOWN_WORKFLOW"]);
    expect(single.problems.map((p) => p.problem.code)).toStrictEqual([]);
  });

  it("fails when two files define one workflow, or workflows start each other", () => {
    // Prepare
    const starts = (name: string, child: string) =>
      `workflow: ${name}\nsteps:\n  - id: run\n    workflow: { name: ${child} }\n`;
    // Act
    const project = buildProject([
      { file: "a.yaml", text: starts("a", "b") },
      { file: "b.yaml", text: starts("b", "a") },
      { file: "b2.yaml", text: ONE.replace("one", "b") },
    ]);
    // Assess
    expect(project.problems.map((p) => [p.file, p.problem.code, p.problem.line])).toStrictEqual([
      ["a.yaml", "E_RECURSION", 1],
      ["b.yaml", "E_RECURSION", 1],
      ["b2.yaml", "E_DUPLICATE_WORKFLOW", 1],
    ]);
    expect(project.workflows).toStrictEqual([]);
  });
});

describe("the manifest", () => {
  it("lists services, tasks, children, emitted events, triggers and each step's reads", () => {
    // Prepare
    const project = buildProject(
      Object.entries(FIXTURE_WORKFLOWS).map(([file, text]) => ({ file, text })),
    );
    // Act
    const parent = project.workflow("parent")?.manifest;
    // Assess
    expect(parent).toStrictEqual({
      services: ["inventory"],
      tasks: ["ServiceCall", "Emit", "AwaitSignal", "ChildInput", "ChildWorkflow"],
      children: ["child"],
      emits: ["Order Reserved"],
      triggers: {
        events: [{ source: ["shop.orders"], "detail-type": ["Order Placed"] }],
        schedules: ["rate(1 hour)"],
      },
      reads: { reserve: [], announce: [], approval: [], ship: [] },
    });
  });

  it("fails when a read written steps['a'] or in a condition is missed", () => {
    // Prepare
    const text = `workflow: reads
steps:
  - id: a
    call: svc GET /a
    idempotent: true
  - id: b-step
    call: "svc GET /b/{{ steps['a'].body.id }}"
    dependsOn: [a]
  - id: c
    when: "steps.b-step.status == 200"
    call: svc POST /c
    idempotent: true
    with: { x: "{{ steps[\\"a\\"].body }}" }
  - id: route
    choice:
      cases:
        - when: "exists steps.c.body"
          steps: [ { id: d, call: "svc GET /d/{{ steps.a.body.id }}" } ]
      otherwise: [ { id: e, succeed: {} } ]
`
      .replace("b-step", "bstep")
      .replace("b-step", "bstep");
    // Act
    const project = buildProject([{ file: "reads.yaml", text }]);
    // Assess
    expect(project.problems).toStrictEqual([]);
    expect(project.workflow("reads")?.manifest.reads).toStrictEqual({
      a: [],
      bstep: ["a"],
      c: ["a", "bstep"],
      route: ["c"],
      d: ["a"],
      e: [],
    });
  });

  it("fails when its tasks differ from the placeholders of the compiled definition", () => {
    // Prepare: the examples, the CDK fixtures, and shapes that put saga events on the bus
    const examples = readdirSync("workflows")
      .filter(isWorkflowFile)
      .map((name) => ({ file: name, text: readFileSync(join("workflows", name), "utf8") }));
    const extra = {
      "saga.yaml": `workflow: saga
steps:
  - id: a
    call: svc POST /a
    compensate: { call: svc DELETE /a }
`,
      "mapped.yaml": `workflow: mapped
steps:
  - id: m
    map:
      items: "{{ input.items }}"
      steps: [ { id: x, call: svc POST /x, compensate: { call: svc DELETE /x } } ]
`,
      "express-wait.yaml":
        "workflow: express-wait\ntype: express\nsteps:\n  - id: w\n    wait: { seconds: 1 }\n",
      "idempotent.yaml":
        "workflow: idempotent\nsteps:\n  - id: a\n    call: svc POST /a\n    idempotent: true\n",
    };
    const sources = [
      ...examples,
      ...Object.entries({ ...FIXTURE_WORKFLOWS, ...extra }).map(([file, text]) => ({ file, text })),
    ];
    // Act
    const project = buildProject(sources);
    // Assess
    expect(project.errorCount).toBe(0);
    expect(project.workflows).toHaveLength(sources.length);
    for (const w of project.workflows) {
      const placeholders = placeholdersIn(JSON.stringify(w.asl));
      const used: TaskResourceName[] = [];
      if (placeholders.includes(SUBSTITUTION_KEYS.ServiceCall)) used.push("ServiceCall");
      if (placeholders.includes(SUBSTITUTION_KEYS.EventBus)) used.push("Emit");
      if (placeholders.includes(SUBSTITUTION_KEYS.AwaitSignal)) used.push("AwaitSignal");
      if (placeholders.includes(SUBSTITUTION_KEYS.StartExecution)) used.push("ChildInput");
      if (placeholders.some((p) => p.startsWith("ChildWorkflow_"))) used.push("ChildWorkflow");
      expect([w.name, w.manifest.tasks]).toStrictEqual([w.name, used]);
    }
  });
});

describe("loadProject reads folders in name order", () => {
  it("fails when files come out of name order or sub-folders are entered", () => {
    // Prepare
    const dir = folder({ "b.yaml": ONE.replace("one", "b"), "a.yml": ONE.replace("one", "a") });
    mkdirSync(join(dir, "nested.yaml"));
    // Act
    const project = loadProject(dir);
    // Assess
    expect(project.files.map((f) => f.name)).toStrictEqual(["a", "b"]);
    expect(project.problems).toStrictEqual([]);
  });
});
