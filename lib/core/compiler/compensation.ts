/**
 * The compensation chain (saga). Every compensable step appears once, in reverse completion order:
 * children complete before their container, and a list completes in dependency order. An entry
 * that may not be due is guarded by "did this step succeed or may it have taken effect?"
 * (`$.steps.<id>` present: a result, or the `{uncertain: true}` marker a call that failed without
 * an answer leaves), so skipped steps and steps that failed without effect are never compensated.
 *
 * The chain exists twice: as long as every compensation succeeded it runs on the `clean` copy,
 * which ends at `ends.clean`; a compensation that fails after its retries continues on the
 * `dirty` copy (the same undos, state names ending in `!`), which ends at `ends.dirty`. So whether
 * any compensation failed is known from where the chain ends, with no flag and no Choice to read
 * it. Map and loop steps compensate each item's (iteration's) steps in a Map of their own.
 */

import type { ChoiceRule } from "../asl.ts";
import { ancestors, topologicalOrder } from "../graph.ts";
import type { CallStep, LoopStep, MapStep, Step } from "../model.ts";
import { TaskResource } from "../wire.ts";
import { goTo, StateGraph } from "./builder.ts";
import { callParameters, TASK_TIMEOUT_GRACE } from "./call.ts";
import { callRetries } from "./retry-and-catch.ts";
import { itemPathSelector, iterationScope, loopScope, outerForChild, type Scope } from "./scope.ts";
import { stateName } from "./state-names.ts";
import type { Compilation } from "./steps.ts";
import { exactPath } from "./templates.ts";

type Compensable =
  | (CallStep & { readonly compensate: NonNullable<CallStep["compensate"]> })
  | MapStep
  | LoopStep;

/** Steps of a scope that need compensating, in the order compensation runs. */
export function compensationOrder(steps: readonly Step[]): Compensable[] {
  return completionOrder(steps).filter(needsCompensation).reverse();
}

export const hasCompensation = (steps: readonly Step[]): boolean =>
  compensationOrder(steps).length > 0;

/** One entry of the chain: its undo (what the dispatcher jumps to) and when it is due. */
interface Entry {
  readonly undo: string;
  /** Choice rule (without `Next`) that holds when the step succeeded or may have taken effect. */
  readonly due: ChoiceRule;
}

/** Where the chain ends: every compensation succeeded (`clean`), or at least one failed (`dirty`). */
export interface ChainEnds {
  readonly clean: string;
  readonly dirty: string;
}

/** A compiled chain: the dispatcher, and the clean undo of each step (for a direct entry). */
export interface Chain {
  /** The dispatcher Choice, or `ends.clean` when nothing compensates. */
  readonly dispatch: string;
  /** Step id → its undo on the clean chain: where a failure that knows the step is due enters. */
  readonly undoOf: ReadonlyMap<string, string>;
  /** The compensable steps, in the order compensation runs. */
  readonly order: readonly Compensable[];
}

/** The name of a chain state's copy on the dirty chain (no step id contains `!`). */
const dirty = (name: string): string => `${name}!`;

/** A rule that every path is present. */
function allPresent(paths: readonly string[]): ChoiceRule {
  const tests = paths.map((path) => ({ Variable: path, IsPresent: true }));
  const [only] = tests;
  return tests.length === 1 && only ? only : { And: tests };
}

/**
 * Adds the chain to `graph`.
 *
 * The chain starts at a dispatcher Choice (`dispatch`, a name unique in the machine) that jumps
 * straight to the undo of the latest-completing step that is present, instead of walking a guard
 * per step from the top: a failure pays one Choice, not one per compensable step. A failure that
 * knows statically which step is due first enters at its undo (`undoOf`) and pays no Choice.
 * Below the entry, an entry keeps its guard unless its step must have succeeded whenever the chain
 * reaches it (`mustHaveSucceeded`): then its undo follows the previous one directly.
 * Compensate-only and resume runs enter through the dispatcher, by what `$.steps` holds.
 */
