/**
 * Judges each execution of the fault matrix by what the services' ledger says happened and what
 * its record says. Counts (per workflow):
 *
 * - lost: started (the API answered 201) but no record at all;
 * - stuck: a record whose status, or whose compensation, is not terminal after the bounded wait;
 * - leaked: effects still standing at a service although the execution did not succeed;
 * - doubled: extra applications of one logical effect (two keys applied for one step or item) and
 *   extra undos of one effect (two different undo keys undid it);
 * - wrong: executions whose record contradicts the ledger: SUCCEEDED with an expected effect
 *   missing or undone, a standing effect while compensation reads COMPLETED/NONE,
 *   COMPENSATION_FAILED with nothing left standing, a step SUCCEEDED/COMPENSATED whose effect is
 *   not standing/undone, a step still PENDING/RUNNING in a finished execution although its service
 *   applied its effect;
 * - order: executions where an effect was undone before one that completed after it in the same
 *   line of dependency (reverse completion order, WORKFLOWS.md "Compensation").
 *
 * `findings` keeps one line per problem (execution, class, why) so the causes can be read.
 */
import type { AppliedEffect, EffectLedger, UndoRecord } from "./ledger-service.ts";
import { logicalId, type MatrixWorkflow } from "./workflows.ts";

export const DEFECT_CLASSES = ["lost", "stuck", "leaked", "doubled", "wrong", "order"] as const;
export type DefectClass = (typeof DEFECT_CLASSES)[number];
export type Counts = Record<DefectClass, number>;

export interface StepEntry {
  readonly id: string;
  readonly status: string;
}

/** The part of the execution document the checker reads. */
export interface RecordView {
  readonly status: string;
  readonly compensation: string;
  readonly steps: readonly StepEntry[];
  readonly error?: { readonly name: string; readonly message?: string } | null;
  readonly startedAt?: string;
  readonly stoppedAt?: string;
}

export interface Started {
  readonly run: number;
  readonly executionId: string;
  readonly workflow: MatrixWorkflow;
  /** Undefined when GET /executions/{id} found nothing. */
  readonly record: RecordView | undefined;
}

export interface Finding {
  readonly executionId: string;
  readonly workflow: string;
  readonly kind: DefectClass;
  readonly detail: string;
}

export interface WorkflowTally {
  readonly executions: number;
  readonly byStatus: Record<string, number>;
  /** Executions per error name of the record (failed ones). */
  readonly byError: Record<string, number>;
  readonly counts: Counts;
}

export interface CheckResult {
  readonly perWorkflow: ReadonlyMap<string, WorkflowTally>;
  readonly totals: Counts;
  readonly findings: readonly Finding[];
}

const TERMINAL = new Set(["SUCCEEDED", "FAILED", "COMPENSATION_FAILED", "CANCELLED", "TIMED_OUT"]);
const COMPENSATION_TERMINAL = new Set(["NONE", "COMPLETED", "FAILED", "UNCERTAIN"]);
/** A compensation that admits something may be left standing. */
const ADMITS_LEFTOVERS = new Set(["FAILED", "UNCERTAIN"]);

export const zeroCounts = (): Counts => ({
  lost: 0,
  stuck: 0,
  leaked: 0,
  doubled: 0,
  wrong: 0,
  order: 0,
});

export function checkExecutions(started: readonly Started[], ledger: EffectLedger): CheckResult {
  const effects = ledger.byExecution();
  const noops = ledger.noopUndos();
  const findings: Finding[] = [];
  const perWorkflow = new Map<
    string,
    {
      executions: number;
      byStatus: Record<string, number>;
      byError: Record<string, number>;
      counts: Counts;
    }
  >();
  const totals = zeroCounts();

  for (const execution of started) {
    const tally = perWorkflow.get(execution.workflow.name) ?? {
      executions: 0,
      byStatus: {},
      byError: {},
      counts: zeroCounts(),
    };
    perWorkflow.set(execution.workflow.name, tally);
    tally.executions += 1;
    const status = execution.record?.status ?? "LOST";
    tally.byStatus[status] = (tally.byStatus[status] ?? 0) + 1;
    const error = execution.record?.error?.name;
    if (error !== undefined) tally.byError[error] = (tally.byError[error] ?? 0) + 1;
    const own = judge(execution, effects.get(execution.executionId) ?? [], noops);
    for (const finding of own) {
      tally.counts[finding.kind] += 1;
      totals[finding.kind] += 1;
    }
    findings.push(...own);
  }
  return { perWorkflow, totals, findings };
}

