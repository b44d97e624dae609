/**
 * The local runtime under load: a 5-step call workflow, N executions (default 1,000) at
 * concurrency 50, measured in the same run against two baselines:
 *   direct   the five HTTP calls made straight from a loop (no orchestration at all);
 *   bare     the same compiled ASL in a bare aws-local-stepfunctions machine whose tasks fetch the
 *            service directly (the interpreter + HTTP, nothing of Baton): the targets' baseline,
 *            as issue #12 measured it (`fetch`);
 *   bare-http the same with its calls over a keep-alive `node:http` agent, the transport Baton's
 *            own calls use: a stronger baseline, its ratio printed beside the target's;
 *   runtime  Baton's local engine: real service-call handler (registry, circuit, step events),
 *            local bus, records kept in memory;
 *   dev      the full `baton dev` server: starts over the HTTP API, records in dynalite, kept by
 *            its records thread (the requests of every thread are counted).
 * Checks that no execution is lost or stuck (every one ends SUCCEEDED, in the engine and in the
 * records), and prints executions/s, per-step overhead and ratios to the baselines, the DynamoDB
 * requests per execution of `baton dev` (all tables, and the executions table alone) and the
 * load average while it ran (the machine may be shared).
 * Targets: runtime within 3x of bare; dev with records on: <= 12 DynamoDB requests per execution,
 * >= 100 executions/s on an idle 2-core machine and >= 0.25x bare in the same run.
 *
 *   npx tsx bench/dev.bench.ts            # BENCH_EXECUTIONS=200 for a quick run
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { Agent, request } from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { initialState } from "../lib/core/execution-state.ts";
import type { Json } from "../lib/core/model.ts";
import { buildProject } from "../lib/core/project/build.ts";
import { startDemoService } from "../lib/local/demo/service.ts";
import type { RequestCount } from "../lib/local/dynamo.ts";
import { MemoryRecords } from "../lib/local/memory-records.ts";
import { createLocalRuntime } from "../lib/local/runtime.ts";
import { startDevServer } from "../lib/local/server.ts";
import { compileProject } from "../lib/local/workflows.ts";
import { InMemoryRegistryStore } from "../lib/runtime/registry/memory-store.ts";
import { seedRegistry } from "../lib/runtime/registry/seed.ts";

const EXECUTIONS = Number(process.env.BENCH_EXECUTIONS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const STEPS = 5;

const WORKFLOW_YAML = `workflow: bench-five
defaults:
  timeout: 10
steps:
${Array.from({ length: STEPS }, (_, i) => `  - id: s${i}\n    call: svc POST /things\n    with: { n: ${i}, order: "{{ input.orderId }}" }\n    idempotent: true`).join("\n")}
`;

interface Measured {
  readonly name: string;
  readonly ms: number;
  readonly ok: number;
}

async function pool(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<boolean>,
): Promise<number> {
  let next = 0;
  let ok = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      if (await task(i)) ok++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return ok;
}

async function measure(
  name: string,
  task: (i: number) => Promise<boolean>,
  afterWarmUp: () => Promise<void> = async () => {},
): Promise<Measured> {
  await pool(Math.min(20, EXECUTIONS), 10, task); // warm-up
  await afterWarmUp();
  const t0 = performance.now();
  const ok = await pool(EXECUTIONS, CONCURRENCY, task);
  return { name, ms: performance.now() - t0, ok };
}

/** A JSON POST through `agent`. */
function postJson(
  agent: Agent,
  url: string,
  body: object,
): Promise<{ status: number; body: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const sent = request(
      url,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        response.on("error", reject);
      },
    );
    sent.on("error", reject);
    sent.end(payload);
  });
}

