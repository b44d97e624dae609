import {
  COST_DEFAULTS,
  type CostReport,
  estimateCost,
  type ScenarioCost,
} from "../../core/cost.ts";
import { type Command, type CommandContext, loadOne, writeJson } from "../command.ts";
import { EXIT, UsageError } from "../io.ts";

export const cost: Command = {
  name: "cost",
  summary: "estimate state transitions and USD on Standard and Express",
  synopsis: "cost <file> [--executions n]",
  help: [
    `--executions n      executions to price besides per million (default ${COST_DEFAULTS.executions.toLocaleString("en-US")})`,
    `--failure-rate p    chance that one call attempt fails, expected case (default ${COST_DEFAULTS.failureRate})`,
    `--map-items n       iterations assumed for each map step (default ${COST_DEFAULTS.mapItems})`,
    `--call-ms ms        duration of one call attempt, for Express (default ${COST_DEFAULTS.callMs})`,
  ],
  options: {
    executions: { type: "string" },
    "failure-rate": { type: "string" },
    "map-items": { type: "string" },
    "call-ms": { type: "string" },
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
      callMs: numberOption(ctx, "call-ms", COST_DEFAULTS.callMs, { min: 0 }),
    };
    const loaded = await loadOne(ctx);
    if ("exit" in loaded) return loaded.exit;
    const { workflow, asl } = loaded.ready;
    let report: CostReport;
    try {
      report = estimateCost(workflow, asl, options);
    } catch (error) {
      ctx.io.stderr(
        `${loaded.file.file}: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      return EXIT.failed;
    }
    if (ctx.json) writeJson(ctx.io, { ok: true, ...report });
    else ctx.io.stdout(formatReport(report));
    return EXIT.ok;
  },
};

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
    `${report.workflow} v${report.version} (${report.type}): estimated Step Functions cost, ${report.pricing.region}`,
    "",
    line(
      "",
      scenarios.map(([name]) => name),
    ),
    ...cells.map(([label = "", ...values]) => line(label, values)),
    "",
    `Assumptions (failure rate ${report.assumptions.failureRate} per call attempt, ${report.assumptions.mapItems} map items, ${report.assumptions.callMs} ms per call):`,
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
