/**
 * Workflow statistics over execution documents (`GET /workflows/{name}/stats`) and rule-based
 * suggestions. Pure: the route fetches the documents, this computes.
 */
import type { CatalogueStep, CatalogueWorkflow } from "../../core/project/catalogue.ts";
import { type ExecutionDocument, isActiveStatus } from "./document.ts";

export interface StepStats {
  readonly id: string;
  /** Executions in which the step ran at least once. */
  readonly runs: number;
  readonly avgDurationMs: number;
  readonly p95DurationMs: number;
  /** Share of runs that needed more than one attempt. */
  readonly retryRate: number;
  readonly failureRate: number;
}

export interface Suggestion {
  readonly rule: "parallelize" | "cache" | "dominant-step" | "flaky-step";
  readonly steps: readonly string[];
  readonly message: string;
  /** Rough milliseconds saved per execution, where the rule can estimate it. */
  readonly estimatedSavingMs?: number;
}

export interface WorkflowStats {
  readonly workflow: string;
  readonly since: string;
  /** Executions started since `since` that were examined. */
  readonly count: number;
  /** More executions exist than were examined. */
  readonly truncated: boolean;
  readonly running: number;
  /** SUCCEEDED among finished executions (0..1); null when none finished. */
  readonly successRate: number | null;
  readonly avgDurationMs: number | null;
  readonly p95DurationMs: number | null;
  /** Share of executions where some step needed more than one attempt. */
  readonly retryRate: number | null;
  /** Share of finished executions that compensated (or tried to). */
  readonly compensationRate: number | null;
  readonly byStatus: { readonly [status: string]: number };
  /** The step with the highest average duration. */
  readonly bottleneck: {
    readonly step: string;
    readonly avgDurationMs: number;
    readonly p95DurationMs: number;
  } | null;
  readonly steps: readonly StepStats[];
  readonly suggestions: readonly Suggestion[];
}

export interface StatsOptions {
  /** A GET step called in at least this many executions is worth caching. @default 20 */
  readonly frequentCalls?: number;
  /** A step whose p95 is at least this share of the execution p95 dominates it. @default 0.5 */
  readonly dominantShare?: number;
  /** A step retried in at least this share of its runs is flaky. @default 0.2 */
  readonly flakyRetryRate?: number;
  /** Minimum runs before a step's figures are trusted for a suggestion. @default 5 */
  readonly minRuns?: number;
}

export function computeStats(
  workflow: CatalogueWorkflow,
  documents: readonly ExecutionDocument[],
  since: string,
  truncated: boolean,
  options: StatsOptions = {},
): WorkflowStats {
  const opts = {
    frequentCalls: 20,
    dominantShare: 0.5,
    flakyRetryRate: 0.2,
    minRuns: 5,
    ...options,
  };
  const finished = documents.filter((d) => !isActiveStatus(d.status));
  const durations = finished.flatMap((d) => (d.durationMs === null ? [] : [d.durationMs]));
  const byStatus: Record<string, number> = {};
  for (const d of documents) byStatus[d.status] = (byStatus[d.status] ?? 0) + 1;
  const steps = stepStats(workflow, documents);
  const bottleneck = [...steps].sort(
    (a, b) => b.avgDurationMs - a.avgDurationMs || a.id.localeCompare(b.id),
  )[0];
  const p95 = percentile(durations, 0.95);
  return {
    workflow: workflow.name,
    since,
    count: documents.length,
    truncated,
    running: documents.length - finished.length,
    successRate: ratio(finished.filter((d) => d.status === "SUCCEEDED").length, finished.length),
    avgDurationMs: average(durations),
    p95DurationMs: p95,
    retryRate: ratio(
      documents.filter((d) => d.steps.some((s) => s.attempts > 1)).length,
      documents.length,
    ),
    compensationRate: ratio(finished.filter(compensated).length, finished.length),
    byStatus,
    bottleneck:
      bottleneck === undefined
        ? null
        : {
            step: bottleneck.id,
            avgDurationMs: bottleneck.avgDurationMs,
            p95DurationMs: bottleneck.p95DurationMs,
          },
    steps,
    suggestions: [
      ...parallelizable(workflow.steps, steps, opts.minRuns),
      ...cacheable(workflow.steps, steps, opts.frequentCalls),
      ...dominant(steps, p95, opts.dominantShare, opts.minRuns),
      ...flaky(steps, opts.flakyRetryRate, opts.minRuns),
    ],
  };
}

