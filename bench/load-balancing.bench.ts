/**
 * Least-outstanding balancing on Lambda, simulated in one run (docs/service-load.md): C
 * "containers" each make calls one at a time, as a Lambda container does, through the real
 * service-call use case (own balancer, own breaker, own view of the load counters) against three
 * instances of one service, each serving one request at a time (a queue): one slow, two fast. The
 * load counters live in DynamoDB (dynalite, in a child process so its work does not share the
 * bench's event loop), which reports the capacity units of every request. Four modes, one run:
 *
 *   round_robin, no counters          the baseline
 *   round_robin, counters             what every call pays for GET /services/{name}/load
 *   least_outstanding, local counts   Lambda before shared counters (each container sees only its own)
 *   least_outstanding, shared         every caller's in-flight counts, read at most once per second
 *
 * Prints per mode the share of calls the slow instance got, mean and p95 call latency, and the
 * DynamoDB requests and capacity units per call spent on load counters, with ratios to the baseline.
 *
 *   npx tsx bench/load-balancing.bench.ts   # BENCH_CONTAINERS=8 BENCH_CALLS=480 by default
 */
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { countRequests } from "../lib/local/dynamo.ts";
import { DynamoLoadStore } from "../lib/runtime/aws/dynamo-load-store.ts";
import { ensureTable, executionsTable } from "../lib/runtime/aws/table-schema.ts";
import { CircuitBreaker } from "../lib/runtime/circuit/breaker.ts";
import { systemClock } from "../lib/runtime/circuit/clock.ts";
import { RecordingPublisher } from "../lib/runtime/events.ts";
import { SharedLoad } from "../lib/runtime/load/shared-load.ts";
import { quietLogger } from "../lib/runtime/logger.ts";
import { Balancer } from "../lib/runtime/registry/balancer.ts";
import { InMemoryRegistryStore } from "../lib/runtime/registry/memory-store.ts";
import {
  type BalancingStrategy,
  DEFAULT_CIRCUIT,
  DEFAULT_HEALTH,
} from "../lib/runtime/registry/registry-model.ts";
import { EnvSecretResolver } from "../lib/runtime/registry/secret-headers.ts";
import { ALLOW_PRIVATE_URLS_VARIABLE } from "../lib/runtime/registry/url-policy.ts";
import { callService } from "../lib/runtime/service-call.ts";

const CONTAINERS = Number(process.env.BENCH_CONTAINERS ?? 8);
const CALLS = Number(process.env.BENCH_CALLS ?? 480);
/** Each instance serves one request at a time: the slow one takes SLOW_MS, the fast ones FAST_MS. */
const SLOW_MS = 60;
const FAST_MS = 15;

interface Mode {
  readonly name: string;
  readonly balancing: BalancingStrategy;
  readonly counters: boolean;
}

const MODES: readonly Mode[] = [
  { name: "round_robin, no counters", balancing: "round_robin", counters: false },
  { name: "round_robin, counters", balancing: "round_robin", counters: true },
  { name: "least_outstanding, local counts", balancing: "least_outstanding", counters: false },
  { name: "least_outstanding, shared", balancing: "least_outstanding", counters: true },
];

/** An instance with one worker: requests wait their turn, each takes `serviceMs`. */
function instance(serviceMs: number): Promise<Server> {
  let freeAt = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const now = performance.now();
      freeAt = Math.max(freeAt, now) + serviceMs;
      setTimeout(() => {
        res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      }, freeAt - now);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** dynalite in a child process, with the executions table. */
async function childDynalite(): Promise<{ client: DynamoDBClient; close: () => void }> {
  const child = spawn(
    process.execPath,
    [
      "-e",
      "const d=require('dynalite')({createTableMs:0});d.listen(0,'127.0.0.1',()=>console.log(d.address().port))",
    ],
    { stdio: ["ignore", "pipe", "inherit"], cwd: process.cwd() },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once("exit", () => reject(new Error("dynalite did not start")));
  });
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
  });
  await ensureTable(client, executionsTable("bench-executions"));
  return { client, close: () => child.kill() };
}