export function compileCompensation(
  comp: Compilation,
  graph: StateGraph,
  scope: Scope,
  steps: readonly Step[],
  ends: ChainEnds,
  dispatch: string,
  completes?: Completes,
): Chain {
  const order = compensationOrder(steps);
  const undoOf = new Map<string, string>();
  if (order.length === 0) return { dispatch: ends.clean, undoOf, order };
  const certain = mustHaveSucceeded(steps, order);
  const entries: Entry[] = [];
  // Built from the last undo back; entry i is reached from entry i-1 (on the dirty copy, from a
  // failed undo of entry i-1), entry 0 only by the dispatcher or a direct entry.
  order.reduceRight<ChainEnds>((after, step, i) => {
    const guarded = i > 0 && !certain.has(step.id);
    const clean = compensateStep(comp, graph, scope, step, "", after, completes);
    // A map or loop entry exists once: its check reads whether a compensation failed before it.
    const dirtyUndo =
      step.kind === "call"
        ? compensateCall(comp, graph, step, scope, "!", { clean: after.dirty, dirty: after.dirty })
        : clean;
    entries[i] = clean;
    undoOf.set(step.id, clean.undo);
    if (!guarded) return { clean: clean.undo, dirty: dirtyUndo.undo };
    return {
      clean: guard(
        graph,
        stateName.undoGuard(step.id),
        step.id,
        clean.due,
        clean.undo,
        after.clean,
      ),
      dirty: guard(
        graph,
        dirty(stateName.undoGuard(step.id)),
        step.id,
        clean.due,
        dirtyUndo.undo,
        after.dirty,
      ),
    };
  }, ends);
  graph.add(dispatch, {
    Type: "Choice",
    Comment: "Start compensating at the latest step that succeeded or may have taken effect",
    Choices: entries.map((entry) => ({ ...entry.due, Next: entry.undo })),
    Default: ends.clean,
  });
  return { dispatch, undoOf, order };
}

/**
 * One entry's undo, going to `then.clean` when it succeeds and to `then.dirty` when it fails after
 * its retries. `copy` is `""` on the clean chain and `"!"` on the dirty one (see `dirty`).
 */
function compensateStep(
  comp: Compilation,
  graph: StateGraph,
  scope: Scope,
  step: Compensable,
  copy: "" | "!",
  then: ChainEnds,
  completes?: Completes,
): Entry {
  switch (step.kind) {
    case "map":
      return compensateMap(comp, graph, scope, step, then);
    case "loop":
      return compensateLoop(comp, graph, scope, step, then);
    case "call":
      return compensateCall(comp, graph, step, scope, copy, then, completes);
  }
}

/**
 * The saga's end event as a state (`event`, which goes on to `next`). An undo that would go to it
 * when it succeeds publishes the event itself (`completes`) and goes to `next`, as a hand-wired
 * saga's last undo goes to its `Fail`.
 */
export interface Completes {
  readonly event: string;
  readonly next: string;
}

/**
 * Where a failed compensation leaves its error: also the mark a map or loop entry reads to tell
 * whether it runs on the dirty chain (it exists once, for both).
 */
const COMPENSATION_FAILED = "$.compensationFailed";

const catchFailedUndo = (next: string) => ({
  ErrorEquals: ["States.ALL"],
  ResultPath: COMPENSATION_FAILED,
  Next: next,
});

/** After a map or loop entry: dirty if one of its items' compensations or an earlier one failed. */
function afterEach(graph: StateGraph, name: string, then: ChainEnds): string {
  return graph.add(name, {
    Type: "Choice",
    Choices: [
      {
        Or: [
          { Variable: "$.undone.failed", BooleanEquals: true },
          { Variable: COMPENSATION_FAILED, IsPresent: true },
        ],
        Next: then.dirty,
      },
    ],
    Default: then.clean,
  });
}

const ancestorCache = new WeakMap<readonly Step[], Map<string, ReadonlySet<string>>>();

/** `ancestors(steps)`, computed once per list (every top-level item asks). */
function ancestorsOf(steps: readonly Step[]): Map<string, ReadonlySet<string>> {
  const known = ancestorCache.get(steps);
  if (known) return known;
  const computed = ancestors(steps);
  ancestorCache.set(steps, computed);
  return computed;
}