async function main(): Promise<void> {
  const service = await startDemoService({ name: "svc", port: 0, keepCalls: 10 });
  const servicesYaml = `services:\n  - name: svc\n    instances:\n      - { id: svc-a, url: "${service.url}" }\n    circuit: { failureThreshold: 1000, windowSeconds: 30, cooldownSeconds: 30 }\n`;
  process.env.BATON_ALLOW_PRIVATE_URLS = "1";
  const project = buildProject([{ file: "bench-five.yaml", text: WORKFLOW_YAML }]);
  const ready = project.workflow("bench-five");
  if (ready === undefined) throw new Error("the bench workflow does not load");
  const { asl } = ready;
  const post = async (body: object): Promise<boolean> => {
    const response = await fetch(`${service.url}/things`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    await response.arrayBuffer();
    return response.ok;
  };
  const results: Measured[] = [];

  // direct: the calls alone
  results.push(
    await measure("direct", async (i) => {
      for (let s = 0; s < STEPS; s++) if (!(await post({ n: s, order: `o-${i}` }))) return false;
      return true;
    }),
  );

  // bare: the same ASL, tasks fetch directly
  const substituted = JSON.parse(
    JSON.stringify(asl)
      .replace(/\$\{BatonServiceCall\}/g, "arn:aws:lambda:us-east-1:000000000000:function:x")
      .replace(/\$\{BatonEventBus\}/g, "bus"),
  ) as StateMachineDefinition;
  const bare = new StateMachine(substituted, { validationOptions: { noValidate: true } });
  const handlersCalling = (
    send: (body: object) => Promise<{ status: number; body: Json }>,
  ): Record<string, (input: unknown) => Promise<unknown>> =>
    Object.fromEntries(
      Object.keys(substituted.States).map((name) => [
        name,
        async (input: unknown) => {
          const { status, body } = await send((input as { body?: object }).body ?? {});
          return { status, headers: {}, body, instance: "svc-a", attempt: 1 };
        },
      ]),
    );
  const handlers = handlersCalling(async (body) => {
    const response = await fetch(`${service.url}/things`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const httpHandlers = handlersCalling(async (body) => {
    const response = await postJson(agent, `${service.url}/things`, body);
    return { status: response.status, body: JSON.parse(response.body) as Json };
  });
  const context = {
    Execution: { Id: "bench", Name: "bench" },
    State: { RetryCount: 0 },
    Task: { Token: "t" },
  };
  results.push(
    await measure("bare", async (i) => {
      // Started as the API starts a run: with the execution state built (the machine starts at
      // its first Task, whose handler would redirect a raw input; these handlers do not).
      const run = bare.run(
        initialState(`bare-${i}`, { orderId: `o-${i}` }, "2026-01-01T00:00:00.000Z") as never,
        { overrides: { taskResourceLocalHandlers: handlers as never }, context: context as never },
      );
      await run.result;
      return true;
    }),
  );
  // bare-http: the same, its calls sent through a keep-alive node:http agent (the transport of
  // Baton's own calls) instead of fetch: a stronger baseline, printed beside the target's.
  results.push(
    await measure("bare-http", async (i) => {
      const run = bare.run(
        initialState(`bare-http-${i}`, { orderId: `o-${i}` }, "2026-01-01T00:00:00.000Z") as never,
        {
          overrides: { taskResourceLocalHandlers: httpHandlers as never },
          context: context as never,
        },
      );
      await run.result;
      return true;
    }),
  );
  agent.destroy();

  // runtime: Baton's engine and handlers, records in memory
  const compiled = compileProject(project);
  const registry = new InMemoryRegistryStore({ yieldEachCall: false });
  await seedRegistry(registry, servicesYaml);
  const records = new MemoryRecords(compiled.catalogue);
  const runtime = await createLocalRuntime({
    compiled,
    registry,
    records: (e) => records.apply(e),
    log: () => {},
  });
  const runtimeIds: string[] = [];
  results.push(
    await measure("runtime", async (i) => {
      const { executionId } = runtime.engine.start("bench-five", { orderId: `o-${i}` });
      runtimeIds.push(executionId);
      return (await runtime.engine.waitFor(executionId)).status === "SUCCEEDED";
    }),
  );
  await runtime.idle();
  const runtimeRecorded = runtimeIds.filter(
    (id) => records.document(id)?.status === "SUCCEEDED",
  ).length;
  await runtime.stop();

  // dev: the whole server, over HTTP, records in dynalite
  const dir = await mkdtemp(join(tmpdir(), "baton-bench-"));
  await writeFile(join(dir, "bench-five.yaml"), WORKFLOW_YAML);
  await writeFile(join(dir, "services.yaml"), servicesYaml);
  const server = await startDevServer({
    port: 0,
    workflowsDir: dir,
    dataDir: join(dir, "data"),
    log: () => {},
    out: () => {},
  });
  const devIds: string[] = [];
  let stopCounting: (() => Promise<Map<string, RequestCount>>) | undefined;
  const loadBefore = loadavg()[0] ?? 0;
  results.push(
    await measure(
      "dev",
      async (i) => {
        const response = await fetch(`${server.url}/workflows/bench-five/executions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ orderId: `o-${i}` }),
        });
        const { id } = (await response.json()) as { id: string };
        devIds.push(id);
        return (
          response.status === 201 &&
          (await server.runtime.engine.waitFor(id)).status === "SUCCEEDED"
        );
      },
      async () => {
        // The warm-up's records are settled and not counted.
        await server.runtime.idle();
        devIds.length = 0;
        stopCounting = await server.countDynamoRequests();
      },
    ),
  );
  const t0 = performance.now();
  await server.runtime.idle();
  const settleMs = performance.now() - t0;
  const counted = (await stopCounting?.()) ?? new Map<string, RequestCount>();
  const requests = { all: 0, executions: 0, byKind: new Map<string, number>() };
  for (const [kind, { requests: n }] of counted) {
    requests.all += n;
    if (kind.includes("executions")) requests.executions += n;
    const short = kind.replace(/^baton-local-/, "").replace(/Command /, " ");
    requests.byKind.set(short, n);
  }
  const loadAfter = loadavg()[0] ?? 0;
  let devRecorded = 0;
  for (const id of devIds) {
    const response = await fetch(`${server.url}/executions/${id}`);
    if (((await response.json()) as { status: string }).status === "SUCCEEDED") devRecorded++;
  }
  await server.stop();
  await rm(dir, { recursive: true, force: true });
  await service.close();

  const perExecution = (m: Measured) => m.ms / EXECUTIONS;
  const by = (name: string) => results.find((r) => r.name === name) as Measured;
  console.log(
    `${EXECUTIONS} executions (after a warm-up of ${Math.min(20, EXECUTIONS)}) of a ${STEPS}-step call workflow, concurrency ${CONCURRENCY}\n`,
  );
  console.log(
    "mode     | total ms | executions/s | ms/execution | per-step overhead vs direct | vs bare | ok",
  );
  for (const m of results) {
    const overhead = (perExecution(m) - perExecution(by("direct"))) / STEPS;
    console.log(
      `${m.name.padEnd(8)} | ${m.ms.toFixed(0).padStart(8)} | ${((EXECUTIONS / m.ms) * 1000).toFixed(0).padStart(12)} | ${perExecution(m).toFixed(2).padStart(12)} | ${`${overhead.toFixed(3)} ms`.padStart(27)} | ${`${(m.ms / by("bare").ms).toFixed(2)}x`.padStart(7)} | ${m.ok}/${EXECUTIONS}`,
    );
  }
  console.log(
    `\nruntime: ${runtimeRecorded}/${runtimeIds.length} records SUCCEEDED; dev: ${devRecorded}/${devIds.length} records SUCCEEDED (records settled ${settleMs.toFixed(0)} ms after the last execution)`,
  );
  const ratio = by("runtime").ms / by("bare").ms;
  console.log(
    `runtime / bare = ${ratio.toFixed(2)}x (target <= 3x: ${ratio <= 3 ? "met" : "NOT met"}); dev / bare = ${(by("dev").ms / by("bare").ms).toFixed(2)}x`,
  );
  const dev = by("dev");
  const devPerSecond = (EXECUTIONS / dev.ms) * 1000;
  const devRatio = by("bare").ms / dev.ms;
  const perExecutionRequests = requests.all / EXECUTIONS;
  console.log(
    `dev (records on, dynalite): ${perExecutionRequests.toFixed(1)} DynamoDB requests per execution (${(requests.executions / EXECUTIONS).toFixed(1)} on the executions table; target <= 12: ${perExecutionRequests <= 12 ? "met" : "NOT met"}); ${devPerSecond.toFixed(0)} executions/s (target >= 100 on an idle machine: ${devPerSecond >= 100 ? "met" : "NOT met"}); ${devRatio.toFixed(2)}x the bare baseline's throughput (target >= 0.25: ${devRatio >= 0.25 ? "met" : "NOT met"}); ${(by("bare-http").ms / dev.ms).toFixed(2)}x the bare-http baseline's (its calls over node:http, ${(by("bare").ms / by("bare-http").ms).toFixed(2)}x bare's throughput)`,
  );
  console.log(
    `  by table and request: ${[...requests.byKind.entries()].map(([k, n]) => `${k} ${(n / EXECUTIONS).toFixed(2)}`).join(", ")}`,
  );
  console.log(
    `load average (1 min) on ${cpus().length} cores: ${loadBefore.toFixed(2)} before the dev run, ${loadAfter.toFixed(2)} after`,
  );
  const lost =
    results.some((m) => m.ok !== EXECUTIONS) ||
    runtimeRecorded !== runtimeIds.length ||
    devRecorded !== devIds.length;
  if (lost) {
    console.log("LOST OR STUCK EXECUTIONS");
    process.exitCode = 1;
  }
}

await main();
