/**
 * What a Baton saga costs in AWS against the same saga wired by hand (`bench/cost/scenarios.ts`):
 * both machines run in the local engine for the success path and every failure point, counting
 * state transitions, Lambda invocations and putEvents Tasks; Baton's records, events, API request
 * and logs are added from its records design (`USAGE_MODEL` in lib/core/execution-cost.ts) and
 * everything is priced at the list prices of `lib/core/pricing.ts`. The hand-wired machine has
 * only its state machine and Lambda functions (no records, events or API). The last column checks
 * `baton cost` (a walk of the same ASL, no engine) against the engine's counts.
 *
 * Exit code 1 if `baton cost` is more than 5 % off the bench on any path.
 */
import { compileWorkflow } from "../lib/core/compile.ts";
import {
  batonUsage,
  type DeploymentOptions,
  type ExecutionUsage,
  failurePoints,
  type MachineCounts,
  pathCosts,
  priced,
  recordsUnits,
  USAGE_MODEL,
} from "../lib/core/execution-cost.ts";
import { initialState } from "../lib/core/execution-state.ts";
import type { Json } from "../lib/core/model.ts";
import { PRICES } from "../lib/core/pricing.ts";
import { validateWorkflow } from "../lib/core/validate.ts";
import { countRun, engineMachine } from "./cost/engine-count.ts";
import { measureRecords } from "./cost/records-units.ts";
import { fanOut, linear, mapSaga, type Scenario } from "./cost/scenarios.ts";

const deployment: DeploymentOptions = {
  type: "standard",
  memoryMb: 256,
  architecture: "arm64",
  logLevel: "ERROR",
  callMs: 100,
};

/** The hand-wired machine's usage: its transitions and Lambda invocations, nothing else. */
function referenceUsage(counts: MachineCounts): ExecutionUsage {
  return {
    transitions: counts.transitions,
    durationMs: counts.durationMs,
    serviceCalls: counts.calls,
    recordsInvocations: 0,
    apiRequests: 0,
    events: 0,
    writeUnits: 0,
    readUnits: 0,
    logBytes: counts.calls * 300 + (counts.failed ? 2 * 600 : 0),
    failed: counts.failed,
  };
}

const START_TIME = "2026-01-01T00:00:00.000Z";
const pad = (v: string | number, n: number) => String(v).padStart(n);
const ratio = (a: number, b: number) => (b === 0 ? "-" : (a / b).toFixed(2));