const compensated = (d: ExecutionDocument): boolean =>
  d.compensation !== "NONE" ||
  d.steps.some((s) => s.status === "COMPENSATED" || s.status === "COMPENSATION_FAILED");

function stepStats(
  workflow: CatalogueWorkflow,
  documents: readonly ExecutionDocument[],
): StepStats[] {
  const order = new Map(workflow.steps.map((s, i) => [s.id, i]));
  const samples = new Map<
    string,
    { durations: number[]; runs: number; retried: number; failed: number }
  >();
  for (const doc of documents) {
    for (const step of doc.steps) {
      if (step.attempts === 0) continue;
      const entry = samples.get(step.id) ?? { durations: [], runs: 0, retried: 0, failed: 0 };
      entry.runs += 1;
      if (step.attempts > 1) entry.retried += 1;
      if (step.status === "FAILED") entry.failed += 1;
      if (step.durationMs !== undefined) entry.durations.push(step.durationMs);
      samples.set(step.id, entry);
    }
  }
  return [...samples.entries()]
    .map(([id, s]) => ({
      id,
      runs: s.runs,
      avgDurationMs: average(s.durations) ?? 0,
      p95DurationMs: percentile(s.durations, 0.95) ?? 0,
      retryRate: ratio(s.retried, s.runs) ?? 0,
      failureRate: ratio(s.failed, s.runs) ?? 0,
    }))
    .sort(
      (a, b) =>
        (order.get(a.id) ?? Number.MAX_SAFE_INTEGER) - (order.get(b.id) ?? Number.MAX_SAFE_INTEGER),
    );
}

/**
 * Two steps of one list that run one after the other only because of file order (no explicit
 * `dependsOn`), where neither reads the other's result, could run concurrently.
 */
function parallelizable(
  definition: readonly CatalogueStep[],
  stats: readonly StepStats[],
  minRuns: number,
): Suggestion[] {
  const byId = new Map(stats.map((s) => [s.id, s]));
  const suggestions: Suggestion[] = [];
  const scopes = new Map<string, CatalogueStep[]>();
  for (const step of definition) scopes.set(step.scope, [...(scopes.get(step.scope) ?? []), step]);
  for (const list of scopes.values()) {
    for (let i = 1; i < list.length; i++) {
      const before = list[i - 1];
      const after = list[i];
      if (before === undefined || after === undefined || after.explicitDependsOn === true) continue;
      if (after.dependsOn.length !== 1 || after.dependsOn[0] !== before.id) continue;
      if (!RUNS_WORK.has(before.kind) || !RUNS_WORK.has(after.kind)) continue;
      if (reads(after, before, definition) || reads(before, after, definition)) continue;
      const a = byId.get(before.id);
      const b = byId.get(after.id);
      const measured = a !== undefined && b !== undefined && a.runs >= minRuns && b.runs >= minRuns;
      const saving = measured ? Math.round(Math.min(a.avgDurationMs, b.avgDurationMs)) : undefined;
      const next = list[i + 1];
      const rejoin =
        next !== undefined && next.explicitDependsOn !== true
          ? ` and ${next.id} "dependsOn: [${before.id}, ${after.id}]"`
          : "";
      suggestions.push({
        rule: "parallelize",
        steps: [before.id, after.id],
        message:
          `Steps ${before.id} and ${after.id} run one after the other, but ${after.id} does not read ` +
          `${before.id}'s result: if their order does not matter, give ${after.id} ` +
          `"dependsOn: [${before.dependsOn.join(", ")}]"${rejoin} so they run concurrently` +
          (saving === undefined ? "." : ` (about ${saving} ms less per execution).`),
        ...(saving === undefined ? {} : { estimatedSavingMs: saving }),
      });
    }
  }
  return suggestions;
}