/** Where the saga starts after a failure (see `firstDue`). */
export type SagaStart =
  | { readonly kind: "none" }
  | { readonly kind: "direct"; readonly stepId: string }
  | { readonly kind: "dispatch" };

/**
 * Where compensation starts when a step of top-level `item` fails, the top-level steps `done`
 * having run before it. `own`: the item's own call is marked as possibly applied (`{uncertain}`).
 *
 * - `none`: no compensable step can be due (none ran, or none that could have taken effect).
 * - `direct`: the first step the chain would undo is known statically and must be due: a
 *   top-level call without `when` or `onError` that ran in an earlier item and on which every
 *   step of the item depends (or the item's own call, when it is marked). The chain enters at its
 *   undo, with no dispatcher.
 * - `dispatch`: otherwise; the dispatcher tests what `$.steps` holds.
 */
export function firstDue(
  steps: readonly Step[],
  order: readonly Compensable[],
  done: readonly Step[],
  item: readonly Step[],
  own: boolean,
): SagaStart {
  const single = item.length === 1 ? item[0] : undefined;
  const ownCall = single?.kind === "call" ? single.id : undefined;
  const may = new Set<string>([...done, ...item].flatMap(nestedIds));
  // The item's own call failed: it took no effect unless it is marked.
  if (ownCall !== undefined && !own) may.delete(ownCall);
  const first = order.find((step) => may.has(step.id));
  if (first === undefined) return { kind: "none" };
  const plain =
    first.kind === "call" &&
    first.when === undefined &&
    first.onError === undefined &&
    steps.includes(first);
  if (!plain) return { kind: "dispatch" };
  if (own && first.id === ownCall) return { kind: "direct", stepId: first.id };
  const above = ancestorsOf(steps);
  const ranBefore = done.includes(first);
  const dependsOnIt = item.every((s) => above.get(s.id)?.has(first.id) === true);
  return ranBefore && dependsOnIt ? { kind: "direct", stepId: first.id } : { kind: "dispatch" };
}

/**
 * Steps of the chain whose undo needs no guard: a top-level call without `when` such that every
 * compensable step completing after it sits in a top-level step that depends on it (transitively).
 * The chain only reaches such a step from the undo (or guard) of a later one, and the dispatcher
 * only enters at a present step, which ran, so its dependencies had succeeded.
 */
function mustHaveSucceeded(steps: readonly Step[], order: readonly Compensable[]): Set<string> {
  const above = ancestors(steps);
  const container = new Map<string, string>();
  for (const top of steps) for (const id of nestedIds(top)) container.set(id, top.id);
  const certain = new Set<string>();
  order.forEach((step, i) => {
    const direct = steps.includes(step);
    if (!direct || step.kind !== "call" || step.when !== undefined) return;
    // A step with onError may have failed and let the workflow go on.
    if (step.onError !== undefined) return;
    const later = order.slice(0, i);
    if (later.every((l) => above.get(container.get(l.id) ?? l.id)?.has(step.id) === true))
      certain.add(step.id);
  });
  return certain;
}

/**
 * The step's id and the ids of the steps nested in it (branches, cases and fallbacks; map and
 * loop bodies excluded: their own entry compensates them).
 */
function nestedIds(step: Step): string[] {
  return [step.id, ...inlineLists(step).flat().flatMap(nestedIds)];
}

/** The step lists that run inline in the step's scope: branches, cases and the fallback. */
function inlineLists(step: Step): (readonly Step[])[] {
  const own =
    step.kind === "parallel"
      ? step.branches
      : step.kind === "choice"
        ? [...step.cases.map((c) => c.steps), step.otherwise]
        : [];
  return step.onError?.action === "fallback" ? [...own, step.onError.steps] : [...own];
}

