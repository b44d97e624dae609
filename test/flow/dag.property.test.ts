import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../../lib/core/compile.ts";
import { validateWorkflow } from "../../lib/core/validate.ts";
import { runFlow } from "../support/flow.ts";

/** A random DAG: step i may depend on any steps before it in creation order; file order is shuffled. */
const dagArbitrary = fc.integer({ min: 1, max: 7 }).chain((n) =>
  fc.record({
    deps: fc.tuple(
      ...Array.from({ length: n }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => j))),
    ),
    order: fc.shuffledSubarray(
      Array.from({ length: n }, (_, i) => i),
      { minLength: n, maxLength: n },
    ),
    delays: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
  }),
);

describe("property: random dependency graphs", () => {
  it("validate, compile, and run every step exactly once after its dependencies", async () => {
    await fc.assert(
      fc.asyncProperty(dagArbitrary, async ({ deps, order, delays }) => {
        // Prepare
        const id = (i: number) => `s${i}`;
        const doc = {
          workflow: "random-dag",
          steps: order.map((i) => ({
            id: id(i),
            call: `svc GET /${id(i)}`,
            dependsOn: (deps[i] ?? []).map(id),
          })),
        };
        const { workflow, problems } = validateWorkflow(doc);
        expect(problems.filter((p) => p.severity === "error")).toEqual([]);
        if (!workflow) throw new Error("no workflow");
        const log: string[] = [];

        // Act
        const result = await runFlow(
          compileWorkflow(workflow),
          {},
          {
            services: {
              svc: async (req) => {
                log.push(`start ${req.stepId}`);
                await new Promise((r) => setTimeout(r, delays[Number(req.stepId.slice(1))] ?? 0));
                log.push(`end ${req.stepId}`);
                return { body: {} };
              },
            },
          },
        );

        // Assess
        expect(result.status).toBe("SUCCEEDED");
        for (let i = 0; i < order.length; i++) {
          expect(log.filter((l) => l === `start ${id(i)}`)).toHaveLength(1);
          for (const d of deps[i] ?? []) {
            expect(log.indexOf(`end ${id(d)}`)).toBeLessThan(log.indexOf(`start ${id(i)}`));
          }
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
