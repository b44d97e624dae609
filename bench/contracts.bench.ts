/**
 * The static contract check (docs/contracts.md) on 100 workflows × 20 calls against 10 contracts,
 * beside plain validation of the same files in the same run: milliseconds per workflow for
 * `buildProject` without contracts (parse, validate, compile), with contracts, and for the check
 * alone (`checkContracts` on the parsed workflows). Each contract has 10 paths with `$ref`
 * request schemas; each call has a templated path, a body of literals and typed templates, and a
 * compensation; templates read response fields. The generated set must check clean (a check that
 * bailed out early would be cheap and wrong), and one broken call must be found.
 */
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import { type ContractSet, checkContracts } from "../lib/core/contract-check.ts";
import { readContract, type ServiceContract } from "../lib/core/contract-openapi.ts";
import type { Json, JsonObject } from "../lib/core/model.ts";
import { buildProject } from "../lib/core/project/build.ts";
import type { SourceFile } from "../lib/core/project/model.ts";

const SERVICES = 10;
const PATHS = 10;
const WORKFLOWS = 100;
const CALLS = 20;
const RUNS = 7;

function contract(s: number): ServiceContract {
  const paths: Record<string, JsonObject> = {};
  for (let p = 0; p < PATHS; p++) {
    const json = (ref: string) => ({ "application/json": { schema: { $ref: ref } } });
    paths[`/things${p}/{id}`] = {
      post: {
        requestBody: { required: true, content: json("#/components/schemas/Request") },
        responses: {
          "201": { description: "created", content: json("#/components/schemas/Thing") },
        },
      },
      delete: { responses: { "200": { description: "deleted" } } },
    };
  }
  const document: Json = {
    openapi: "3.1.0",
    info: { title: `svc${s}`, version: "1" },
    paths,
    components: {
      schemas: {
        Request: {
          type: "object",
          required: ["orderId", "amount", "kind"],
          additionalProperties: false,
          properties: {
            orderId: { type: "string", minLength: 1 },
            amount: { type: "number", exclusiveMinimum: 0 },
            kind: { type: "string", enum: ["a", "b", "c"] },
            count: { type: "integer", minimum: 1, maximum: 100 },
            tags: { type: "array", items: { type: "string", pattern: "^[a-z]+$" } },
            previous: { type: "string" },
          },
        },
        Thing: {
          type: "object",
          properties: {
            id: { type: "string" },
            status: { type: "string" },
            total: { type: "number" },
          },
        },
      },
    },
  };
  const read = readContract(`svc${s}`, `svc${s}.json`, document);
  if (!read.ok) throw new Error(read.problem);
  return read.contract;
}

function workflowText(w: number): string {
  const steps = Array.from({ length: CALLS }, (_, i) => {
    const service = `svc${(w + i) % SERVICES}`;
    const previous = i === 0 ? "{{ input.orderId }}" : `{{ steps.c${i - 1}.body.id }}`;
    return {
      id: `c${i}`,
      call: `${service} POST /things${i % PATHS}/{{ input.orderId }}`,
      with: {
        orderId: "{{ input.orderId }}",
        amount: "{{ input.amount }}",
        kind: ["a", "b", "c"][i % 3],
        count: (i % 100) + 1,
        tags: ["x", "y"],
        previous,
      },
      compensate: { call: `${service} DELETE /things${i % PATHS}/{{ steps.c${i}.body.id }}` },
      ...(i % 5 === 4 ? { when: `steps.c${i - 1}.body.status == 'ok'` } : {}),
    };
  });
  return stringify({
    workflow: `bench-${w}`,
    input: {
      type: "object",
      required: ["orderId", "amount"],
      properties: { orderId: { type: "string" }, amount: { type: "number" } },
    },
    steps,
    output: { last: `{{ steps.c${CALLS - 1}.body.total }}` },
  });
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/**
 * Medians of `RUNS` rounds, each timing every pipeline once, in turn: the machine is shared, so
 * interleaving keeps a busy moment from landing on one pipeline only.
 */
function interleaved(fns: readonly (() => void)[]): number[] {
  for (const fn of fns) fn(); // warm-up
  const samples = fns.map(() => [] as number[]);
  for (let r = 0; r < RUNS; r++) {
    fns.forEach((fn, i) => {
      const t0 = performance.now();
      fn();
      samples[i]?.push(performance.now() - t0);
    });
  }
  return samples.map(median);
}

const contracts: ContractSet = new Map(
  Array.from({ length: SERVICES }, (_, s) => [`svc${s}`, contract(s)] as const),
);
const sources: SourceFile[] = Array.from({ length: WORKFLOWS }, (_, w) => ({
  file: `bench-${w}.yaml`,
  text: workflowText(w),
}));
const withContracts = { contracts: { contracts, problems: [] } };

// The set must check clean, every workflow compile, and a broken call be found.
const checked = buildProject(sources, withContracts);
if (checked.errorCount + checked.warningCount > 0 || checked.workflows.length !== WORKFLOWS) {
  throw new Error(`bench set is not clean: ${JSON.stringify(checked.problems.slice(0, 3))}`);
}
const broken = buildProject(
  [{ file: "broken.yaml", text: workflowText(0).replace("kind: a", "kind: z") }],
  withContracts,
);
if (!broken.problems.some((p) => p.problem.code === "E_CONTRACT_BODY")) {
  throw new Error("the check missed a body outside its enum");
}
const parsed = checked.workflows.map((w) => ({ workflow: w.workflow, source: w.source }));

const [plainMs = 0, contractMs = 0, checkMs = 0] = interleaved([
  () => buildProject(sources),
  () => buildProject(sources, withContracts),
  () => {
    for (const { workflow, source } of parsed) checkContracts(workflow, source, contracts);
  },
]);

const per = (ms: number) => (ms / WORKFLOWS).toFixed(3);
console.log(
  `${WORKFLOWS} workflows × ${CALLS} calls (each with a compensation) against ${SERVICES} contracts of ${PATHS} paths; median of ${RUNS} interleaved rounds after a warm-up`,
);
console.log("pipeline                              | ms total | ms / workflow | vs plain");
console.log(
  `plain validation (parse, validate, compile) | ${plainMs.toFixed(1).padStart(8)} | ${per(plainMs).padStart(13)} | 1.00×`,
);
console.log(
  `with the contract check                | ${contractMs.toFixed(1).padStart(8)} | ${per(contractMs).padStart(13)} | ${(contractMs / plainMs).toFixed(2)}×`,
);
console.log(
  `the contract check alone               | ${checkMs.toFixed(1).padStart(8)} | ${per(checkMs).padStart(13)} | ${(checkMs / plainMs).toFixed(2)}×`,
);