function compensateCall(
  comp: Compilation,
  graph: StateGraph,
  step: Compensable & CallStep,
  scope: Scope,
  copy: "" | "!",
  then: ChainEnds,
  completes?: Completes,
): Entry {
  // The top-level chain's clean copy: the only undos a caught failure can reach first.
  const opens = completes !== undefined && copy === "";
  const last = opens && then.clean === completes.event;
  const undo = graph.add(stateName.undo(step.id) + copy, {
    Type: "Task",
    Comment: `Compensate ${step.id}`,
    Resource: TaskResource.ServiceCall,
    Parameters: {
      ...callParameters(
        comp,
        scope,
        step.id,
        "compensate",
        step.compensate.call,
        step.compensate.timeout,
      ),
      "failure.$": "$.failure",
      ...(opens ? { opens: true } : {}),
      ...(last ? { completes: true } : {}),
    },
    // The handler gives the failure back recorded (a caught one is not: see recorded-failure.ts),
    // so every state after the first undo reads `{name, message, step}`.
    ResultSelector: RECORDED_FAILURE_SELECTOR,
    ResultPath: "$.failure",
    TimeoutSeconds: step.compensate.timeout + TASK_TIMEOUT_GRACE,
    Retry: callRetries(step.compensate.retry),
    // Failed after its retries: the rest of the chain still runs, on the dirty copy.
    Catch: [catchFailedUndo(then.dirty)],
    Next: last ? completes.next : then.clean,
  });
  return { undo, due: callDue(step) };
}

const RECORDED_FAILURE_SELECTOR = {
  "name.$": "$.failure.name",
  "message.$": "$.failure.message",
  "step.$": "$.failure.step",
  "Error.$": "$.failure.Error",
  "Cause.$": "$.failure.Cause",
};

/**
 * When a call's undo is due: its `$.steps.<id>` is present (a result, or `{uncertain: true}`). A
 * step with onError that failed and went on holds `{error}` there: it is undone only if it is
 * also marked `uncertain` (it may have taken effect).
 */
function callDue(step: CallStep): ChoiceRule {
  const at = `$.steps.${step.id}`;
  if (step.onError === undefined) return { Variable: at, IsPresent: true };
  return {
    Or: [
      {
        And: [
          { Variable: at, IsPresent: true },
          { Not: { Variable: `${at}.error`, IsPresent: true } },
        ],
      },
      { Variable: `${at}.uncertain`, IsPresent: true },
    ],
  };
}

function compensateMap(
  comp: Compilation,
  graph: StateGraph,
  scope: Scope,
  step: MapStep,
  then: ChainEnds,
): Entry {
  const itemsPath = exactPath(comp, scope, step.items);
  if (itemsPath === undefined)
    throw new Error(`map ${step.id}: items must be exactly one template`);
  const inner = new StateGraph();
  const innerScope = iterationScope(scope, step.steps);
  const ok = inner.add(`${step.id}#undo-ok`, {
    Type: "Pass",
    Result: { failed: false },
    End: true,
  });
  const notOk = inner.add(`${step.id}#undo-not-ok`, {
    Type: "Pass",
    Result: { failed: true },
    End: true,
  });
  // The item's chain ends clean or dirty: that is whether any of its compensations failed.
  const chain = compileCompensation(
    comp,
    inner,
    innerScope,
    step.steps,
    { clean: ok, dirty: notOk },
    stateName.undoFrom(step.id),
  ).dispatch;
  inner.add(stateName.undoLoad(step.id), {
    Type: "Pass",
    Comment: "This item's step results",
    Parameters: {
      "item.$": "$.item",
      "index.$": "$.index",
      "itemPath.$": "$.itemPath",
      "input.$": "$.input",
      "context.$": "$.context",
      "outer.$": "$.outer",
      ...(scope.inLoop ? { "iteration.$": "$.iteration" } : {}),
      "failure.$": "$.failure",
      "steps.$": "States.ArrayGetItem($.all, $.index)",
    },
    Next: chain,
  });
  const check = afterEach(graph, stateName.undoCheck(step.id), then);
  const each = graph.add(stateName.undoEach(step.id), {
    Type: "Map",
    Comment: `Compensate every item of ${step.id}`,
    ItemsPath: itemsPath,
    ItemSelector: {
      "item.$": "$$.Map.Item.Value",
      "index.$": "$$.Map.Item.Index",
      "itemPath.$": itemPathSelector(scope, step.id),
      "input.$": "$.input",
      "context.$": "$.context",
      "outer.$": outerForChild(scope),
      ...(scope.inLoop ? { "iteration.$": "$.iteration" } : {}),
      "failure.$": "$.failure",
      "all.$": `$.steps.${step.id}`,
    },
    ItemProcessor: {
      ProcessorConfig: { Mode: "INLINE" },
      ...inner.toDefinition(stateName.undoLoad(step.id)),
    },
    MaxConcurrency: step.maxConcurrency,
    ResultSelector: { "failed.$": "States.ArrayContains($[*].failed, true)" },
    ResultPath: "$.undone",
    Catch: [catchFailedUndo(then.dirty)],
    ...goTo(check),
  });
  // The items are read again: present, since the map ran over them (checked, never assumed).
  return { undo: each, due: allPresent([`$.steps.${step.id}[0]`, itemsPath]) };
}

