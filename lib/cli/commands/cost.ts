import {
  COST_DEFAULTS,
  type CostReport,
  estimateCost,
  type ScenarioCost,
} from "../../core/cost.ts";
import {
  type DeploymentOptions,
  type LogLevel,
  type PathCost,
  pathCosts,
} from "../../core/execution-cost.ts";
import { type Architecture, PRICES, priceRows } from "../../core/pricing.ts";
import { type Command, type CommandContext, loadOne, writeJson } from "../command.ts";
import { EXIT, UsageError } from "../io.ts";

export const cost: Command = {
  name: "cost",
  summary: "estimate what executions cost in AWS, per path and per million",
  synopsis:
    "cost <file> [--executions n] [--type standard|express] [--memory mb] [--arch arm64|x86_64] [--log-level OFF|ERROR|ALL]",
  help: [
    `--executions n      executions to price besides per million (default ${COST_DEFAULTS.executions.toLocaleString("en-US")})`,
    `--failure-rate p    chance that one call attempt fails, expected case (default ${COST_DEFAULTS.failureRate})`,
    `--map-items n       iterations assumed for each map step (default ${COST_DEFAULTS.mapItems})`,
    `--loop-iterations n iterations assumed for each loop, expected case; the worst runs maxIterations (default ${COST_DEFAULTS.loopIterations})`,
    `--call-ms ms        duration of one call attempt, for Express (default ${COST_DEFAULTS.callMs})`,
    "--type t            price as standard or express (default: the workflow's type)",
    "--memory mb         Lambda memory of the service-call and records functions (default 256)",
    "--arch a            Lambda architecture, arm64 or x86_64 (default arm64)",
    "--log-level l       state machine log level, OFF, ERROR or ALL (default ERROR)",
  ],
  options: {
    executions: { type: "string" },
    "failure-rate": { type: "string" },
    "map-items": { type: "string" },
    "loop-iterations": { type: "string" },
    "call-ms": { type: "string" },
    type: { type: "string" },
    memory: { type: "string" },
    arch: { type: "string" },
    "log-level": { type: "string" },
  },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const options = {
      executions: numberOption(ctx, "executions", COST_DEFAULTS.executions, {
        integer: true,
        min: 1,
      }),
      failureRate: numberOption(ctx, "failure-rate", COST_DEFAULTS.failureRate, {
        min: 0,
        below: 1,
      }),
      mapItems: numberOption(ctx, "map-items", COST_DEFAULTS.mapItems, { integer: true, min: 0 }),
      loopIterations: numberOption(ctx, "loop-iterations", COST_DEFAULTS.loopIterations, {
        integer: true,
        min: 1,
      }),
      callMs: numberOption(ctx, "call-ms", COST_DEFAULTS.callMs, { min: 0 }),
    };
    const memoryMb = numberOption(ctx, "memory", 256, { integer: true, min: 128 });
    if (memoryMb > 10_240)
      throw new UsageError(`--memory must be a whole number from 128 to 10240; got "${memoryMb}"`);
    const type = oneOf(ctx, "type", ["standard", "express"] as const);
    const architecture = oneOf(ctx, "arch", ["arm64", "x86_64"] as const) ?? "arm64";
    const logLevel = oneOf(ctx, "log-level", ["OFF", "ERROR", "ALL"] as const) ?? "ERROR";
    const loaded = await loadOne(ctx);
    if ("exit" in loaded) return loaded.exit;
    const { workflow, asl } = loaded.ready;
    const deployment: DeploymentOptions = {
      type: type ?? workflow.type,
      memoryMb,
      architecture: architecture satisfies Architecture,
      logLevel: logLevel satisfies LogLevel,
      callMs: options.callMs,
      mapItems: options.mapItems,
      loopIterations: options.loopIterations,
    };
    let report: CostReport;
    let paths: readonly PathCost[];
    try {
      report = estimateCost(workflow, asl, options);
      paths = pathCosts(asl, deployment);
    } catch (error) {
      ctx.io.stderr(
        `${loaded.file.file}: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      return EXIT.failed;
    }
    const prices = {
      region: PRICES.region,
      asOf: PRICES.asOf,
      rows: priceRows().map(([service, unit, usd]) => ({ service, unit, usd })),
    };
    if (ctx.json) writeJson(ctx.io, { ok: true, ...report, deployment, paths, prices });
    else ctx.io.stdout(formatReport(report) + formatPaths(paths, deployment, report.executions));
    return EXIT.ok;
  },
};

function oneOf<T extends string>(
  ctx: CommandContext,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const raw = ctx.values[name];
  if (raw === undefined) return undefined;
  const found = allowed.find((a) => a === raw);
  if (found === undefined)
    throw new UsageError(`--${name} must be one of ${allowed.join(", ")}; got "${String(raw)}"`);
  return found;
}

function numberOption(
  ctx: CommandContext,
  name: string,
  fallback: number,
  rule: { readonly integer?: boolean; readonly min: number; readonly below?: number },
): number {
  const raw = ctx.values[name];
  if (raw === undefined) return fallback;
  const value =
    typeof raw === "string" && raw.trim() !== "" ? Number(raw.replaceAll("_", "")) : Number.NaN;
  const ok =
    Number.isFinite(value) &&
    value >= rule.min &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.below === undefined || value < rule.below);
  if (!ok) {
    const range =
      rule.below === undefined
        ? `>= ${rule.min}`
        : `from ${rule.min} up to (not including) ${rule.below}`;
    throw new UsageError(
      `--${name} must be ${rule.integer ? "a whole number" : "a number"} ${range}; got "${String(raw)}"`,
    );
  }
  return value;
}

/** The report as a small table followed by its prices and assumptions. */
export function formatReport(report: CostReport): string {
  const scenarios: [string, ScenarioCost][] = [
    ["best", report.best],
    ["expected", report.expected],
    ["worst", report.worst],
  ];
  const executions = report.executions.toLocaleString("en-US");
  const rows: [string, (s: ScenarioCost) => string][] = [
    ["state transitions / execution", (s) => count(s.transitions)],
    ["duration / execution", (s) => seconds(s.durationMs)],
    ["executions failing", (s) => percent(s.failureRate)],
    ["Standard, per million", (s) => dollars(s.standard.perMillion)],
    [`Standard, ${executions} executions`, (s) => dollars(s.standard.total)],
    ["Express, per million", (s) => dollars(s.express.perMillion)],
    [`Express, ${executions} executions`, (s) => dollars(s.express.total)],
  ];
  const labelWidth = Math.max(...rows.map(([label]) => label.length));
  const cells = rows.map(([label, f]) => [label, ...scenarios.map(([, s]) => f(s))]);
  const widths = scenarios.map(([name], i) =>
    Math.max(name.length, ...cells.map((c) => (c[i + 1] ?? "").length)),
  );
  const line = (label: string, values: readonly string[]) =>
    `${label.padEnd(labelWidth)}  ${values.map((v, i) => v.padStart(widths[i] ?? 0)).join("  ")}`.trimEnd();
  return [
    `${report.workflow} v${report.version} (${report.type}): Step Functions alone (retries included), ${report.pricing.region}`,
    "",
    line(
      "",
      scenarios.map(([name]) => name),
    ),
    ...cells.map(([label = "", ...values]) => line(label, values)),
    "",
    `Assumptions (failure rate ${report.assumptions.failureRate} per call attempt, ${report.assumptions.mapItems} map items, ${report.assumptions.loopIterations} loop iterations, ${report.assumptions.callMs} ms per call):`,
    ...report.assumptions.notes.map((n) => `  - ${n}`),
    "",
  ].join("\n");
}

const count = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(2));
const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const percent = (share: number): string =>
  `${(share * 100).toFixed(share > 0 && share < 0.001 ? 4 : 1)}%`;

function dollars(usd: number): string {
  if (usd === 0) return "$0";
  if (usd < 0.01) return `$${usd.toPrecision(2)}`;
  return `$${usd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** The whole execution per path, then the prices it used. */
export function formatPaths(
  paths: readonly PathCost[],
  deployment: DeploymentOptions,
  executions: number,
): string {
  const header = [
    "path",
    "transitions",
    "Lambda",
    "events",
    "WRU",
    "RRU",
    "Step Functions",
    "Lambda $",
    "DynamoDB",
    "EventBridge",
    "API Gateway",
    "Logs",
    "per million",
    `${executions.toLocaleString("en-US")} executions`,
  ];
  const million = (usd: number) => dollars(usd * 1e6);
  const rows = paths.map((p) => [
    p.path,
    count(p.usage.transitions),
    count(p.usage.serviceCalls + p.usage.recordsInvocations + p.usage.apiRequests),
    count(p.usage.events),
    count(p.usage.writeUnits),
    count(p.usage.readUnits),
    million(p.usd.stepFunctions),
    million(p.usd.lambda),
    million(p.usd.dynamodb),
    million(p.usd.eventBridge),
    million(p.usd.apiGateway),
    million(p.usd.logs),
    dollars(p.usdPerMillion),
    dollars(p.usd.total * executions),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const priceWidth = Math.max(
    ...priceRows().map(([service, unit]) => `${service}, ${unit}`.length),
  );
  return [
    "",
    `Whole execution, per path (${deployment.type}, Lambda ${deployment.memoryMb ?? 256} MB ${deployment.architecture ?? "arm64"}, logs at ${deployment.logLevel ?? "ERROR"}); USD per million executions by service:`,
    "",
    line(header),
    ...rows.map(line),
    "",
    "Lambda counts service-call, records and API invocations; WRU/RRU are DynamoDB write/read request units (records and circuit counts).",
    `Prices (${PRICES.region}, on-demand list prices from ${PRICES.asOf}; free tiers not deducted):`,
    ...priceRows().map(
      ([service, unit, usd]) =>
        `  ${`${service}, ${unit}`.padEnd(priceWidth)}  $${usd.toFixed(10).replace(/\.?0+$/, "")}`,
    ),
    "",
  ].join("\n");
}
