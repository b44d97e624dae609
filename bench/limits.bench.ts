/**
 * Workflow concurrency limits in `baton dev` (the same slot store and use cases as AWS, on
 * dynalite), measured in one run:
 *   1. overhead at low load: one execution at a time of a one-call workflow without a limit
 *      (baseline) and the same workflow with `concurrency: {limit: 10}`, interleaved; latency from
 *      the API start to SUCCEEDED and the DynamoDB requests and capacity units per execution
 *      (as dynalite reports them) spent on slots and queues;
 *   2. the limit under load and faults: N starts at once against `limit: n`, calls that take
 *      200-600 ms, 20 % answered 500 (the execution fails), every 7th cancelled while RUNNING or
 *      QUEUED; prints the most calls ever in flight (must be <= n) and the slots and queued
 *      starts left at the end (must be 0);
 *   1b. service limits: the no-limit workflow again once its service has `limits`, per call.
 *
 *   npx tsx bench/limits.bench.ts     # BENCH_EXECUTIONS=60 BENCH_LIMIT=3 by default
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startDevServer } from "../lib/local/server.ts";

const EXECUTIONS = Number(process.env.BENCH_EXECUTIONS ?? 60);
const LIMIT = Number(process.env.BENCH_LIMIT ?? 3);
const LOW_LOAD_RUNS = Number(process.env.BENCH_LOW_LOAD ?? 40);

const workflow = (name: string, concurrency: string) => `workflow: ${name}
${concurrency}
steps:
  - id: work
    call: bench POST /work
    with: { tag: "{{ input.tag }}" }
    idempotent: true
    retry: false
`;

async function main(): Promise<void> {
  let inFlight = 0;
  let maxInFlight = 0;
  let slow = false;
  const service = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => {
      text += c.toString();
    });
    req.on("end", () => {
      if (req.url === "/health") return void res.writeHead(200).end("{}");
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const tag = String((JSON.parse(text || "{}") as { tag?: unknown }).tag ?? "");
      const fail = slow && tag.endsWith("-fail");
      setTimeout(
        () => {
          inFlight--;
          res
            .writeHead(fail ? 500 : 200, { "content-type": "application/json" })
            .end(JSON.stringify({ tag }));
        },
        slow ? 200 + Math.floor(Math.random() * 400) : 0,
      );
    });
  });
  await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;

  const dir = await mkdtemp(join(tmpdir(), "baton-limits-bench-"));
  const workflows = join(dir, "workflows");
  await mkdir(workflows);
  await writeFile(join(workflows, "free.yaml"), workflow("free", ""));
  await writeFile(join(workflows, "capped.yaml"), workflow("capped", "concurrency: { limit: 10 }"));
  await writeFile(
    join(workflows, "loaded.yaml"),
    workflow("loaded", `concurrency: { limit: ${LIMIT} }`),
  );
  await writeFile(
    join(dir, "services.yaml"),
    `services:\n  - name: bench\n    instances: [{ id: bench-1, url: ${url} }]\n    health: { path: /health, intervalSeconds: 3600 }\n`,
  );
  const server = await startDevServer({
    port: 0,
    workflowsDir: workflows,
    servicesFile: join(dir, "services.yaml"),
    dataDir: join(dir, "data"),
    log: () => {},
    out: () => {},
  });

  // Counts DynamoDB requests and the capacity units dynalite reports, by item kind.
  const usage: Record<
    "free" | "capped",
    { requests: number; units: number; slotRequests: number; slotUnits: number }
  > = {
    free: { requests: 0, units: 0, slotRequests: 0, slotUnits: 0 },
    capped: { requests: 0, units: 0, slotRequests: 0, slotUnits: 0 },
  };
  // The requests of every thread of the server (its records thread's included), by kind.
  const countInto = async (into: (typeof usage)["free"], run: () => Promise<void>) => {
    const stop = await server.countDynamoRequests({ capacity: true });
    await run();
    for (const [kind, { requests, units }] of await stop()) {
      into.requests += requests;
      into.units += units;
      if (/ (SEMAPHORE|QUEUE|QUEUED|LIMIT)\//.test(kind)) {
        into.slotRequests += requests;
        into.slotUnits += units;
      }
    }
  };

  const post = async (name: string, tag: string): Promise<{ id: string; status: string }> => {
    const response = await fetch(`${server.url}/workflows/${name}/executions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tag }),
    });
    return (await response.json()) as { id: string; status: string };
  };
  const recordStatus = async (id: string): Promise<string> =>
    ((await (await fetch(`${server.url}/executions/${id}`)).json()) as { status: string }).status;

  // 1. Overhead at low load, interleaved so both see the same machine.
  const latencies: Record<"free" | "capped", number[]> = { free: [], capped: [] };
  for (let i = 0; i < 5; i++) {
    for (const name of ["free", "capped"] as const) {
      const { id } = await post(name, `warm-${i}`);
      await server.runtime.engine.waitFor(id);
    }
  }
  await server.runtime.idle();
  for (let i = 0; i < LOW_LOAD_RUNS; i++) {
    for (const name of ["free", "capped"] as const) {
      await countInto(usage[name], async () => {
        const t0 = performance.now();
        const { id } = await post(name, `low-${i}`);
        const outcome = await server.runtime.engine.waitFor(id);
        latencies[name].push(performance.now() - t0);
        if (outcome.status !== "SUCCEEDED")
          throw new Error(`${name} ${id} ended ${outcome.status}`);
        await server.runtime.idle(); // the release runs on the status change
      });
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const per = (name: "free" | "capped") => ({
    requests: usage[name].requests / LOW_LOAD_RUNS,
    units: usage[name].units / LOW_LOAD_RUNS,
    slotRequests: usage[name].slotRequests / LOW_LOAD_RUNS,
    slotUnits: usage[name].slotUnits / LOW_LOAD_RUNS,
  });
  const free = per("free");
  const capped = per("capped");
  console.log(
    `low load, ${LOW_LOAD_RUNS} executions each, one at a time (API start to SUCCEEDED, median):`,
  );
  console.log(
    `  no limit   ${median(latencies.free).toFixed(1)} ms; ${free.requests.toFixed(1)} DynamoDB requests, ${free.units.toFixed(1)} capacity units per execution`,
  );
  console.log(
    `  limit 10   ${median(latencies.capped).toFixed(1)} ms (${(median(latencies.capped) / median(latencies.free)).toFixed(2)}x); ${capped.requests.toFixed(1)} requests, ${capped.units.toFixed(1)} units per execution, of which slots and queue: ${capped.slotRequests.toFixed(1)} requests, ${capped.slotUnits.toFixed(1)} units`,
  );

  // 1b. Service limits at low load: the same no-limit workflow once its service has limits.
  const limited = { requests: 0, units: 0, slotRequests: 0, slotUnits: 0 };
  const serviceLatencies: number[] = [];
  const reg = await fetch(`${server.url}/services/bench`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      instances: [{ id: "bench-1", url }],
      health: { path: "/health", intervalSeconds: 3600 },
      limits: { concurrency: 100, ratePerSecond: 1000 },
    }),
  });
  if (reg.status >= 300) throw new Error(`registering limits answered ${reg.status}`);
  await new Promise((resolve) => setTimeout(resolve, 1_200)); // the registry cache
  for (let i = 0; i < LOW_LOAD_RUNS; i++) {
    await countInto(limited, async () => {
      const t0 = performance.now();
      const { id } = await post("free", `svc-${i}`);
      const outcome = await server.runtime.engine.waitFor(id);
      serviceLatencies.push(performance.now() - t0);
      if (outcome.status !== "SUCCEEDED") throw new Error(`free ${id} ended ${outcome.status}`);
      await server.runtime.idle();
    });
  }
  console.log(
    `  service limits (concurrency 100, 1000/s) on the no-limit workflow: ${median(serviceLatencies).toFixed(1)} ms (${(median(serviceLatencies) / median(latencies.free)).toFixed(2)}x the no-limit baseline); ${(limited.requests / LOW_LOAD_RUNS).toFixed(1)} requests, ${(limited.units / LOW_LOAD_RUNS).toFixed(1)} units per execution (one call), of which limit counters: ${(limited.slotRequests / LOW_LOAD_RUNS).toFixed(1)} requests, ${(limited.slotUnits / LOW_LOAD_RUNS).toFixed(1)} units`,
  );

  // 2. Under load with faults and cancels.
  slow = true;
  maxInFlight = 0;
  let cancelled = 0;
  const cancelledWhile: Record<string, number> = {};
  const starts = await Promise.all(
    Array.from({ length: EXECUTIONS }, async (_, i) => {
      const start = await post("loaded", `l${i}${i % 5 === 4 ? "-fail" : ""}`);
      if (i % 7 === 6) {
        const before = await recordStatus(start.id);
        const response = await fetch(`${server.url}/executions/${start.id}/cancel`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}",
        });
        if (response.status === 202) {
          cancelled++;
          cancelledWhile[before] = (cancelledWhile[before] ?? 0) + 1;
        }
      }
      return start;
    }),
  );
  const queuedAtStart = starts.filter((s) => s.status === "QUEUED").length;
  const deadline = Date.now() + 120_000;
  const final = new Map<string, string>();
  while (final.size < starts.length && Date.now() < deadline) {
    for (const start of starts) {
      if (final.has(start.id)) continue;
      const status = await recordStatus(start.id);
      if (!["QUEUED", "RUNNING", "PAUSED"].includes(status)) final.set(start.id, status);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await server.runtime.idle();
  const { holders } = await server.slots.holders("loaded");
  const queued = await server.slots.head("loaded", 100);
  const byStatus: Record<string, number> = {};
  for (const status of final.values()) byStatus[status] = (byStatus[status] ?? 0) + 1;
  console.log(
    `limit ${LIMIT} under load: ${EXECUTIONS} starts at once (${queuedAtStart} QUEUED at start), 20 % failing, ${cancelled} cancelled (${JSON.stringify(cancelledWhile)})`,
  );
  console.log(
    `  most calls in flight at once: ${maxInFlight} (must be <= ${LIMIT}: ${maxInFlight <= LIMIT ? "held" : "BROKEN"})`,
  );
  console.log(
    `  ended: ${JSON.stringify(byStatus)}; not ended after 120 s: ${starts.length - final.size}; slots still held: ${Object.keys(holders).length}; starts still queued: ${queued.length}`,
  );
  await server.stop();
  service.close();
  await rm(dir, { recursive: true, force: true });
  if (maxInFlight > LIMIT || Object.keys(holders).length > 0 || queued.length > 0)
    process.exitCode = 1;
}

await main();
