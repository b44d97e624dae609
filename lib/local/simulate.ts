/**
 * `baton simulate`: runs a bounded number of executions of every workflow in a folder through the
 * same local server as `baton dev` (in-process), against the demo services (two instances each)
 * with a fault profile, and reports the run against seed 000's criteria (`simulate/metrics.ts`).
 * With `servicesFile`, the given services are called as they are and no faults are injected.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import type { Json } from "../core/model.ts";
import { registrySeedIn } from "../core/project/load.ts";
import type { RunningDemoService } from "./demo/service.ts";
import { DEMO_SERVICE_NAMES, type DemoServices, startDemoServices } from "./demo/services.ts";
import { startDevServer } from "./server.ts";
import { generateInput } from "./simulate/inputs.ts";
import {
  buildReport,
  type ExecutionOutcome,
  type ObservedEvent,
  type SimulationReport,
} from "./simulate/metrics.ts";
import { seededRandom } from "./simulate/random.ts";

export { InputGenerationError } from "./simulate/inputs.ts";
export type { SimulationReport } from "./simulate/metrics.ts";

export interface SimulateOptions {
  readonly workflowsDir: string;
  readonly servicesFile?: string;
  readonly executions: number;
  readonly concurrency: number;
  /** Probability (0–1) that a demo service answers 503 (instance a) or 429 (instance b). */
  readonly faultRate: number;
  readonly latencyMs: number;
  /** Services whose every instance is down (every call 503, health 503). */
  readonly outage: readonly string[];
  /** Services whose first instance goes down and up every `flapSeconds`. */
  readonly flapping: readonly string[];
  readonly seed: number;
  /** Only these workflows (default: every workflow served). */
  readonly only?: readonly string[];
  readonly log?: (line: string) => void;
}

export interface SimulationResult extends SimulationReport {
  readonly settings: Omit<SimulateOptions, "log">;
  readonly seconds: number;
}

const FLAP_MS = 3000;

export class SimulationSetupError extends Error {}

export async function runSimulation(options: SimulateOptions): Promise<SimulationResult> {
  const log = options.log ?? (() => {});
  const random = seededRandom(options.seed);
  const dir = await mkdtemp(join(tmpdir(), "baton-simulate-"));
  const demos: DemoServices[] = [];
  const timers: NodeJS.Timeout[] = [];
  const started = performance.now();
  try {
    let servicesFile = options.servicesFile;
    const registered = new Map<string, string[]>();
    if (servicesFile === undefined) {
      for (const _ of ["a", "b"]) demos.push(await startDemoServices({ basePort: 0, random }));
      const seed = await demoSeed(options.workflowsDir, demos);
      for (const service of seed)
        registered.set(
          service.name,
          service.instances.map((i) => i.id),
        );
      for (const name of [...options.outage, ...options.flapping]) {
        if (!registered.has(name))
          throw new SimulationSetupError(
            `no service named "${name}" to take down (services: ${[...registered.keys()].join(", ")})`,
          );
      }
      servicesFile = join(dir, "services.json");
      await writeFile(servicesFile, JSON.stringify({ services: seed }));
      applyFaults(demos, options, timers);
    } else {
      const text = await readFile(servicesFile, "utf8");
      const doc = parse(text) as { services?: { name: string; instances?: { id: string }[] }[] };
      for (const s of doc.services ?? [])
        registered.set(
          s.name,
          (s.instances ?? []).map((i) => i.id),
        );
    }

    const server = await startDevServer({
      port: 0,
      workflowsDir: options.workflowsDir,
      servicesFile,
      dataDir: join(dir, "data"),
      healthCheckSeconds: 2,
      log,
      out: () => {},
    });
    const events: ObservedEvent[] = [];
    const unlisten = server.runtime.bus.listen((event) =>
      events.push({ detailType: event["detail-type"], detail: event.detail }),
    );
    try {
      const names = [...server.compiled.workflows.keys()].filter(
        (n) => options.only === undefined || options.only.includes(n),
      );
      if (names.length === 0)
        throw new SimulationSetupError(`no workflow to simulate in ${options.workflowsDir}`);
      const jobs = Array.from({ length: options.executions }, (_, i) => {
        const workflow = names[i % names.length] as string;
        return {
          workflow,
          input: generateInput(server.compiled.workflows.get(workflow)?.input, random),
        };
      });
      const outcomes: ExecutionOutcome[] = [];
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < jobs.length) {
          const job = jobs[next++];
          if (job === undefined) return;
          outcomes.push(await execute(server.url, job.workflow, job.input));
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
      // Let the last step and circuit events land on the bus.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const report = buildReport({
        events,
        outcomes,
        workflows: server.compiled.workflows,
        registered,
      });
      const { log: _, ...settings } = options;
      return { ...report, settings, seconds: (performance.now() - started) / 1000 };
    } finally {
      unlisten();
      await server.stop();
    }
  } finally {
    for (const timer of timers) clearInterval(timer);
    await Promise.all(demos.map((d) => d.close()));
    await rm(dir, { recursive: true, force: true });
  }
}