const urlOf = (server: Server): string =>
  `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function main(): Promise<void> {
  process.env[ALLOW_PRIVATE_URLS_VARIABLE] = "1";
  const servers = await Promise.all([instance(SLOW_MS), instance(FAST_MS), instance(FAST_MS)]);
  const dynamo = await childDynalite();
  const store = new DynamoLoadStore({ client: dynamo.client, tableName: "bench-executions" });
  const ids = ["slow", "fast-1", "fast-2"];
  const rows: string[] = [];
  let baseline: { mean: number; units: number } | undefined;
  try {
    for (const [m, mode] of MODES.entries()) {
      const service = `bench-${m}`;
      const registry = new InMemoryRegistryStore({ clock: systemClock });
      await registry.putService({
        name: service,
        instances: servers.map((s, i) => ({ id: ids[i] ?? "", url: urlOf(s), weight: 1 })),
        health: DEFAULT_HEALTH,
        balancing: mode.balancing,
        circuit: DEFAULT_CIRCUIT,
        timeout: 10,
        headers: {},
      });
      const counts = new Map<string, number>();
      const latencies: number[] = [];
      // The load counters' requests and the capacity units dynalite reports for them.
      const counting = countRequests(dynamo.client, { capacity: true });
      let next = 0;
      const container = async (c: number): Promise<void> => {
        const events = new RecordingPublisher();
        const deps = {
          registry,
          circuit: new CircuitBreaker({ store: registry, events, logger: quietLogger }),
          events,
          secrets: new EnvSecretResolver({}),
          clock: systemClock,
          balancer: new Balancer(),
          ...(mode.counters ? { load: new SharedLoad({ store, clock: systemClock }) } : {}),
        };
        for (let i = next++; i < CALLS; i = next++) {
          const started = performance.now();
          const result = await callService(
            {
              workflow: "bench",
              version: 1,
              executionId: `e-${m}-${c}-${i}`,
              stepId: "work",
              mode: "call",
              attempt: 1,
              timeout: 10,
              service,
              method: "GET",
              path: "/work",
            },
            deps,
          );
          latencies.push(performance.now() - started);
          counts.set(result.instance, (counts.get(result.instance) ?? 0) + 1);
        }
      };
      const began = performance.now();
      await Promise.all(Array.from({ length: CONTAINERS }, (_, c) => container(c)));
      const seconds = (performance.now() - began) / 1000;
      const usage = { requests: 0, units: 0 };
      for (const { requests, units } of counting.stop().values()) {
        usage.requests += requests;
        usage.units += units;
      }
      latencies.sort((a, b) => a - b);
      const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
      const p95 = latencies[Math.floor(latencies.length * 0.95)] ?? 0;
      const units = usage.units / CALLS;
      baseline ??= { mean, units };
      const share = ((counts.get("slow") ?? 0) / CALLS) * 100;
      rows.push(
        `  ${mode.name.padEnd(33)} slow instance ${share.toFixed(1).padStart(5)} % of calls; mean ${mean.toFixed(1)} ms (${(mean / baseline.mean).toFixed(2)}x), p95 ${p95.toFixed(1)} ms; ${(CALLS / seconds).toFixed(0)} calls/s; load counters ${(usage.requests / CALLS).toFixed(2)} DynamoDB requests, ${units.toFixed(2)} capacity units per call (${usage.units.toFixed(1)} in all)`,
      );
    }
  } finally {
    dynamo.close();
    for (const s of servers) s.close();
  }
  console.log(
    `Load balancing: ${CONTAINERS} containers, one call at a time each, ${CALLS} calls per mode; instances serve one request at a time in ${SLOW_MS} ms (slow) and ${FAST_MS} ms (2 fast); counters on dynalite in a child process`,
  );
  for (const row of rows) console.log(row);
}

await main();
