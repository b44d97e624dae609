/**
 * True step statuses from a finished run's state trace (the history's `StateEntered` and
 * `StateExited` names): every step kind, without extra states or events in the ASL. A compiled
 * step's state is named by its id and its `when` by `<id>#when` (`lib/core/compiler/names.ts`), so:
 * - a step whose state was entered ran: `FAILED` when its `Catch` led to its failure record
 *   (`<id>#failed`, `#timed-out`, `#child-failed`, `#uncertain`) or it never exited (in flight when the run
 *   stopped), else `SUCCEEDED`; a `fail` step is `FAILED`;
 * - a step never entered is `SKIPPED` when its `when` was evaluated, when it sits in a choice case
 *   that was not chosen, in a skipped container, or in a map with no items; otherwise it was never
 *   reached and gets no status here (the document shows `PENDING`);
 * - a parallel, choice or map is `FAILED` when a step inside failed, else as any step.
 * Call steps also publish step events, which the records prefer (they carry attempts and
 * compensation); the trace fills in every other kind and the skipped calls.
 */
import type { CatalogueStep } from "../../core/project/catalogue.ts";
import type { RecordState, StepState } from "./state.ts";

export interface StateTrace {
  readonly entered: readonly string[];
  readonly exited: readonly string[];
}

export type TracedStatus = "SUCCEEDED" | "FAILED" | "SKIPPED";

const WHEN = "#when";
/** A `workflow` step starts at its child-input check, before its own (start) state. */
const CHILD_INPUT = "#input";
const NO_ITEMS = "#no-items";
/** Helper states a step's `Catch` leads to: the step failed (its state may still count as exited). */
const FAILURE_RECORDS = ["#failed", "#timed-out", "#child-failed", "#uncertain"];

export function tracedStatuses(
  steps: readonly CatalogueStep[],
  trace: StateTrace,
): Map<string, TracedStatus> {
  const entered = new Set(trace.entered);
  const exited = new Set(trace.exited);
  const byId = new Map(steps.map((s) => [s.id, s]));
  const children = new Map<string, CatalogueStep[]>();
  for (const step of steps) {
    const parent = parentOf(step.scope);
    if (parent === undefined) continue;
    const list = children.get(parent.id) ?? [];
    list.push(step);
    children.set(parent.id, list);
  }
  const statuses = new Map<string, TracedStatus>();
  const visiting = new Set<string>();

  const reachedList = (parentId: string, list: string): boolean =>
    (children.get(parentId) ?? []).some(
      (s) => s.scope === `${parentId}/${list}` && (entered.has(s.id) || entered.has(s.id + WHEN)),
    );

  const statusOf = (step: CatalogueStep): TracedStatus | undefined => {
    if (statuses.has(step.id)) return statuses.get(step.id);
    if (visiting.has(step.id)) return undefined; // a cycle: malformed catalogue
    visiting.add(step.id);
    const status = derive(step);
    visiting.delete(step.id);
    if (status !== undefined) statuses.set(step.id, status);
    return status;
  };

  const derive = (step: CatalogueStep): TracedStatus | undefined => {
    const ran =
      entered.has(step.id) || (step.kind === "workflow" && entered.has(step.id + CHILD_INPUT));
    if (ran) {
      if (step.kind === "fail") return "FAILED";
      if (FAILURE_RECORDS.some((suffix) => entered.has(step.id + suffix))) return "FAILED";
      const inner = children.get(step.id) ?? [];
      if (inner.some((child) => statusOf(child) === "FAILED")) return "FAILED";
      if (step.kind === "choice") return "SUCCEEDED";
      return exited.has(step.id) ? "SUCCEEDED" : "FAILED";
    }
    if (step.kind === "map" && entered.has(step.id + NO_ITEMS)) return "SUCCEEDED";
    if (entered.has(step.id + WHEN)) return "SKIPPED";
    const parent = parentOf(step.scope);
    if (parent === undefined) return undefined;
    const container = byId.get(parent.id);
    if (container === undefined) return undefined;
    const containerStatus = statusOf(container);
    if (containerStatus === "SKIPPED") return "SKIPPED";
    if (container.kind === "map" && entered.has(container.id + NO_ITEMS)) return "SKIPPED";
    // The case that was not chosen: another list of the entered choice was reached.
    if (
      container.kind === "choice" &&
      entered.has(container.id) &&
      !reachedList(container.id, parent.list)
    ) {
      return "SKIPPED";
    }
    return undefined;
  };

  for (const step of steps) statusOf(step);
  return statuses;
}

/** `<parentId>/<n>` → the parent step and the list index; undefined for the top level. */
function parentOf(scope: string): { readonly id: string; readonly list: string } | undefined {
  const slash = scope.lastIndexOf("/");
  if (slash <= 0) return undefined;
  return { id: scope.slice(0, slash), list: scope.slice(slash + 1) };
}

/** The record delta of run `redriveCount`'s trace: one `traced` register per step it tells about. */
export function traceDelta(
  executionId: string,
  redriveCount: number,
  statuses: ReadonlyMap<string, TracedStatus>,
): RecordState {
  const steps: Record<string, StepState> = {};
  for (const [id, status] of statuses) steps[id] = { traced: { k: [redriveCount], v: status } };
  return { id: executionId, steps };
}
