/**
 * The circuit breaker under transient faults: N executions (default 40) of `order-fulfillment`
 * (reserve → charge → ship, compensated in reverse) through the whole `baton dev` server against
 * the demo services, every request failing with 503 at 0, 5, 10 and 20 %, with the breaker on
 * (the default circuit) and off (a circuit that never opens), side by side. Real retry delays.
 *
 * Prints completion (executions SUCCEEDED) and, at the services, calls received and the share
 * answered without a 5xx. Target: at ≤ 10 % faults the breaker on completes at least as many
 * executions as the breaker off; the exit code is 1 otherwise.
 *
 *   npx tsx bench/simulate.bench.ts          # BENCH_EXECUTIONS=10 for a quick run
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { type DemoServices, startDemoServices } from "../lib/local/demo/services.ts";
import { startDevServer } from "../lib/local/server.ts";

const EXECUTIONS = Number(process.env.BENCH_EXECUTIONS ?? 40);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const FAULT_RATES = [0, 0.05, 0.1, 0.2] as const;
const WORKFLOWS = join(import.meta.dirname, "..", "workflows");
const INPUT = {
  orderId: "o-1",
  customerId: "c-1",
  sku: "sku-1",
  quantity: 1,
  amount: 42,
  currency: "EUR",
};
/** A circuit that never opens (the validator's largest minimumCalls at a 100 % rate). */
const BREAKER_OFF = { failureRateThreshold: 100, minimumCalls: 10_000 };

interface RunResult {
  readonly succeeded: number;
  readonly statuses: Record<string, number>;
  readonly received: number;
  readonly answered: number;
  readonly seconds: number;
}

async function servicesFile(dir: string, demo: DemoServices, breaker: boolean): Promise<string> {
  const seed = parse(demo.servicesYaml()) as { services: Record<string, unknown>[] };
  const services = seed.services.map((service) =>
    breaker ? service : { ...service, circuit: BREAKER_OFF },
  );
  const file = join(dir, `services-${breaker ? "on" : "off"}.json`);
  await writeFile(file, JSON.stringify({ services }));
  return file;
}

async function run(demo: DemoServices, faultRate: number, breaker: boolean): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), "baton-simulate-"));
  for (const service of demo.services.values()) {
    service.clearCalls();
    await fetch(`${service.url}/__control`, {
      method: "POST",
      body: JSON.stringify({ reset: true, failureRate: faultRate, failStatus: 503 }),
    });
  }
  const server = await startDevServer({
    port: 0,
    workflowsDir: WORKFLOWS,
    servicesFile: await servicesFile(dir, demo, breaker),
    dataDir: join(dir, "data"),
    healthCheckSeconds: 3600,
    log: process.env.BENCH_DEBUG ? (l) => process.stderr.write(`${l}\n`) : () => {},
    out: () => {},
  });
  const started = performance.now();
  try {
    const statuses: Record<string, number> = {};
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < EXECUTIONS) {
        next += 1;
        const status = await execute(server.url);
        if (process.env.BENCH_DEBUG) process.stderr.write(`${status} `);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const calls = [...demo.services.values()].flatMap((service) => service.calls());
    return {
      succeeded: statuses.SUCCEEDED ?? 0,
      statuses,
      received: calls.length,
      answered: calls.filter((call) => call.status < 500).length,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Starts one execution and waits for its final status. */
async function execute(url: string): Promise<string> {
  const response = await fetch(`${url}/workflows/order-fulfillment/executions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(INPUT),
  });
  const { id } = (await response.json()) as { id: string };
  const deadline = Date.now() + 600_000;
  for (;;) {
    const doc = (await (await fetch(`${url}/executions/${id}`)).json()) as {
      status: string;
      compensation?: string;
    };
    if (doc.status !== "RUNNING" && doc.compensation !== "RUNNING") return doc.status;
    if (Date.now() > deadline) return "STUCK";
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const percent = (part: number, whole: number): string =>
  whole === 0 ? "-" : `${((100 * part) / whole).toFixed(1)} %`;

async function main(): Promise<void> {
  const demo = await startDemoServices({ basePort: 0 });
  const rows: string[] = [];
  let regression = false;
  try {
    for (const faultRate of FAULT_RATES) {
      const on = await run(demo, faultRate, true);
      const off = await run(demo, faultRate, false);
      if (faultRate <= 0.1 && on.succeeded < off.succeeded) regression = true;
      const cells = (r: RunResult) =>
        `${percent(r.succeeded, EXECUTIONS).padStart(8)} ${percent(r.answered, r.received).padStart(8)} ${String(r.received).padStart(6)} ${r.seconds.toFixed(0).padStart(4)} s`;
      rows.push(`${`${faultRate * 100} %`.padStart(6)} | ${cells(on)} | ${cells(off)}`);
      process.stderr.write(
        `faults ${faultRate}: on ${JSON.stringify(on.statuses)} off ${JSON.stringify(off.statuses)}\n`,
      );
    }
  } finally {
    await demo.close();
  }
  console.log(
    `${EXECUTIONS} executions of order-fulfillment per cell, concurrency ${CONCURRENCY}, every request failing with 503 at the given rate`,
  );
  console.log("faults |        breaker on (default circuit)     |      breaker off (never opens)");
  console.log("       | complete  no 5xx  calls time     | complete  no 5xx  calls time");
  for (const row of rows) console.log(row);
  if (regression) {
    console.log("\nFAIL: at ≤ 10 % faults the breaker on completed fewer executions than off");
    process.exitCode = 1;
  }
}

await main();
