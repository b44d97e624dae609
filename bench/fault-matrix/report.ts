/** Text tables of fault-matrix runs: defect counts per workflow, runs side by side. */
import { type Counts, DEFECT_CLASSES, type DefectClass, type Finding } from "./check.ts";
import type { MatrixResult } from "./matrix.ts";
import { MATRIX_WORKFLOWS } from "./workflows.ts";

export interface NamedRun {
  readonly name: string;
  readonly result: MatrixResult;
}

/**
 * One row per workflow and a total row; per run, one column per defect class, then `slots`: the
 * concurrency slots fm-limited left held or queued after every execution ended (must be 0).
 */
export function defectTable(runs: readonly NamedRun[]): string {
  const rows = [...MATRIX_WORKFLOWS.map((w) => w.name), "total"];
  const countsOf = (run: NamedRun, row: string): Counts | undefined =>
    row === "total" ? run.result.totals : run.result.perWorkflow.get(row)?.counts;
  const head = [
    "workflow".padEnd(10),
    ...runs.map((r) => `${r.name}: ${DEFECT_CLASSES.join(" ")} slots`),
  ];
  const lines = [
    `| ${head.join(" | ")} |`,
    `|${head.map((h) => "-".repeat(h.length + 2)).join("|")}|`,
  ];
  for (const row of rows) {
    const cells = runs.map((run, i) => {
      const counts = countsOf(run, row);
      const left = run.result.limits.leakedSlots + run.result.limits.queuedLeft;
      const slots = row === "total" || row === "fm-limited" ? String(left) : "-";
      const cell = [
        ...DEFECT_CLASSES.map((k) => String(counts?.[k] ?? "-").padStart(k.length)),
        slots.padStart("slots".length),
      ].join(" ");
      return cell.padStart(head[i + 1]?.length ?? 0);
    });
    lines.push(`| ${[row.padEnd(10), ...cells].join(" | ")} |`);
  }
  return lines.join("\n");
}

/** Executions per final status, per workflow, for each run. */
export function statusLines(run: NamedRun): string[] {
  return MATRIX_WORKFLOWS.map((w) => {
    const tally = run.result.perWorkflow.get(w.name);
    const statuses = Object.entries(tally?.byStatus ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, n]) => `${status} ${n}`)
      .join(", ");
    const errors = Object.entries(tally?.byError ?? {})
      .sort(([, a], [, b]) => b - a)
      .map(([name, n]) => `${name} ${n}`)
      .join(", ");
    return `  ${w.name.padEnd(10)} ${tally?.executions ?? 0} executions: ${statuses}${errors === "" ? "" : ` (errors: ${errors})`}`;
  });
}

/** Up to `perClass` findings of each class that occurred, as examples of their causes. */
export function exampleFindings(findings: readonly Finding[], perClass = 3): string[] {
  const lines: string[] = [];
  for (const kind of DEFECT_CLASSES) {
    const of = findings.filter((f) => f.kind === kind);
    if (of.length === 0) continue;
    lines.push(`  ${kind} (${of.length}):`);
    for (const f of of.slice(0, perClass))
      lines.push(`    ${f.workflow} ${f.executionId}: ${f.detail}`);
  }
  return lines;
}

/** What the findings of one run come from, by the rule that produced them. */
export function causeLines(findings: readonly Finding[]): string[] {
  const count = (kind: DefectClass, pattern: RegExp) =>
    findings.filter((f) => f.kind === kind && pattern.test(f.detail)).length;
  const leaked = findings.filter((f) => f.kind === "leaked").length;
  const wrong = findings.filter((f) => f.kind === "wrong").length;
  if (leaked + wrong === 0) return [];
  return [
    `  causes: leaked ${count("leaked", /uncertain/)} of ${leaked} after an answer past the step timeout; ` +
      `wrong: ${count("wrong", /SUCCEEDED but \S+ has/)} SUCCEEDED with an effect missing, ` +
      `${count("wrong", /left standing/)} leaks under compensation COMPLETED/NONE, ` +
      `${count("wrong", /COMPENSATION_FAILED although/)} COMPENSATION_FAILED with nothing left, ` +
      `${count("wrong", /step \S+ (SUCCEEDED|COMPENSATED|PENDING|RUNNING)/)} step statuses (of ${wrong})`,
  ];
}

/** fm-limited's concurrency limit: starts queued, most running per tenant, slots left. */
export function limitLine(run: NamedRun): string {
  const l = run.result.limits;
  return `  fm-limited (limit ${l.limit} per tenant): ${l.queuedStarts} starts QUEUED; at most ${l.maxRunning} running per tenant (records); after the run ${l.leakedSlots} slots held, ${l.queuedLeft} starts queued`;
}

export const anyDefect = (result: MatrixResult): boolean =>
  DEFECT_CLASSES.some((k: DefectClass) => result.totals[k] > 0) ||
  result.startFailures > 0 ||
  result.limits.leakedSlots > 0 ||
  result.limits.queuedLeft > 0 ||
  result.limits.maxRunning > result.limits.limit;
