/**
 * Synth time of the Baton stack for 1, 10 and 50 generated workflows, and how it grows.
 *
 *   tsx bench/synth.bench.ts [--bundle] [--runs 3]
 *
 * Each size is measured `runs` times after one warm-up and the fastest run is kept; phases are
 * load+compile (YAML → ASL), construct (the CDK tree) and synth (template + cdk-nag). Handler
 * bundling is skipped unless `--bundle` is given: it costs the same for any number of workflows.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { BatonStack } from "../lib/cdk/baton-stack.ts";
import { loadCompiledWorkflows } from "../lib/cdk/compiled-workflows.ts";
import { readBatonConfig } from "../lib/cdk/config.ts";

process.env.CDK_VALIDATION ??= "false";
const SIZES = [1, 10, 50] as const;
const args = process.argv.slice(2);
const bundle = args.includes("--bundle");
const runs = Number(args[args.indexOf("--runs") + 1] ?? 3) || 3;

/** A saga like the examples: three calls with compensation, an emit, a parallel pair, a trigger. */
function workflowYaml(i: number): string {
  return `workflow: generated-${i}
version: ${1 + (i % 4)}
description: Generated workflow ${i}
timeout: 900
triggers:
  - event: { source: [bench.source], detailType: [Thing ${i} Happened] }
steps:
  - id: reserve
    call: inventory POST /reservations
    with: { orderId: "{{ input.orderId }}" }
    compensate:
      call: inventory DELETE /reservations/{{ steps.reserve.body.id }}
  - id: charge
    call: payments POST /charges
    with: { orderId: "{{ input.orderId }}", amount: "{{ input.amount }}" }
    retry: { maxAttempts: 5 }
    compensate: { call: payments POST /refunds, with: { chargeId: "{{ steps.charge.body.id }}" } }
  - id: notify
    parallel:
      - - id: email
          call: mail POST /send
          idempotent: true
      - - id: sms
          call: sms POST /send
          idempotent: true
  - id: ship
    call: shipping POST /shipments
    when: input.amount < 10000
    idempotent: true
  - id: done
    emit: { detailType: Order Done, detail: { orderId: "{{ input.orderId }}" } }
`;
}

interface Timing {
  readonly load: number;
  readonly construct: number;
  readonly synth: number;
  readonly total: number;
}

function measure(dir: string): Timing {
  const t0 = performance.now();
  const { workflows } = loadCompiledWorkflows(dir);
  const t1 = performance.now();
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), "baton-bench-out-")),
    context: { "baton:workflowsDir": dir, ...(bundle ? {} : { "aws:cdk:bundling-stacks": [] }) },
  });
  new BatonStack(app, "Baton-bench", { config: readBatonConfig(app.node), workflows });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const t2 = performance.now();
  app.synth();
  const t3 = performance.now();
  rmSync(app.outdir, { recursive: true, force: true });
  return { load: t1 - t0, construct: t2 - t1, synth: t3 - t2, total: t3 - t0 };
}

function folderWith(count: number): string {
  const dir = mkdtempSync(join(tmpdir(), `baton-bench-${count}-`));
  for (let i = 1; i <= count; i++) writeFileSync(join(dir, `generated-${i}.yaml`), workflowYaml(i));
  return dir;
}

const fastest = (timings: readonly Timing[]): Timing =>
  timings.reduce((best, t) => (t.total < best.total ? t : best));

const ms = (value: number): string => `${value.toFixed(0).padStart(7)} ms`;

const dirs = new Map(SIZES.map((n) => [n, folderWith(n)]));
measure(dirs.get(1) ?? ""); // warm-up: module loading and JIT
const results = SIZES.map((n) => ({
  n,
  timing: fastest(Array.from({ length: runs }, () => measure(dirs.get(n) ?? ""))),
}));
for (const dir of dirs.values()) rmSync(dir, { recursive: true, force: true });

console.log(
  `Baton synth benchmark (${bundle ? "with" : "without"} bundling, fastest of ${runs} runs)`,
);
console.log("workflows     load+compile    construct        synth        total");
for (const { n, timing } of results) {
  console.log(
    `${String(n).padStart(9)} ${ms(timing.load)}   ${ms(timing.construct)}   ${ms(timing.synth)}   ${ms(timing.total)}`,
  );
}
const base = results[0]?.timing.total ?? 1;
const at = (n: number): number => results.find((r) => r.n === n)?.timing.total ?? Number.NaN;
console.log(
  `growth vs 1 workflow: x${(at(10) / base).toFixed(2)} at 10, x${(at(50) / base).toFixed(2)} at 50`,
);
console.log(`marginal cost per workflow (1 → 50): ${((at(50) - base) / 49).toFixed(1)} ms`);
