/**
 * What a cancel with compensation undoes, and why a compensated execution cannot be redriven.
 *
 * The compensation-only run (`batonCompensate`) undoes every compensable step whose result is in
 * its `steps`. A cancel gives it:
 * - the results of the steps that succeeded (outside map bodies; a map's own per-item list);
 * - for a map still running when stopped, the per-item list of what its items finished (each
 *   item's compensations then undo exactly those), `{}` for items with nothing finished;
 * - the calls in flight when the execution stopped: a result when the call completed during the
 *   bounded wait (a certain undo), else `{uncertain: true}` (WORKFLOWS.md v2, "Uncertain
 *   outcomes"): the undo runs with the undo key of an effect that may exist. In AWS a running
 *   Lambda cannot be aborted and its result is dropped with the stopped execution, so every step
 *   the record shows RUNNING at the cancel is uncertain;
 * - for a loop, every iteration that ran (the one in flight included), newest first, each with what
 *   it finished plus its calls in flight (uncertain), so each iteration's compensations undo
 *   exactly those (`$.steps.<loop>` alone misses the iteration in flight);
 * - minus steps the record shows compensated already (stopped inside its own saga).
 */
import type { Json } from "../core/model.ts";
import type { CatalogueStep, CatalogueWorkflow } from "../core/project/catalogue.ts";
import type { ExecutionResults, InFlightCall } from "./execution-engine.ts";
import type { ExecutionDocument } from "./records/document.ts";

/** `$.steps.<id>` of a step whose call may have taken effect: its compensation runs. */
export const UNCERTAIN_RESULT: Json = { uncertain: true };

export function compensationSteps(
  workflow: CatalogueWorkflow,
  execution: ExecutionDocument,
  results: ExecutionResults,
  inFlight: readonly InFlightCall[],
): Record<string, Json> {
  const byId = new Map(workflow.steps.map((s) => [s.id, s]));
  const undone = new Set(
    execution.steps
      .filter((s) => s.status === "COMPENSATED" || s.status === "COMPENSATION_FAILED")
      .map((s) => s.id),
  );
  const topLevelOutsideMaps = (step: CatalogueStep | undefined): step is CatalogueStep =>
    step !== undefined && !undone.has(step.id) && !inMapBody(byId, step.scope);
  const kept: Record<string, Json> = {};
  for (const [stepId, result] of Object.entries(results.steps)) {
    if (topLevelOutsideMaps(byId.get(stepId))) kept[stepId] = result;
  }
  for (const [mapId, items] of Object.entries(results.items ?? {})) {
    const map = byId.get(mapId);
    if (map?.kind !== "map" || kept[mapId] !== undefined || !topLevelOutsideMaps(map)) continue;
    const indexes = Object.keys(items).map(Number);
    const length = Math.max(itemCount(workflow, mapId, results) ?? 0, ...indexes.map((i) => i + 1));
    kept[mapId] = Array.from({ length }, (_, i) => items[i] ?? {});
  }
  const calls = new Map(inFlight.filter((c) => c.mode === "call").map((c) => [c.stepId, c]));
  const running = execution.steps.filter((s) => s.status === "RUNNING").map((s) => s.id);
  for (const loop of workflow.steps) {
    if (loop.kind !== "loop" || !topLevelOutsideMaps(loop)) continue;
    const iterations = loopIterations(workflow, loop.id, results, calls, running);
    if (iterations !== undefined) kept[loop.id] = iterations;
  }
  for (const stepId of new Set([...calls.keys(), ...running])) {
    const step = byId.get(stepId);
    if (step?.compensable !== true || !topLevelOutsideMaps(step) || kept[stepId] !== undefined)
      continue;
    const call = calls.get(stepId);
    if (call?.outcome === "failed") continue; // answered with an error: nothing took effect
    if (call?.outcome === "succeeded" && call.result !== undefined) {
      kept[stepId] = call.result;
    } else if (!undoReadsOwnResult(workflow, stepId)) {
      kept[stepId] = UNCERTAIN_RESULT;
    }
    // Otherwise the undo needs the result the stop lost: a JSONPath to it in the undo's
    // Parameters would fail the whole compensation run uncatchably, so the step is left out and
    // the record shows compensation UNCERTAIN (not confirmed undone).
  }
  return kept;
}

