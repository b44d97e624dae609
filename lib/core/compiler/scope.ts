/**
 * Where a compiled step runs and how it reads other steps' results.
 *
 * The top level keeps every result at `$.steps.<id>`. A parallel branch or map iteration starts
 * with an empty `$.steps` and reads the enclosing results from `$.outer`, so a branch returns only
 * its own results (merged back after the Parallel) and a map's per-item results stay small.
 */
import type { AslJson, Payload } from "../asl.ts";
import type { Step } from "../model.ts";

export interface Scope {
  /** Step ids whose results live in this scope's `$.steps`. */
  readonly local: ReadonlySet<string>;
  /** Whether `$.outer` holds the enclosing scopes' results. */
  readonly nested: boolean;
  /** Whether `$.item`, `$.index` and `$.itemPath` are bound (inside a map, at any depth). */
  readonly inMap: boolean;
  /** Whether `$.iteration` and `$.itemPath` are bound (inside a loop body, at any depth). */
  readonly inLoop: boolean;
  /**
   * Whether this is a loop iteration's own level, which carries `$.history` (the earlier
   * iterations) to the state that records the iteration.
   */
  readonly loopBody?: boolean;
  /** Where a `succeed` step goes: a state name at the top level, or the end of the branch. */
  readonly finish: string | null;
}

export function topScope(steps: readonly Step[], finish: string): Scope {
  return { local: localIds(steps), nested: false, inMap: false, inLoop: false, finish };
}

export function branchScope(parent: Scope, steps: readonly Step[]): Scope {
  return {
    local: localIds(steps),
    nested: true,
    inMap: parent.inMap,
    inLoop: parent.inLoop,
    finish: null,
  };
}

/** A map item's scope. */
export function iterationScope(parent: Scope, steps: readonly Step[]): Scope {
  return { local: localIds(steps), nested: true, inMap: true, inLoop: parent.inLoop, finish: null };
}

/**
 * A loop body's scope: one iteration, with `$.iteration` and its own `$.itemPath`; `body` when the
 * iteration runs in it (and carries `$.history`), not when its compensation does.
 */
export function loopScope(parent: Scope, steps: readonly Step[], body = true): Scope {
  return {
    local: localIds(steps),
    nested: true,
    inMap: parent.inMap,
    inLoop: true,
    ...(body ? { loopBody: true } : {}),
    finish: null,
  };
}

/** Whether `$.itemPath` is bound: inside a map item or a loop iteration. */
export const hasItemPath = (scope: Scope): boolean => scope.inMap || scope.inLoop;

/** JSONPath root holding a step's result, as seen from this scope. */
export const stepsRoot = (scope: Scope, id: string): string =>
  scope.local.has(id) ? "$.steps" : "$.outer";

/** The `$.outer` value a child scope starts with: everything visible from this one. */
export const outerForChild = (scope: Scope): string =>
  scope.nested ? "States.JsonMerge($.outer, $.steps, false)" : "$.steps";

/** The fields a state rebuilt by `Parameters` must carry over (everything but `steps`). */
export function carriedFields(scope: Scope): Record<string, AslJson> {
  return {
    "input.$": "$.input",
    "context.$": "$.context",
    ...(scope.nested ? { "outer.$": "$.outer" } : {}),
    ...itemFields(scope),
    ...(scope.loopBody === true ? { "history.$": "$.history" } : {}),
  };
}

/**
 * What a map item or loop iteration carries: its item and index (maps), its iteration (loops),
 * and its path through every enclosing map and loop.
 */
export function itemFields(scope: Scope): Record<string, string> {
  return {
    ...(scope.inMap ? { "item.$": "$.item", "index.$": "$.index" } : {}),
    ...(hasItemPath(scope) ? { "itemPath.$": "$.itemPath" } : {}),
    ...(scope.inLoop ? { "iteration.$": "$.iteration" } : {}),
  };
}

/**
 * `$.itemPath` of an iteration of map `mapId` run from `scope`: `<mapId>[<index>]`, after the
 * enclosing iteration's path in nested maps (`orders[1].lines[0]`). Step ids are unique in a
 * workflow, so the path names one item of one map; idempotency keys and signal waiters use it.
 */
export const itemPathSelector = (
  scope: Scope,
  mapId: string,
  index = "$$.Map.Item.Index",
): string =>
  hasItemPath(scope)
    ? `States.Format('{}.${mapId}[{}]', $.itemPath, ${index})`
    : `States.Format('${mapId}[{}]', ${index})`;

/** Input of a child branch: the carried fields, everything visible as `outer`, empty `steps`. */
export function childInput(scope: Scope): Payload {
  return {
    "input.$": "$.input",
    "context.$": "$.context",
    "outer.$": outerForChild(scope),
    ...itemFields(scope),
    steps: {},
  };
}

/**
 * Steps whose results a list leaves in its own `$.steps`: its steps and those nested in parallel
 * branches, choice cases and fallbacks (merged back or run inline), the last iteration of a loop
 * body (merged when the loop ends), but not map bodies (kept per item).
 */
function localIds(steps: readonly Step[]): Set<string> {
  const ids = new Set<string>();
  for (const step of steps) {
    ids.add(step.id);
    const lists =
      step.kind === "parallel"
        ? step.branches
        : step.kind === "choice"
          ? [...step.cases.map((c) => c.steps), step.otherwise]
          : step.kind === "loop"
            ? [step.steps]
            : [];
    const fallback = step.onError?.action === "fallback" ? [step.onError.steps] : [];
    for (const list of [...lists, ...fallback]) for (const id of localIds(list)) ids.add(id);
  }
  return ids;
}
