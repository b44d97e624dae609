/**
 * The deployed tier, measured: how long the Baton stack takes to deploy to MiniStack, and the
 * end-to-end latency of one saga (workflows/order-fulfillment.yaml: 3 call steps and an emit)
 * started through API Gateway on the emulator, against the same saga on `baton dev` in the same
 * run, with the same demo services. Latency is from the start request to the first
 * `GET /executions/{id}` showing the saga SUCCEEDED with its three steps (polled every 50 ms);
 * rounds alternate between the two targets so CPU contention hits both alike.
 *
 *   npx tsx bench/integration.bench.ts        # BENCH_ROUNDS=5 (after one warm-up each)
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startDevServer } from "../lib/local/server.ts";
import { apiFetch } from "../test/integration/client.ts";
import {
  deployStack,
  type Emulator,
  REPO_ROOT,
  startEmulator,
  teardown,
  WORK_ROOT,
} from "../test/integration/emulator.ts";
import { type ExecutionDocument, reached, sleep } from "../test/integration/fixtures/api.ts";
import { SCENARIO_CONTEXT } from "../test/integration/fixtures/context.ts";
import { SHOP_REGISTRATION, type Shop, startShop } from "../test/integration/fixtures/shop.ts";
import { outputsToEnv } from "../test/integration/support.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const POLL_MS = 50;
const TIMEOUT_MS = 60_000;
const WORKFLOW = "order-fulfillment";
const succeeded = reached("SUCCEEDED", {
  reserve: "SUCCEEDED",
  charge: "SUCCEEDED",
  ship: "SUCCEEDED",
});

type Fetcher = (path: string, init?: { method?: string; body?: unknown }) => Promise<Response>;

interface Run {
  /** Start request to SUCCEEDED visible in the record. */
  readonly wallMs: number;
  /** The engine's own start-to-stop duration, as recorded. */
  readonly engineMs: number;
}

let orders = 0;
async function saga(call: Fetcher): Promise<Run> {
  const input = {
    orderId: `bench-${++orders}`,
    customerId: "c-1",
    sku: "sku-1",
    quantity: 1,
    amount: 10,
    currency: "EUR",
  };
  const t0 = performance.now();
  const started = await call(`workflows/${WORKFLOW}/executions`, { method: "POST", body: input });
  if (started.status !== 201)
    throw new Error(`start answered ${started.status}: ${await started.text()}`);
  const { id } = (await started.json()) as { id: string };
  for (;;) {
    const document = (await (await call(`executions/${id}`)).json()) as ExecutionDocument;
    if (succeeded(document)) {
      return { wallMs: performance.now() - t0, engineMs: document.durationMs ?? Number.NaN };
    }
    if (document.status !== "RUNNING" || performance.now() - t0 > TIMEOUT_MS) {
      throw new Error(`saga ${id} did not succeed: ${JSON.stringify(document)}`);
    }
    await sleep(POLL_MS);
  }
}

function devServicesYaml(shop: Shop): string {
  const health = SHOP_REGISTRATION.health;
  return `services:\n${Object.values(shop.services)
    .map(
      (s) =>
        `  - name: ${s.name}\n    instances:\n      - { id: ${s.name}-dev, url: "${s.url}" }\n` +
        `    health: { path: ${health.path}, intervalSeconds: ${health.intervalSeconds}, unhealthyAfter: ${health.unhealthyAfter}, healthyAfter: ${health.healthyAfter} }\n`,
    )
    .join("")}`;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
};
const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  if (!existsSync(join(REPO_ROOT, ".venv-integration", "bin", "python"))) {
    console.log("skipped: MiniStack is not installed (run `bash .ci/install-emulator.sh`)");
    return;
  }
  let emulator: Emulator | undefined;
  let shop: Shop | undefined;
  let dev: { stop(): Promise<void> } | undefined;
  const dir = await mkdtemp(join(tmpdir(), "baton-bench-it-"));
  const workDir = join(WORK_ROOT, `bench-${process.pid}`);
  try {
    // Deploy (the emulator first: it inherits this process's environment, which `baton dev`
    // changes below).
    const t0 = performance.now();
    emulator = await startEmulator();
    const readyMs = performance.now() - t0;
    const deployment = await deployStack({
      endpoint: emulator.endpoint,
      appDir: REPO_ROOT,
      context: SCENARIO_CONTEXT,
      workDir,
    });
    const t = deployment.timings;
    const deployTotal = performance.now() - t0;

    // The scenario client reads these (as run.ts sets them for vitest).
    Object.assign(
      process.env,
      outputsToEnv(deployment.outputs, { emulatorEndpoint: emulator.endpoint }),
      {
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        AWS_REGION: "us-east-1",
      },
    );
    shop = await startShop();
    const servicesFile = join(dir, "services.yaml");
    await writeFile(servicesFile, devServicesYaml(shop));
    const server = await startDevServer({
      port: 0,
      workflowsDir: join(REPO_ROOT, "workflows"),
      servicesFile,
      dataDir: join(dir, "data"),
      log: () => {},
      out: () => {},
    });
    dev = server;
    const onEmulator: Fetcher = (path, init = {}) => apiFetch(path, init);
    const onDev: Fetcher = (path, init = {}) =>
      fetch(new URL(path, `${server.url}/`), {
        method: init.method ?? "GET",
        ...(init.body === undefined
          ? {}
          : { body: JSON.stringify(init.body), headers: { "content-type": "application/json" } }),
      });

    await saga(onEmulator); // warm-up: cold Lambda workers, first DynamoDB tables touch
    await saga(onDev);
    const emulatorRuns: Run[] = [];
    const devRuns: Run[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      emulatorRuns.push(await saga(onEmulator));
      devRuns.push(await saga(onDev));
    }

    console.log(
      `deploy to MiniStack: ready ${s(readyMs)}, synth ${s(t.synthMs)}, bootstrap ${s(t.bootstrapMs)}, ` +
        `deploy ${s(t.deployMs)}; total ${s(deployTotal)}\n`,
    );
    console.log(
      `${WORKFLOW} saga (3 call steps + emit), ${ROUNDS} rounds after one warm-up, polled every ${POLL_MS} ms\n`,
    );
    console.log("target                 | median ms |  min ms |  max ms | engine median ms");
    for (const [name, runs] of [
      ["MiniStack (API GW)", emulatorRuns],
      ["baton dev", devRuns],
    ] as const) {
      const wall = runs.map((r) => r.wallMs);
      console.log(
        `${name.padEnd(22)} | ${median(wall).toFixed(0).padStart(9)} | ${Math.min(...wall)
          .toFixed(0)
          .padStart(7)} | ` +
          `${Math.max(...wall)
            .toFixed(0)
            .padStart(7)} | ${median(runs.map((r) => r.engineMs))
            .toFixed(0)
            .padStart(16)}`,
      );
    }
    const ratio = median(emulatorRuns.map((r) => r.wallMs)) / median(devRuns.map((r) => r.wallMs));
    console.log(`\nMiniStack / baton dev = ${ratio.toFixed(2)}x (end-to-end median)`);
  } finally {
    await dev?.stop();
    await shop?.close();
    if (emulator !== undefined) await teardown(emulator);
    await rm(dir, { recursive: true, force: true });
    await rm(workDir, { recursive: true, force: true });
  }
}

await main();
// MiniStack's process group is gone; nothing else should hold the loop, but do not wait for it.
process.exit(process.exitCode ?? 0);
