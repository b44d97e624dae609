/**
 * The random-DAG property shared by the default suite (`dag.property.test.ts`, a few graphs) and
 * the slow suite (`dag.slow.test.ts`, many and larger graphs): any dependency graph validates,
 * compiles, and runs every step exactly once, after all of its dependencies.
 */
import fc from "fast-check";
import { expect } from "vitest";
import { compileWorkflow } from "../../lib/core/compile.ts";
import { validateWorkflow } from "../../lib/core/validate.ts";
import { flowMachine, runFlow } from "../support/flow.ts";

export interface RandomDagOptions {
  /** How many graphs fast-check generates. */
  readonly graphs: number;
  readonly maxSteps: number;
  /** Each graph's machine is built once (building validates the ASL, the slow part) and run
   * under this many random delay schedules, so different interleavings hit the same graph. */
  readonly schedulesPerGraph: number;
}

/** Step i may depend on any steps before it in creation order; file order is shuffled. */
function dagArbitrary(maxSteps: number, schedules: number) {
  return fc.integer({ min: 1, max: maxSteps }).chain((n) =>
    fc.record({
      deps: fc.tuple(
        ...Array.from({ length: n }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => j))),
      ),
      order: fc.shuffledSubarray(
        Array.from({ length: n }, (_, i) => i),
        { minLength: n, maxLength: n },
      ),
      schedules: fc.array(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
        {
          minLength: schedules,
          maxLength: schedules,
        },
      ),
    }),
  );
}

export async function checkRandomDags(options: RandomDagOptions): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      dagArbitrary(options.maxSteps, options.schedulesPerGraph),
      async ({ deps, order, schedules }) => {
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
        const asl = compileWorkflow(workflow);
        const machine = flowMachine(asl);

        for (const delays of schedules) {
          const log: string[] = [];

          // Act
          const result = await runFlow(
            asl,
            {},
            {
              machine,
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
        }
      },
    ),
    { numRuns: options.graphs },
  );
}