let offBy = 0;
const worst: { success: number; failure: number } = { success: 0, failure: 0 };
/** Lambda invocations over every path: Baton (records one batch per execution, or its share of full batches under load) and hand-wired. */
const invocations = { baton: 0, batonBusy: 0, hand: 0, worst: 0 };
console.log(
  `Prices: ${PRICES.region}, list prices from ${PRICES.asOf}; Standard workflows, Lambda ${deployment.memoryMb} MB ${deployment.architecture}, logs at ${deployment.logLevel}, ${deployment.callMs} ms per call`,
);
console.log(
  "scenario         | path         | transitions B/H (ratio) | Lambda B/H | events | WRU/RRU  | $/M Baton | $/M hand | total ratio | SFN ratio | baton cost Δ",
);
for (const scenario of [linear(3), linear(5), linear(10), fanOut(), mapSaga(10)] as Scenario[]) {
  const { workflow, problems } = validateWorkflow(scenario.workflow);
  if (!workflow) throw new Error(`${scenario.name}: ${JSON.stringify(problems.slice(0, 3))}`);
  const asl = compileWorkflow(workflow);
  const baton = engineMachine(asl);
  const reference = engineMachine(scenario.reference);
  const options = { ...deployment, mapItems: scenario.mapItems };
  const walked = new Map(pathCosts(asl, options).map((p) => [p.path, p]));
  for (const failAt of [undefined, ...failurePoints(asl)]) {
    const path = failAt === undefined ? "success" : `${failAt} fails`;
    const run = {
      input: scenario.input,
      callMs: deployment.callMs ?? 100,
      ...(failAt === undefined ? {} : { failAt }),
    };
    // Baton's runs start as the API starts them: with the execution state built.
    const started = { ...run, input: initialState("cost-1", scenario.input as Json, START_TIME) };
    const b = priced(path, batonUsage(await countRun(asl, baton, started), options), options);
    const h = priced(
      path,
      referenceUsage(await countRun(scenario.reference, reference, run)),
      options,
    );
    const cost = walked.get(path);
    const delta =
      cost === undefined
        ? Number.POSITIVE_INFINITY
        : Math.abs(cost.usdPerMillion / b.usdPerMillion - 1);
    if (delta > 0.05) offBy++;
    const r = b.usdPerMillion / h.usdPerMillion;
    const key = failAt === undefined ? "success" : "failure";
    if (scenario.name.startsWith("linear"))
      worst[key] = Math.max(worst[key], b.usage.transitions / h.usage.transitions);
    const batonInvocations =
      b.usage.serviceCalls + b.usage.recordsInvocations + b.usage.apiRequests;
    invocations.baton += batonInvocations;
    invocations.batonBusy +=
      batonInvocations - b.usage.recordsInvocations + b.usage.events / USAGE_MODEL.recordsBatchSize;
    invocations.hand += h.usage.serviceCalls;
    invocations.worst = Math.max(invocations.worst, batonInvocations / h.usage.serviceCalls);
    console.log(
      [
        scenario.name.padEnd(16),
        path.padEnd(12),
        `${pad(b.usage.transitions, 4)} / ${pad(h.usage.transitions, 3)} (${ratio(b.usage.transitions, h.usage.transitions)})`.padEnd(
          23,
        ),
        `${pad(b.usage.serviceCalls + b.usage.recordsInvocations + b.usage.apiRequests, 3)} / ${pad(h.usage.serviceCalls, 3)}`.padEnd(
          10,
        ),
        pad(b.usage.events, 6),
        `${b.usage.writeUnits}/${b.usage.readUnits}`.padEnd(8),
        pad(b.usdPerMillion.toFixed(0), 9),
        pad(h.usdPerMillion.toFixed(0), 8),
        pad(r.toFixed(2), 11),
        pad(ratio(b.usd.stepFunctions, h.usd.stepFunctions), 9),
        pad(`${(delta * 100).toFixed(1)} %`, 12),
      ].join(" | "),
    );
  }
}
console.log(
  `linear sagas, worst transition ratio: success ${worst.success.toFixed(2)} (target <= 1.0), failure ${worst.failure.toFixed(2)} (target <= 1.2)`,
);
console.log(
  `Lambda invocations over all paths, Baton / hand-wired: ${(invocations.baton / invocations.hand).toFixed(2)} with one records invocation per execution (an idle queue), ${(invocations.batonBusy / invocations.hand).toFixed(2)} under load (records batches of ${USAGE_MODEL.recordsBatchSize} messages); worst path ${invocations.worst.toFixed(2)} (target <= 1.5 overall)`,
);
console.log(
  "B = Baton, H = hand-wired; Lambda B counts service-call + records + API invocations; $/M per million executions",
);
console.log(
  "\nRecords per execution, measured: the API's start write, then the events the records queue carries replayed through the records function's batch path on DynamoDB (dynalite), units from item sizes (bench/cost/records-units.ts). batched: the execution's events in one queue batch; per event: one invocation per event (worst case). model: USAGE_MODEL (one batch)",
);
console.log(
  "steps | path        | events | delivery  | invocations | requests | WRU | RRU | WRU model | RRU model | WRU target (2/step + 4)",
);
for (const n of [5, 10, 20]) {
  const scenario = linear(n);
  for (const failAt of [undefined, `s${n}`]) {
    for (const delivery of ["batched", "per event"] as const) {
      const m = await measureRecords(JSON.stringify(scenario.workflow), {}, failAt, delivery);
      const model = recordsUnits(m.events, true);
      console.log(
        [
          pad(n, 5),
          (failAt === undefined ? "success" : `${failAt} fails`).padEnd(11),
          pad(m.events, 6),
          delivery.padEnd(9),
          pad(m.invocations, 11),
          pad(m.requests, 8),
          pad(m.writeUnits, 3),
          pad(m.readUnits, 3),
          pad(delivery === "batched" ? model.writeUnits : "-", 9),
          pad(delivery === "batched" ? model.readUnits : "-", 9),
          `${pad(2 * n + 4, 3)} ${m.writeUnits <= 2 * n + 4 ? "met" : "NOT met"}`,
        ].join(" | "),
      );
    }
  }
}
if (offBy > 0) {
  console.log(`baton cost is more than 5 % off the engine's count on ${offBy} path(s)`);
  process.exitCode = 1;
}
