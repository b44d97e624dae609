/**
 * `PUT /workflows/{name}` to the first runnable execution on `baton dev`, against a start of an
 * already published version measured in the same run (the baseline):
 *   put       PUT of a changed 3-step workflow (validate, compile, prepare the local machine, store);
 *   put→201   that PUT, then POST /workflows/{name}/executions answering 201 (the new version runs);
 *   put→done  the same, until the execution is SUCCEEDED;
 *   start     POST …/executions of the unchanged current version (baseline), and start→done.
 * Median and p95 of BENCH_ROUNDS rounds (default 30) over real HTTP.
 *
 *   npx tsx bench/control-plane.bench.ts
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startDemoServices } from "../lib/local/demo/services.ts";
import { startDevServer } from "../lib/local/server.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);

const source = (round: number): string => `workflow: bench-flow
description: round ${round}
steps:
  - id: reserve
    call: inventory POST /reservations
    with: { orderId: "o-${round}", quantity: 1 }
    idempotent: true
  - id: charge
    call: payments POST /charges
    with: { orderId: "o-${round}", amount: 5 }
    idempotent: true
  - id: ship
    call: shipping POST /shipments
    with: { orderId: "o-${round}" }
    idempotent: true
`;

const stats = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { median: Number(at(0.5).toFixed(1)), p95: Number(at(0.95).toFixed(1)) };
};

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "baton-cp-bench-"));
  const demo = await startDemoServices({ basePort: 0 });
  await writeFile(join(dir, "services.yaml"), demo.servicesYaml());
  await mkdir(join(dir, "workflows"));
  const server = await startDevServer({
    port: 0,
    workflowsDir: join(dir, "workflows"),
    servicesFile: join(dir, "services.yaml"),
    dataDir: join(dir, "data"),
    log: () => {},
    out: () => {},
  });
  const call = async (method: string, path: string, body?: string, type = "application/json") => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { "content-type": type },
      ...(body === undefined ? {} : { body }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const done = async (id: string): Promise<void> => {
    for (;;) {
      const { body } = await call("GET", `/executions/${id}`);
      if (body.status === "SUCCEEDED") return;
      if (body.status !== "RUNNING")
        throw new Error(`execution ${id} ended ${String(body.status)}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };
  const start = async (): Promise<string> => {
    const started = await call("POST", "/workflows/bench-flow/executions", "{}");
    if (started.status !== 201) throw new Error(`start answered ${started.status}`);
    return String(started.body.id);
  };
  const rows = { put: [] as number[], putTo201: [] as number[], putToDone: [] as number[] };
  const base = { start: [] as number[], startToDone: [] as number[] };
  try {
    await call("PUT", "/workflows/bench-flow", source(0), "application/yaml");
    for (let round = 1; round <= ROUNDS; round++) {
      const t0 = performance.now();
      const put = await call("PUT", "/workflows/bench-flow", source(round), "application/yaml");
      if (put.body.version !== round + 1)
        throw new Error(`PUT published ${String(put.body.version)}`);
      const t1 = performance.now();
      const id = await start();
      const t2 = performance.now();
      await done(id);
      const t3 = performance.now();
      rows.put.push(t1 - t0);
      rows.putTo201.push(t2 - t0);
      rows.putToDone.push(t3 - t0);
      const b0 = performance.now();
      const again = await start();
      const b1 = performance.now();
      await done(again);
      base.start.push(b1 - b0);
      base.startToDone.push(performance.now() - b0);
    }
    const startMedian = stats(base.start).median;
    const doneMedian = stats(base.startToDone).median;
    console.log(`baton dev, ${ROUNDS} rounds, 3-step workflow (ms)`);
    console.table({
      "PUT (publish)": {
        ...stats(rows.put),
        "x start": +(stats(rows.put).median / startMedian).toFixed(1),
      },
      "PUT → 201 start": {
        ...stats(rows.putTo201),
        "x start": +(stats(rows.putTo201).median / startMedian).toFixed(1),
      },
      "PUT → SUCCEEDED": {
        ...stats(rows.putToDone),
        "x start": +(stats(rows.putToDone).median / doneMedian).toFixed(1),
      },
      "start (baseline)": { ...stats(base.start), "x start": 1 },
      "start → SUCCEEDED (baseline)": { ...stats(base.startToDone), "x start": 1 },
    });
  } finally {
    await server.stop();
    await demo.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
