import { statSync } from "node:fs";
import { resolve } from "node:path";
import type { SimulateOptions, SimulationResult } from "../../local/simulate.ts";
import { type Command, writeJson } from "../command.ts";
import { EXIT, UsageError } from "../io.ts";
import { importLocal } from "./local.ts";
import { formatSimulation } from "./simulate-report.ts";

interface SimulateModule {
  runSimulation(options: SimulateOptions): Promise<SimulationResult>;
  InputGenerationError: new (...args: never[]) => Error;
  SimulationSetupError: new (...args: never[]) => Error;
}

export const simulate: Command = {
  name: "simulate",
  summary:
    "run the workflows under faults locally against the seed criteria (exit 1 when one fails)",
  synopsis:
    "simulate [--workflows dir] [--services file] [--executions 50] [--concurrency 10] [--fault-rate 0.1] [--latency 0] [--outage svc] [--flapping svc] [--seed 1]",
  help: [
    "--workflows dir      workflow folder (default workflows/)",
    "--services file      call these services as they are, no faults (default: demo services)",
    "--executions n       executions in all, spread over the workflows (default 50)",
    "--concurrency c      executions running at once (default 10)",
    "--fault-rate p       share of demo calls answered 503/429, 0 to 1 (default 0.1)",
    "--latency ms         added to every demo call (default 0)",
    "--outage a,b         these services are down: every call 503, health 503",
    "--flapping a,b       the first instance of these services goes down and up every 3 s",
    "--seed s             seed for inputs and faults (default 1)",
    "--workflow a,b       only these workflows",
  ],
  options: {
    workflows: { type: "string" },
    services: { type: "string" },
    executions: { type: "string" },
    concurrency: { type: "string" },
    "fault-rate": { type: "string" },
    latency: { type: "string" },
    outage: { type: "string" },
    flapping: { type: "string" },
    seed: { type: "string" },
    workflow: { type: "string" },
  },
  positionals: { min: 0, max: 0 },
  async run(ctx) {
    const text = (name: string): string | undefined => {
      const value = ctx.values[name];
      return typeof value === "string" ? value : undefined;
    };
    const workflowsDir = resolve(ctx.cwd, text("workflows") ?? "workflows");
    if (!isDirectory(workflowsDir))
      throw new UsageError(`--workflows ${workflowsDir} is not a folder of workflow files`);
    const services = text("services");
    const outage = list(text("outage"));
    const flapping = list(text("flapping"));
    const faultRate = numberFlag("fault-rate", text("fault-rate"), 0.1, 0, 1, false);
    const latencyMs = numberFlag("latency", text("latency"), 0, 0, 60_000, true);
    if (services !== undefined) {
      const faults = [
        text("fault-rate") !== undefined && "--fault-rate",
        text("latency") !== undefined && "--latency",
        outage.length > 0 && "--outage",
        flapping.length > 0 && "--flapping",
      ].filter(Boolean);
      if (faults.length > 0)
        throw new UsageError(
          `${faults.join(", ")} inject faults into the demo services and cannot be used with --services (drop --services to simulate against the demo services)`,
        );
    }
    const only = list(text("workflow"));
    const options: SimulateOptions = {
      workflowsDir,
      ...(services === undefined ? {} : { servicesFile: resolve(ctx.cwd, services) }),
      executions: numberFlag("executions", text("executions"), 50, 1, 100_000, true),
      concurrency: numberFlag("concurrency", text("concurrency"), 10, 1, 1000, true),
      faultRate,
      latencyMs,
      outage,
      flapping,
      seed: numberFlag("seed", text("seed"), 1, 0, 2 ** 32 - 1, true),
      ...(only.length === 0 ? {} : { only }),
      log: (line) => ctx.io.stderr(`${line}\n`),
    };
    const module = await importLocal<SimulateModule>("simulate", "runSimulation");
    if (!ctx.json)
      ctx.io.stderr(
        `baton simulate: ${options.executions} executions, concurrency ${options.concurrency}, faults ${faultRate * 100} %${outage.length > 0 ? `, down: ${outage.join(", ")}` : ""}${flapping.length > 0 ? `, flapping: ${flapping.join(", ")}` : ""}, seed ${options.seed}\n`,
      );
    let result: SimulationResult;
    try {
      result = await module.runSimulation(options);
    } catch (error) {
      if (
        error instanceof module.InputGenerationError ||
        error instanceof module.SimulationSetupError ||
        (error as { code?: unknown }).code === "ENOENT"
      )
        throw new UsageError((error as Error).message);
      throw error;
    }
    if (ctx.json) {
      const { settings, ...rest } = result;
      const { workflowsDir: dir, ...shown } = settings;
      writeJson(ctx.io, { ok: result.passed, settings: { workflowsDir: dir, ...shown }, ...rest });
    } else ctx.io.stdout(formatSimulation(result));
    return result.passed ? EXIT.ok : EXIT.failed;
  },
};

function list(raw: string | undefined): string[] {
  return raw === undefined
    ? []
    : raw
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
}

function numberFlag(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
  integer: boolean,
): number {
  if (raw === undefined) return fallback;
  const value = raw.trim() === "" ? Number.NaN : Number(raw);
  if (
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  )
    throw new UsageError(
      `--${name} must be ${integer ? "a whole number" : "a number"} from ${min} to ${max}; got "${raw}"`,
    );
  return value;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
