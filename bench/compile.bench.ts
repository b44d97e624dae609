/**
 * Compile time and ASL size for generated workflows of 10, 100 and 1,000 steps, against
 * `JSON.stringify` of the same ASL measured in the same run. Target: 1,000 steps in under 100 ms.
 */
import { performance } from "node:perf_hooks";
import { compileWorkflow } from "../lib/core/compile.ts";
import { validateWorkflow } from "../lib/core/validate.ts";

/**
 * A realistic mix, repeated every 10 steps: a chain of calls with compensations, a fan-out of three
 * independent calls after step 4 and a fan-in at step 8 (`dependsOn`), and a `when` condition.
 */
function generate(steps: number): unknown {
  const dependsOn = (i: number): string[] | undefined => {
    const k = i % 10;
    if (k === 5 || k === 6 || k === 7) return [`s${i - k + 4}`];
    if (k === 8) return [`s${i - 3}`, `s${i - 2}`, `s${i - 1}`].filter((_, j) => i - 3 + j >= 0);
    return undefined;
  };
  return {
    workflow: `bench-${steps}`,
    steps: Array.from({ length: steps }, (_, i) => {
      const deps = dependsOn(i);
      const reads = deps?.[0] ?? (i > 0 ? `s${i - 1}` : undefined);
      return {
        id: `s${i}`,
        call: `svc POST /things/{{ input.id }}/${i}`,
        with: { previous: reads ? `{{ steps.${reads}.body.id }}` : "{{ input.id }}" },
        ...(deps ? { dependsOn: deps } : {}),
        ...(i % 10 === 2 ? { when: "input.amount > 10" } : {}),
        compensate: { call: `svc DELETE /things/${i}` },
      };
    }),
  };
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function time(fn: () => void, runs: number): number {
  fn(); // warm-up
  const samples = Array.from({ length: runs }, () => {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  });
  return median(samples);
}

console.log(
  "steps | validate ms | compile ms | JSON.stringify ms | compile/stringify | ASL KB | states",
);
for (const n of [10, 100, 1000]) {
  const doc = generate(n);
  // Uncapped: the 1,000-step workflow compiles to more than Step Functions accepts (1 MB).
  const unlimited = { maxDefinitionBytes: Number.POSITIVE_INFINITY };
  const { workflow, problems } = validateWorkflow(doc, unlimited);
  if (!workflow) throw new Error(`bench workflow invalid: ${JSON.stringify(problems.slice(0, 3))}`);
  const runs = n >= 1000 ? 15 : 50;
  const validateMs = time(() => validateWorkflow(doc, unlimited), runs);
  const compileMs = time(() => compileWorkflow(workflow), runs);
  const asl = compileWorkflow(workflow);
  const stringifyMs = time(() => JSON.stringify(asl), runs);
  const kb = Buffer.byteLength(JSON.stringify(asl)) / 1024;
  const states = Object.keys(asl.States).length;
  console.log(
    `${String(n).padStart(5)} | ${validateMs.toFixed(2).padStart(11)} | ${compileMs.toFixed(2).padStart(10)} | ${stringifyMs.toFixed(3).padStart(17)} | ${(compileMs / stringifyMs).toFixed(1).padStart(17)} | ${kb.toFixed(0).padStart(6)} | ${states}`,
  );
}
console.log("target: 1,000 steps compile in < 100 ms (median of 15 runs, after one warm-up)");