/**
 * A loop's iterations, newest first (`$.steps.<loop>.iterations` is kept in that order): a Map
 * one iteration at a time, each undoing that iteration's steps with its own `itemPath`, so every
 * undo sends the undo key of its own iteration's call.
 */
function compensateLoop(
  comp: Compilation,
  graph: StateGraph,
  scope: Scope,
  step: LoopStep,
  then: ChainEnds,
): Entry {
  const iterations = `$.steps.${step.id}.iterations`;
  const inner = new StateGraph();
  const innerScope = loopScope(scope, step.steps, false);
  const ok = inner.add(`${step.id}#undo-ok`, {
    Type: "Pass",
    Result: { failed: false },
    End: true,
  });
  const notOk = inner.add(`${step.id}#undo-not-ok`, {
    Type: "Pass",
    Result: { failed: true },
    End: true,
  });
  // The iteration's chain ends clean or dirty: that is whether any of its compensations failed.
  const chain = compileCompensation(
    comp,
    inner,
    innerScope,
    step.steps,
    { clean: ok, dirty: notOk },
    stateName.undoFrom(step.id),
  ).dispatch;
  const check = afterEach(graph, stateName.undoCheck(step.id), then);
  const each = graph.add(stateName.undoEach(step.id), {
    Type: "Map",
    Comment: `Compensate every iteration of ${step.id}, newest first`,
    ItemsPath: iterations,
    ItemSelector: {
      "iteration.$": "$$.Map.Item.Value.iteration",
      "itemPath.$": itemPathSelector(scope, step.id, "$$.Map.Item.Value.iteration"),
      "input.$": "$.input",
      "context.$": "$.context",
      "outer.$": outerForChild(scope),
      ...(scope.inMap ? { "item.$": "$.item", "index.$": "$.index" } : {}),
      "failure.$": "$.failure",
      "steps.$": "$$.Map.Item.Value.steps",
    },
    ItemProcessor: { ProcessorConfig: { Mode: "INLINE" }, ...inner.toDefinition(chain) },
    MaxConcurrency: 1,
    ResultSelector: { "failed.$": "States.ArrayContains($[*].failed, true)" },
    ResultPath: "$.undone",
    Catch: [catchFailedUndo(then.dirty)],
    Next: check,
  });
  return { undo: each, due: { Variable: `${iterations}[0]`, IsPresent: true } };
}

function guard(
  graph: StateGraph,
  name: string,
  id: string,
  due: ChoiceRule,
  then: string,
  otherwise: string,
): string {
  return graph.add(name, {
    Type: "Choice",
    Comment: `Compensate ${id} only if it succeeded or may have taken effect`,
    Choices: [{ ...due, Next: then }],
    Default: otherwise,
  });
}

/** Post-order over a list in dependency order: nested steps complete before their container. */
function completionOrder(steps: readonly Step[]): Step[] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  return topologicalOrder(steps).flatMap((id) => {
    const step = byId.get(id);
    if (!step) return [];
    // Branches and cases complete before their step; a fallback runs after its step failed.
    const fallback = step.onError?.action === "fallback" ? completionOrder(step.onError.steps) : [];
    const nested = inlineLists(step)
      .slice(0, fallback.length > 0 ? -1 : undefined)
      .flatMap(completionOrder);
    return [...nested, step, ...fallback];
  });
}

function needsCompensation(step: Step): step is Compensable {
  if (step.kind === "call") return step.compensate !== undefined;
  return (step.kind === "map" || step.kind === "loop") && hasCompensation(step.steps);
}
