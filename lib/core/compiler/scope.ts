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
  /** Where a `succeed` step goes: a state name at the top level, or the end of the branch. */
  readonly finish: string | null;
}

export function topScope(steps: readonly Step[], finish: string): Scope {
  return { local: localIds(steps), nested: false, inMap: false, finish };
}

export function branchScope(parent: Scope, steps: readonly Step[]): Scope {
  return { local: localIds(steps), nested: true, inMap: parent.inMap, finish: null };
}

export function iterationScope(steps: readonly Step[]): Scope {
  return { local: localIds(steps), nested: true, inMap: true, finish: null };
}

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
    ...(scope.inMap ? ITEM_FIELDS : {}),
  };
}

/** What a map iteration carries: its item, its index, and its path through every enclosing map. */
const ITEM_FIELDS = {
  "item.$": "$.item",
  "index.$": "$.index",
  "itemPath.$": "$.itemPath",
} as const;

/**
 * `$.itemPath` of an iteration of map `mapId` run from `scope`: `<mapId>[<index>]`, after the
 * enclosing iteration's path in nested maps (`orders[1].lines[0]`). Step ids are unique in a
 * workflow, so the path names one item of one map; idempotency keys and signal waiters use it.
 */
export const itemPathSelector = (scope: Scope, mapId: string): string =>
  scope.inMap
    ? `States.Format('{}.${mapId}[{}]', $.itemPath, $$.Map.Item.Index)`
    : `States.Format('${mapId}[{}]', $$.Map.Item.Index)`;

/** Input of a child branch: the carried fields, everything visible as `outer`, empty `steps`. */
export function childInput(scope: Scope): Payload {
  return {
    "input.$": "$.input",
    "context.$": "$.context",
    "outer.$": outerForChild(scope),
    ...(scope.inMap ? ITEM_FIELDS : {}),
    steps: {},
  };
}

/**
 * Steps whose results a list leaves in its own `$.steps`: its steps and those nested in parallel
 * branches and choice cases (merged back or run inline), but not map bodies (kept per item).
 */
function localIds(steps: readonly Step[]): Set<string> {
  const ids = new Set<string>();
  for (const step of steps) {
    ids.add(step.id);
    if (step.kind === "parallel")
      for (const b of step.branches) for (const id of localIds(b)) ids.add(id);
    if (step.kind === "choice") {
      for (const list of [...step.cases.map((c) => c.steps), step.otherwise])
        for (const id of localIds(list)) ids.add(id);
    }
  }
  return ids;
}
