/**
 * The saga guarantee under faults (issue 10): N executions (default 1,000) of a 3-step saga, a
 * fan-out with fan-in, a map with compensations and the saga under a concurrency limit (2 per
 * tenant, issue 13), at concurrency 20, through the whole
 * `baton dev` server (HTTP API, engine, real handlers, records in dynalite) against ledger
 * services that honour `Idempotency-Key` and fail at random (503, 429, answers after the step
 * timeout, an instance up and down in turn that refuses connections), with one fixed seed.
 *
 * Run twice: idle, then with every CPU saturated by busy worker threads beside it. Prints, per
 * workflow and run, lost / stuck executions, leaked / doubled effects, wrong statuses and
 * compensation-order violations (see bench/fault-matrix/check.ts for the exact rules), then
 * examples of each finding, and for the limited saga: starts queued, the most running per tenant
 * and the slots left held or queued at the end (`slots` column). Target: all 0 in both runs
 * (and at most 2 running); the exit code is 1 otherwise.
 *
 * Then a crash run: `baton dev` as a child process, `kill -9` mid-run, restarted on its data dir;
 * prints lost / stuck / out-of-order (and the other classes) after the restart (target: all 0).
 *
 *   npx tsx bench/fault-matrix.bench.ts     # BENCH_EXECUTIONS=150 for a quick run; BENCH_SEED=n;
 *                                           # BENCH_CRASH_EXECUTIONS (default 50);
 *                                           # BENCH_RUNS=idle,loaded,crash (default all three)
 */
import { availableParallelism, cpus } from "node:os";
import { performance } from "node:perf_hooks";
import { startBusyLoop } from "./fault-matrix/busy-loop.ts";
import { runCrashRecovery } from "./fault-matrix/crash.ts";
import { DEFAULT_FAULTS, FLAPPING, type MatrixResult, runMatrix } from "./fault-matrix/matrix.ts";
import {
  anyDefect,
  causeLines,
  defectTable,
  exampleFindings,
  limitLine,
  type NamedRun,
  statusLines,
} from "./fault-matrix/report.ts";
import { STEP_TIMEOUT_SECONDS } from "./fault-matrix/workflows.ts";

const EXECUTIONS = Number(process.env.BENCH_EXECUTIONS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const SEED = Number(process.env.BENCH_SEED ?? 7);
const LIVE_INSTANCES = 5;
const RUNS = new Set(
  (process.env.BENCH_RUNS ?? "idle,loaded,crash").split(",").map((r) => r.trim()),
);
/** The busy loop stops on its own after this, whatever happens to the run. */
const BUSY_LIMIT_MS = 15 * 60_000;

async function run(name: string, loaded: boolean): Promise<NamedRun> {
  const busy = loaded ? startBusyLoop({ maxMs: BUSY_LIMIT_MS }) : undefined;
  try {
    const result: MatrixResult = await runMatrix({
      executions: EXECUTIONS,
      concurrency: CONCURRENCY,
      seed: SEED,
      liveInstances: LIVE_INSTANCES,
      onProgress: (finished) => {
        if (finished % 100 === 0) process.stderr.write(`${name}: ${finished}/${EXECUTIONS}\n`);
      },
    });
    return { name, result };
  } finally {
    await busy?.stop();
  }
}

async function main(): Promise<void> {
  // Handler warnings (e.g. circuit write contention) are counted, not printed between the tables.
  let warnings = 0;
  const warn = console.warn;
  console.warn = () => {
    warnings += 1;
  };
  const t0 = performance.now();
  const runs: NamedRun[] = [];
  try {
    if (RUNS.has("idle")) runs.push(await run("idle", false));
    if (RUNS.has("loaded"))
      runs.push(await run(`loaded (${availableParallelism()} busy threads)`, true));
  } finally {
    console.warn = warn;
  }
  const totalMs = performance.now() - t0;

  console.log(
    `${EXECUTIONS} executions per run (fm-saga, fm-fanout, fm-map, fm-limited in turn), concurrency ${CONCURRENCY}, seed ${SEED}; ` +
      `faults per request: 503 ${DEFAULT_FAULTS.serverError}, 429 ${DEFAULT_FAULTS.tooManyRequests}, ` +
      `late answer (applied, answered after the ${STEP_TIMEOUT_SECONDS} s step timeout) ${DEFAULT_FAULTS.timeout}; ` +
      `1 instance in ${LIVE_INSTANCES + 1} up ${FLAPPING.openMs} ms / down ${FLAPPING.closedMs} ms in turn (refused, reset); ${cpus().length} CPUs (${cpus()[0]?.model ?? "unknown"})\n`,
  );
  console.log(defectTable(runs));
  console.log(
    "\nlost/stuck/wrong/order count executions; leaked and doubled count effects (bench/fault-matrix/check.ts); slots: concurrency slots of fm-limited still held or queued after every execution ended",
  );
  for (const { name, result } of runs) {
    const c = result.counters;
    console.log(
      `\n${name}: ${(result.ms / 1000).toFixed(1)} s, ${((result.executions / result.ms) * 1000).toFixed(1)} executions/s; ` +
        `${c.requests} requests at the services (${c.serverErrors} 503, ${c.tooManyRequests} 429, ${c.lateAnswers} late, ${c.replays} replayed keys)` +
        (result.startFailures > 0 ? `; ${result.startFailures} starts refused` : ""),
    );
    const attempts = Object.entries(result.attemptErrors)
      .sort(([, a], [, b]) => b - a)
      .map(([cause, n]) => `${cause} ${n}`)
      .join(", ");
    console.log(`  failed attempts: ${attempts}`);
    for (const line of statusLines({ name, result })) console.log(line);
    console.log(limitLine({ name, result }));
    for (const line of causeLines(result.findings)) console.log(line);
    for (const line of exampleFindings(result.findings)) console.log(line);
  }
  console.log(
    `\ntotal run time ${(totalMs / 1000).toFixed(1)} s; ${warnings} handler warnings (not printed)`,
  );
  const crash = RUNS.has("crash") ? await crashRun() : false;
  const failed = runs.some((r) => anyDefect(r.result)) || crash;
  console.log(failed ? "DEFECTS FOUND (target: all 0)" : "all 0 in every run");
  if (failed) process.exitCode = 1;
}

/** `kill -9` of `baton dev` mid-run and a restart on its data dir (bench/fault-matrix/crash.ts). */
async function crashRun(): Promise<boolean> {
  const executions = Number(process.env.BENCH_CRASH_EXECUTIONS ?? 50);
  const r = await runCrashRecovery({ executions, seed: SEED });
  const t = r.totals;
  console.log(
    `\nkill -9 mid-run (${r.executions} executions, baton dev as a child process, real delays): ` +
      `${r.finishedBeforeKill} recorded final before the kill, ${r.undosBeforeKill} undos done; ` +
      `${r.recoveryLog.join("; ") || "none running at the kill"}; all settled ${(r.restartToSettledMs / 1000).toFixed(1)} s after the restart`,
  );
  console.log(
    `  lost ${t.lost}, stuck ${t.stuck}, out-of-order compensations ${t.order}, leaked ${t.leaked}, doubled ${t.doubled}, wrong ${t.wrong}`,
  );
  for (const line of exampleFindings(r.findings)) console.log(line);
  return Object.values(t).some((n) => n > 0);
}

await main();