/** The findings of one execution (leaked and doubled count effects, the rest executions). */
function judge(
  execution: Started,
  effects: readonly AppliedEffect[],
  noops: ReadonlyMap<string, readonly UndoRecord[]>,
): Finding[] {
  const findings: Finding[] = [];
  const add = (kind: DefectClass, detail: string): void => {
    findings.push({
      executionId: execution.executionId,
      workflow: execution.workflow.name,
      kind,
      detail,
    });
  };
  const byLogical = new Map<string, AppliedEffect[]>();
  for (const effect of effects) {
    const id = logicalId(effect.step, effect.item);
    byLogical.set(id, [...(byLogical.get(id) ?? []), effect]);
  }
  const standing = (id: string): number =>
    (byLogical.get(id) ?? []).filter((e) => e.undos.length === 0).length;
  const undone = (id: string): boolean => (byLogical.get(id) ?? []).some((e) => e.undos.length > 0);

  // Undos that found nothing to undo (an uncertain attempt that never reached the service).
  const spurious = noops.get(execution.executionId) ?? [];
  const undoOfNothing = (id: string): boolean =>
    spurious.some((u) => u.named !== undefined && logicalId(u.named.step, u.named.item) === id);

  // Doubled: independent of the record.
  for (const [id, applied] of byLogical) {
    if (applied.length > 1)
      add(
        "doubled",
        `${id} applied ${applied.length} times (keys ${applied.map((e) => e.key).join(", ")})`,
      );
    for (const effect of applied) {
      const keys = new Set(effect.undos.map((u) => u.key));
      if (keys.size > 1)
        add("doubled", `${id} undone ${keys.size} times (keys ${[...keys].join(", ")})`);
    }
  }

  const record = execution.record;
  if (record === undefined) {
    add("lost", `no record (${effects.length} effects at the services)`);
    return findings;
  }
  if (!TERMINAL.has(record.status)) {
    add("stuck", `status ${record.status} after the wait`);
    return findings;
  }
  if (record.status !== "SUCCEEDED" && !COMPENSATION_TERMINAL.has(record.compensation)) {
    add("stuck", `${record.status} with compensation ${record.compensation} after the wait`);
  }

  const wrong: string[] = [];
  if (record.status === "SUCCEEDED") {
    for (const id of execution.workflow.expected) {
      if (standing(id) !== 1)
        wrong.push(
          `SUCCEEDED but ${id} has ${standing(id)} standing effects${undone(id) ? " (undone)" : ""}`,
        );
    }
  } else {
    const leftovers = [...byLogical.keys()].filter((id) => standing(id) > 0);
    for (const id of leftovers) {
      const applied = byLogical.get(id) ?? [];
      const how = applied
        .map(
          (e) =>
            `key ${e.key}${e.lateAnswers > 0 ? `, answered late ${e.lateAnswers}x: uncertain` : ""}`,
        )
        .join("; ");
      add("leaked", `${id} left standing by a ${record.status} execution (${how})`);
    }
    if (leftovers.length > 0 && !ADMITS_LEFTOVERS.has(record.compensation))
      wrong.push(
        `${record.status}, compensation ${record.compensation}, but ${leftovers.join(", ")} left standing`,
      );
    if (leftovers.length === 0 && record.status === "COMPENSATION_FAILED")
      wrong.push("COMPENSATION_FAILED although every applied effect was undone");
  }
  for (const step of record.steps) {
    const id = recordStepId(step.id);
    if (id === undefined || !execution.workflow.expected.includes(id)) continue;
    const applied = (byLogical.get(id) ?? []).length > 0;
    if (step.status === "SUCCEEDED" && standing(id) === 0)
      wrong.push(
        `step ${step.id} SUCCEEDED but ${applied ? "its effect was undone" : "no effect was applied"}`,
      );
    if (step.status === "COMPENSATED" && !undone(id) && !undoOfNothing(id))
      wrong.push(`step ${step.id} COMPENSATED but no undo reached the service`);
    if ((step.status === "PENDING" || step.status === "RUNNING") && applied)
      wrong.push(
        `step ${step.id} ${step.status} in a finished execution although its effect was applied`,
      );
  }
  if (wrong.length > 0) add("wrong", wrong.join("; "));

  const violations = orderViolations(execution.workflow, byLogical);
  if (violations.length > 0) add("order", violations.join("; "));

  if (spurious.length > 0 && record.status === "SUCCEEDED")
    add("wrong", `SUCCEEDED but ${spurious.length} undo(s) were sent`);
  return findings;
}

/** `m[2]` for the v2 per-item entry `each[2].m`; the step id itself otherwise. */
function recordStepId(id: string): string | undefined {
  const item = /^[a-z][a-z0-9_]*\[(\d+)\]\.([a-z][a-z0-9_]*)$/.exec(id);
  if (item !== null) return logicalId(item[2] as string, Number(item[1]));
  return id;
}

function orderViolations(
  workflow: MatrixWorkflow,
  byLogical: ReadonlyMap<string, readonly AppliedEffect[]>,
): string[] {
  const firstUndo = (id: string): number | undefined => {
    const seqs = (byLogical.get(id) ?? []).flatMap((e) => e.undos.map((u) => u.seq));
    return seqs.length === 0 ? undefined : Math.min(...seqs);
  };
  const found: string[] = [];
  for (const [earlier, later] of workflow.order) {
    const a = firstUndo(earlier);
    const b = firstUndo(later);
    if (a !== undefined && b !== undefined && a < b)
      found.push(`${earlier} undone before ${later}, which completed after it`);
  }
  return found;
}