interface SeedService {
  readonly name: string;
  readonly instances: readonly { id: string; url: string; weight?: number }[];
  readonly [key: string]:
    | Json
    | undefined
    | readonly { id: string; url: string; weight?: number }[];
}

/**
 * The folder's registry seed (circuit, health, balancing settings kept) with each demo service's
 * instances replaced by the two running demo instances `<name>-a` and `<name>-b`.
 */
async function demoSeed(
  workflowsDir: string,
  demos: readonly DemoServices[],
): Promise<SeedService[]> {
  const file = registrySeedIn(workflowsDir);
  const doc =
    file !== undefined && existsSync(file)
      ? (parse(await readFile(file, "utf8")) as { services?: Record<string, Json>[] })
      : {};
  const configured = new Map((doc.services ?? []).map((s) => [String(s.name), s]));
  return DEMO_SERVICE_NAMES.map((name) => ({
    health: { path: "/health", intervalSeconds: 10 },
    timeout: 5,
    ...configured.get(name),
    name,
    instances: demos.map((demo, index) => ({
      id: `${name}-${String.fromCharCode(97 + index)}`,
      url: (demo.services.get(name) as RunningDemoService).url,
      weight: 1,
    })),
  }));
}

function applyFaults(
  demos: readonly DemoServices[],
  options: SimulateOptions,
  timers: NodeJS.Timeout[],
): void {
  for (const [index, demo] of demos.entries()) {
    for (const service of demo.services.values()) {
      Object.assign(service.settings, {
        failureRate: options.faultRate,
        failStatus: index === 0 ? 503 : 429,
        latencyMs: options.latencyMs,
      });
      if (options.outage.includes(service.name))
        Object.assign(service.settings, { failureRate: 1, failStatus: 503, healthy: false });
    }
  }
  for (const name of options.flapping) {
    const service = demos[0]?.services.get(name);
    if (service === undefined) continue;
    let down = false;
    const flip = () => {
      down = !down;
      Object.assign(service.settings, {
        healthy: !down,
        failureRate: down ? 1 : options.faultRate,
        failStatus: 503,
      });
    };
    flip();
    timers.push(setInterval(flip, FLAP_MS));
  }
}

/** Starts one execution over HTTP (input validated like any other) and waits for its end. */
async function execute(url: string, workflow: string, input: Json): Promise<ExecutionOutcome> {
  const response = await fetch(`${url}/workflows/${workflow}/executions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(input),
  });
  const started = (await response.json()) as { id?: string; status?: string; title?: string };
  if (started.id === undefined)
    return { id: `rejected-${Math.random()}`, workflow, status: `REJECTED ${response.status}` };
  const deadline = Date.now() + 900_000;
  for (;;) {
    const doc = (await (await fetch(`${url}/executions/${started.id}`)).json()) as {
      status?: string;
      compensation?: string;
    };
    const status = doc.status ?? "UNKNOWN";
    if (status !== "RUNNING" && doc.compensation !== "RUNNING")
      return { id: started.id, workflow, status };
    if (Date.now() > deadline) return { id: started.id, workflow, status: "STUCK" };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