/** `<loop>[<i>].<step>`: the record entry of a step in one iteration of a top-level loop. */
const ITERATION_ENTRY = /^([a-z][a-z0-9_]*)\[(\d+)\]\.([a-z][a-z0-9_]*)$/;

/**
 * `$.steps.<loop>` for a compensation-only run: `{count, done, iterations}`, iterations newest
 * first, each with the results its steps finished and its calls in flight marked uncertain.
 * Undefined when the loop never started an iteration.
 */
function loopIterations(
  workflow: CatalogueWorkflow,
  loopId: string,
  results: ExecutionResults,
  calls: ReadonlyMap<string, InFlightCall>,
  running: readonly string[],
): Json | undefined {
  const byIteration = new Map<number, Record<string, Json>>();
  for (const [index, steps] of Object.entries(results.items?.[loopId] ?? {}))
    byIteration.set(Number(index), { ...steps });
  const body = new Map(
    workflow.steps.filter((s) => s.scope === `${loopId}/0`).map((s) => [s.id, s]),
  );
  const mark = (index: number, stepId: string, result: Json) => {
    const step = body.get(stepId);
    if (step?.compensable !== true) return;
    const steps = byIteration.get(index) ?? {};
    if (steps[stepId] === undefined) steps[stepId] = result;
    byIteration.set(index, steps);
  };
  // Iterations run one after another: a call in flight belongs to the newest one.
  const newest = Math.max(-1, ...byIteration.keys());
  for (const [stepId, call] of calls) {
    if (!body.has(stepId) || newest < 0 || call.outcome === "failed") continue;
    if (call.outcome === "succeeded" && call.result !== undefined)
      mark(newest, stepId, call.result);
    else if (!undoReadsOwnResult(workflow, stepId)) mark(newest, stepId, UNCERTAIN_RESULT);
  }
  for (const id of running) {
    const match = ITERATION_ENTRY.exec(id);
    if (match?.[1] !== loopId || match[3] === undefined) continue;
    if (!undoReadsOwnResult(workflow, match[3])) mark(Number(match[2]), match[3], UNCERTAIN_RESULT);
  }
  if (byIteration.size === 0) return undefined;
  const order = [...byIteration.keys()].sort((a, b) => b - a);
  return {
    count: (order[0] ?? 0) + 1,
    done: false,
    iterations: order.map((iteration) => ({ iteration, steps: byIteration.get(iteration) ?? {} })),
  };
}

/**
 * Why a redrive is refused, or undefined when it may run. A redrive resumes work that is still in
 * place; a compensated step was undone, and running it again under its Idempotency-Key would get
 * the stored answer of the undone effect from a service that honours the key (a refunded charge
 * reported as captured). So an execution whose compensation ran, or still runs, is refused: start
 * a new execution with the same input instead.
 */
export function redriveRefusal(execution: ExecutionDocument): string | undefined {
  const id = execution.id;
  if (execution.compensation === "RUNNING" || execution.compensation === "PENDING") {
    return `Execution ${id} cannot be redriven: its compensation is ${execution.compensation}; wait for it to end.`;
  }
  const undone = execution.steps
    .filter((s) => s.status === "COMPENSATED" || s.status === "COMPENSATION_FAILED")
    .map((s) => s.id);
  if (undone.length === 0 && execution.compensation !== "UNCERTAIN") return undefined;
  const which =
    undone.length === 0
      ? "its compensation undid calls whose outcome was unknown"
      : `step${undone.length === 1 ? "" : "s"} ${undone.join(", ")} ${undone.length === 1 ? "was" : "were"} compensated`;
  return `Execution ${id} cannot be redriven: ${which}. Running ${undone.length === 1 ? "it" : "them"} again under the same Idempotency-Key would return the stored answer of the undone effect; start a new execution with the same input instead (POST /workflows/${execution.workflow}/executions).`;
}

