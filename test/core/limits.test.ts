import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../../lib/core/compile.ts";
import { estimateCost } from "../../lib/core/cost.ts";
import {
  deployedDefinitionBytes,
  jsonTextDepth,
  LIMITS,
  tooDeepAt,
} from "../../lib/core/limits.ts";
import { toMermaid } from "../../lib/core/mermaid.ts";
import { buildProject } from "../../lib/core/project/build.ts";
import { validateWorkflow } from "../../lib/core/validate.ts";

const get = (id: string) => ({ id, call: "svc GET /x" });
const wf = (steps: unknown, extra: Record<string, unknown> = {}) => ({
  workflow: "demo",
  ...extra,
  steps,
});
const found = (file: unknown) =>
  validateWorkflow(file).problems.map(({ code, path }) => ({ code, path }));

/** `depth` maps inside each other around one compensated call. */
function nestedMaps(depth: number): unknown {
  let steps: unknown[] = [{ id: "leaf", call: "svc POST /x", compensate: "svc DELETE /x" }];
  for (let i = depth; i >= 1; i--) {
    steps = [
      { id: `c${i}`, call: "svc POST /c", compensate: "svc DELETE /c" },
      { id: `m${i}`, map: { items: "{{ input.items }}", steps } },
    ];
  }
  return wf(steps);
}

const nestedList = (depth: number, leaf: unknown): unknown =>
  Array.from({ length: depth }).reduce<unknown>((inner) => [inner], leaf);

describe("jsonTextDepth", () => {
  it.each([
    ["1", 0],
    ['"[[["', 0],
    ["[]", 1],
    ['{"a":[1,{"b":[]}]}', 4],
    ['["\\"[", [2]]', 2],
    ["[[]] [[[]]]", 3],
  ])("counts %s as %i levels", (text, depth) => {
    expect(jsonTextDepth(text)).toEqual(depth);
  });

  it("stops counting past the limit", () => {
    // Prepare: a million levels, counted only until the limit is passed
    const text = "[".repeat(1_000_000);

    // Act / Assess
    expect(jsonTextDepth(text, 64)).toEqual(65);
  });

  it("agrees with the parsed value on random JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        const text = JSON.stringify(value);
        const depthOf = (v: unknown): number =>
          typeof v === "object" && v !== null
            ? 1 + Math.max(0, ...Object.values(v).map(depthOf))
            : 0;
        expect(jsonTextDepth(text)).toEqual(depthOf(value));
      }),
      { numRuns: 200 },
    );
  });
});

describe("tooDeepAt", () => {
  it("names the first container past the limit", () => {
    expect(tooDeepAt({ a: [{ b: { c: 1 } }] }, 3)).toEqual("/a/0/b");
    expect(tooDeepAt({ a: [{ b: { c: 1 } }] }, 4)).toBeUndefined();
  });

  it("walks 100,000 levels without recursion", () => {
    expect(tooDeepAt(nestedList(100_000, 1), 10)).toEqual("/0/0/0/0/0/0/0/0/0/0");
  });
});

describe("limits in the validator", () => {
  it("fails when the file nests more than 128 levels", () => {
    // Prepare: `with` holds lists nested past the limit
    const file = wf([{ ...get("a"), with: { deep: nestedList(200, 1) } }]);

    // Act
    const problems = found(file);

    // Assess: one problem, at the first list too deep (the file itself is level 1)
    const pointer = `/steps/0/with/deep${"/0".repeat(LIMITS.definitionDepth - 4)}`;
    expect(problems).toEqual([{ code: "E_TOO_DEEP", path: pointer }]);
  });

  it("fails when a YAML file nests too deeply for the parser, with E_TOO_DEEP and a line", () => {
    // Prepare: 5,000 flow lists exhaust the YAML parser's stack
    const text = `workflow: deep\nsteps:\n  - id: a\n    call: svc GET /x\n    with: ${"[".repeat(5000)}1${"]".repeat(5000)}\n`;

    // Act
    const [file] = buildProject([{ file: "deep.yaml", text }]).files;
    const problems = file?.problems ?? [];

    // Assess
    expect(file?.ready).toBe(false);
    expect(problems.map(({ code, line }) => ({ code, line }))).toEqual([
      { code: "E_TOO_DEEP", line: 5 },
    ]);
  });

  it("fails when steps nest more than 24 levels", () => {
    // Prepare / Act
    const problems = found(nestedMaps(LIMITS.stepNesting + 1));

    // Assess: reported once, at the first step too deep
    expect(problems).toHaveLength(1);
    expect(problems[0]?.code).toEqual("E_TOO_DEEP");
    expect(problems[0]?.path).toMatch(/\/steps\/0$/);
  });

  it("accepts 24 levels of steps (23 maps inside each other around a call)", () => {
    expect(found(nestedMaps(LIMITS.stepNesting - 1))).toEqual([]);
  });

  it("fails when a 10 MB description would make the definition exceed 1 MB, pointing at it", () => {
    // Prepare
    const file = wf([get("a")], { description: "x".repeat(10 * 1024 * 1024) });

    // Act
    const result = validateWorkflow(file);

    // Assess
    expect(result.workflow).toBeUndefined();
    expect(result.problems).toEqual([
      {
        code: "E_DEFINITION_TOO_LARGE",
        severity: "error",
        path: "/description",
        message: expect.stringMatching(/is 10\d{3} KB; Step Functions accepts at most 1024 KB$/),
        hint: "this text alone is 10240 KB: shorten it",
      },
    ]);
  });

  it("fails when many steps together exceed 1 MB, suggesting child workflows", () => {
    // Prepare: 600 compensated calls compile to well over 1 MB
    const steps = Array.from({ length: 600 }, (_, i) => ({
      id: `s${i}`,
      call: `svc POST /things/${i}`,
      compensate: `svc DELETE /things/${i}`,
    }));

    // Act
    const result = validateWorkflow(wf(steps));

    // Assess
    expect(result.problems.map(({ code, path, hint }) => ({ code, path, hint }))).toEqual([
      {
        code: "E_DEFINITION_TOO_LARGE",
        path: "",
        hint: "split it into child workflows, run by `workflow` steps",
      },
    ]);
    // ...and the figure is the deployed size: each placeholder becomes an ARN
    const unlimited = validateWorkflow(wf(steps), { maxDefinitionBytes: Number.POSITIVE_INFINITY });
    const asl = JSON.stringify(compileWorkflow(unlimited.workflow as never));
    expect(deployedDefinitionBytes(asl)).toBeGreaterThan(Buffer.byteLength(asl));
  });
});