/** Step kinds that do work worth overlapping (not control flow like fail/succeed/wait). */
const RUNS_WORK = new Set(["call", "parallel", "map", "workflow", "emit"]);

/** Whether `step` (or a step nested in it) reads `other` (or a step nested in it). */
function reads(step: CatalogueStep, other: CatalogueStep, all: readonly CatalogueStep[]): boolean {
  const targets = new Set([other.id, ...nestedIds(other, all)]);
  const readers = [step, ...all.filter((s) => nestedIds(step, all).includes(s.id))];
  return readers.some((r) => (r.reads ?? []).some((id) => targets.has(id)));
}

function nestedIds(step: CatalogueStep, all: readonly CatalogueStep[]): string[] {
  const prefix = `${step.id}/`;
  const direct = all.filter((s) => s.scope.startsWith(prefix));
  return direct
    .flatMap((s) => [s.id, ...nestedIds(s, all)])
    .filter((id, i, ids) => ids.indexOf(id) === i);
}

function cacheable(
  definition: readonly CatalogueStep[],
  stats: readonly StepStats[],
  frequent: number,
): Suggestion[] {
  const byId = new Map(stats.map((s) => [s.id, s]));
  const gets = definition.filter((s) => s.kind === "call" && s.call?.method === "GET");
  const suggestions: Suggestion[] = [];
  for (const step of gets) {
    const s = byId.get(step.id);
    if (s === undefined || s.runs < frequent) continue;
    suggestions.push({
      rule: "cache",
      steps: [step.id],
      message:
        `Step ${step.id} calls GET ${step.call?.service ?? ""} ${step.call?.path ?? ""} in ${s.runs} executions ` +
        `(avg ${Math.round(s.avgDurationMs)} ms): cache the response in front of the service` +
        (step.idempotent === true
          ? "."
          : ", and mark the step `idempotent: true` so retries are known to be safe."),
    });
  }
  const byTarget = new Map<string, string[]>();
  for (const step of gets) {
    const key = `${step.call?.service ?? ""} ${step.call?.path ?? ""}`;
    byTarget.set(key, [...(byTarget.get(key) ?? []), step.id]);
  }
  for (const [target, ids] of byTarget) {
    if (ids.length < 2) continue;
    suggestions.push({
      rule: "cache",
      steps: ids,
      message: `Steps ${ids.join(", ")} all call GET ${target}: call it once and read that step's result instead.`,
    });
  }
  return suggestions;
}

function dominant(
  stats: readonly StepStats[],
  p95: number | null,
  share: number,
  minRuns: number,
): Suggestion[] {
  if (p95 === null || p95 <= 0) return [];
  return stats
    .filter((s) => s.runs >= minRuns && s.p95DurationMs >= share * p95)
    .map((s) => ({
      rule: "dominant-step" as const,
      steps: [s.id],
      message:
        `Step ${s.id} takes ${Math.round(s.p95DurationMs)} ms at p95, ${Math.round((100 * s.p95DurationMs) / p95)}% of ` +
        `the execution's p95 (${Math.round(p95)} ms): review the service's latency, its timeout and retry settings.`,
    }));
}

function flaky(stats: readonly StepStats[], threshold: number, minRuns: number): Suggestion[] {
  return stats
    .filter((s) => s.runs >= minRuns && s.retryRate >= threshold)
    .map((s) => ({
      rule: "flaky-step" as const,
      steps: [s.id],
      message:
        `Step ${s.id} needed retries in ${Math.round(100 * s.retryRate)}% of its runs: check the service's health ` +
        "and circuit state; retries add latency and load.",
    }));
}

export function average(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1] ?? null;
}

const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