/** Whether a map body encloses the list `scope` (`/` top level, `<parentId>/<n>` nested). */
function inMapBody(byId: ReadonlyMap<string, CatalogueStep>, scope: string): boolean {
  for (let depth = 0; depth <= byId.size; depth++) {
    const slash = scope.lastIndexOf("/");
    if (slash <= 0) return false;
    const parent = byId.get(scope.slice(0, slash));
    if (parent === undefined) return true; // not a list of this workflow: keep out
    if (parent.kind === "map") return true;
    scope = parent.scope;
  }
  return true; // a cycle: malformed catalogue
}

/** How many items the map iterates, read from its state's `ItemsPath` over the run's state. */
function itemCount(
  workflow: CatalogueWorkflow,
  mapId: string,
  results: ExecutionResults,
): number | undefined {
  const path = itemsPathOf(findState(workflow.asl, mapId));
  if (path === undefined) return undefined;
  let value: unknown = { input: results.input, steps: results.steps };
  for (const part of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return Array.isArray(value) ? value.length : undefined;
}

/**
 * The state named `name` in a definition or its Parallel branches (and, with `inMaps`, Map item
 * processors; not otherwise).
 */
function findState(definition: unknown, name: string, inMaps = false): unknown {
  const states = (definition as { readonly States?: unknown } | null)?.States;
  if (typeof states !== "object" || states === null) return undefined;
  const own = (states as Record<string, unknown>)[name];
  if (own !== undefined) return own;
  for (const state of Object.values(states as Record<string, unknown>)) {
    const { Branches: branches, ItemProcessor: processor } = (state ?? {}) as {
      readonly Branches?: unknown;
      readonly ItemProcessor?: unknown;
    };
    const nested = [...(Array.isArray(branches) ? branches : []), ...(inMaps ? [processor] : [])];
    for (const branch of nested) {
      const found = findState(branch, name, inMaps);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** `$.input.lines` → `["input", "lines"]`; undefined for anything but a plain dotted path. */
function itemsPathOf(state: unknown): string[] | undefined {
  const path = (state as { readonly ItemsPath?: unknown } | null | undefined)?.ItemsPath;
  if (typeof path !== "string" || !/^\$(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(path)) return undefined;
  return path.slice(2).split(".");
}

/**
 * Whether the compiled undo of `stepId` reads the step's own result, which the stop lost: by
 * JSONPath in its Parameters (`$.steps.<id>…`, which fails uncatchably when the result is only the
 * uncertain marker), or in a template the service-call handler resolves (`{{ steps.<id>… }}`
 * without a `??` default, which fails the undo with `Baton.TemplateError`: compensation FAILED
 * although nothing could have been undone there).
 */
function undoReadsOwnResult(workflow: CatalogueWorkflow, stepId: string): boolean {
  // Undos of loop body steps live in the loop's compensation Map: search item processors too.
  const undo = findState(workflow.asl, `${stepId}#undo`, true);
  const parameters = (undo as { readonly Parameters?: unknown } | undefined)?.Parameters;
  if (parameters === undefined) return false;
  const text = JSON.stringify(parameters);
  const id = stepId.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  if (new RegExp(`\\$\\.steps\\.${id}\\b`).test(text)) return true;
  const ownRead = new RegExp(`(^|[^\\w.])steps\\.${id}\\b`);
  return [...text.matchAll(/\{\{(.*?)\}\}/g)].some(
    ([, expression = ""]) => ownRead.test(expression) && !expression.includes("??"),
  );
}