describe("analysis of deep workflows", () => {
  it("compiles, graphs and prices the deepest accepted nesting of maps", () => {
    // Prepare: 23 nested maps (18 ran cost out of memory after two minutes before)
    const { workflow } = validateWorkflow(nestedMaps(LIMITS.stepNesting - 1));
    if (workflow === undefined) throw new Error("expected a valid workflow");

    // Act
    const asl = compileWorkflow(workflow);
    const graph = toMermaid(workflow);
    const cost = estimateCost(workflow, asl);

    // Assess: 10 assumed items per map, so the best case runs 10^23 leaf calls
    expect(graph).toContain("s_m23");
    expect(cost.best.transitions).toBeGreaterThan(1e23);
    expect(Number.isFinite(cost.worst.transitions)).toBe(true);
  }, 60_000);

  it("never throws on random step trees: a valid workflow also compiles, graphs and prices", () => {
    const leaf = fc.constantFrom<Record<string, unknown>>(
      { call: "svc GET /x" },
      { call: "svc POST /x", compensate: "svc DELETE /x" },
      { wait: { seconds: 1 } },
      { fail: { error: "Order.Rejected" } },
    );
    const step = fc.letrec<{ steps: Record<string, unknown>[] }>((tie) => ({
      steps: fc.array(
        fc.oneof(
          { depthSize: "small", maxDepth: 6 },
          leaf,
          tie("steps").map((steps) => ({ map: { items: "{{ input.items }}", steps } })),
          fc.tuple(tie("steps"), tie("steps")).map(([a, b]) => ({ parallel: [a, b] })),
          fc.tuple(tie("steps"), tie("steps")).map(([a, b]) => ({
            choice: { cases: [{ when: "input.a == 1", steps: a }], otherwise: b },
          })),
        ),
        { minLength: 1, maxLength: 3 },
      ),
    })).steps;
    let next = 0;
    const withIds = (steps: Record<string, unknown>[]): Record<string, unknown>[] =>
      steps.map((s) => {
        const id = `s${next++}`;
        if ("map" in s) {
          const map = s.map as { steps: Record<string, unknown>[] };
          return { id, map: { ...map, steps: withIds(map.steps) } };
        }
        if ("parallel" in s)
          return { id, parallel: (s.parallel as Record<string, unknown>[][]).map(withIds) };
        if ("choice" in s) {
          const choice = s.choice as {
            cases: { when: string; steps: Record<string, unknown>[] }[];
            otherwise: Record<string, unknown>[];
          };
          return {
            id,
            choice: {
              cases: choice.cases.map((c) => ({ ...c, steps: withIds(c.steps) })),
              otherwise: withIds(choice.otherwise),
            },
          };
        }
        return { id, ...s };
      });
    fc.assert(
      fc.property(step, (steps) => {
        next = 0;
        const result = validateWorkflow(wf(withIds(steps)));
        if (result.workflow === undefined) {
          expect(result.problems.length).toBeGreaterThan(0);
          return;
        }
        const asl = compileWorkflow(result.workflow);
        expect(toMermaid(result.workflow)).toContain("flowchart");
        // Pricing either succeeds or stops with the walk's documented fuse (a clear error, not a
        // crash): about 1 in 500 random trees has more paths than the cost walk will explore.
        let cost: ReturnType<typeof estimateCost> | undefined;
        try {
          cost = estimateCost(result.workflow, asl);
        } catch (error) {
          expect(String(error)).toMatch(/too many paths to estimate/);
          return;
        }
        expect(Number.isFinite(cost.best.transitions)).toBe(true);
      }),
      // A fixed seed keeps `npm test` deterministic; change it locally to explore other trees.
      { numRuns: 25, seed: 20261203 },
    );
  }, 120_000);
});
