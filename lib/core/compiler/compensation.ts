/**
 * The compensation chain (saga). Every compensable step appears once, in reverse completion order:
 * children complete before their container, and a list completes in dependency order. Each entry
 * is guarded by "did this step succeed or may it have taken effect?" (`$.steps.<id>` present: a
 * result, or the `{uncertain: true}` marker a call that failed without an answer leaves), so
 * skipped steps and steps that failed without effect are never compensated. A compensation that fails after its retries sets `$.compensationFailed` and
 * the chain goes on. Map steps compensate each item's steps in a Map of their own.
 */

import type { ChoiceRule } from "../asl.ts";
import { ancestors, topologicalOrder } from "../graph.ts";
import type { CallStep, LoopStep, MapStep, Step } from "../model.ts";
import { TaskResource } from "../wire.ts";
import { goTo, StateGraph } from "./builder.ts";
import { callParameters, TASK_TIMEOUT_GRACE } from "./call.ts";
import { callRetries, catchAll } from "./retry-and-catch.ts";
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

/** A rule that every path is present. */
function allPresent(paths: readonly string[]): ChoiceRule {
  const tests = paths.map((path) => ({ Variable: path, IsPresent: true }));
  const [only] = tests;
  return tests.length === 1 && only ? only : { And: tests };
}

/**
 * Adds the chain to `graph`; returns its first state (or `next` when nothing compensates).
 *
 * The chain starts at a dispatcher Choice (`dispatch`, a name unique in the machine) that jumps
 * straight to the undo of the latest-completing step that is present, instead of walking a guard
 * per step from the top: a failure pays one Choice, not one per compensable step. Below it, an
 * entry keeps its guard unless its step must have succeeded whenever the chain reaches it
 * (`mustHaveSucceeded`): then its undo follows the previous one directly. Compensate-only and
 * resume runs enter the same way, by what `$.steps` holds.
 */
export function compileCompensation(
  comp: Compilation,
  graph: StateGraph,
  scope: Scope,
  steps: readonly Step[],
  next: string,
  dispatch: string,
): string {
  const order = compensationOrder(steps);
  if (order.length === 0) return next;
  const certain = mustHaveSucceeded(steps, order);
  const entries: Entry[] = [];
  // Built from the last undo back; entry i is reached from entry i-1, entry 0 only by the dispatcher.
  order.reduceRight<string>((after, step, i) => {
    const guarded = i > 0 && !certain.has(step.id);
    const entry =
      step.kind === "map"
        ? compensateMap(comp, graph, scope, step, after)
        : step.kind === "loop"
          ? compensateLoop(comp, graph, scope, step, after)
          : compensateCall(comp, graph, step, scope, after);
    entries[i] = entry;
    return guarded ? guard(graph, step.id, entry.due, entry.undo, after) : entry.undo;
  }, next);
  return graph.add(dispatch, {
    Type: "Choice",
    Comment: "Start compensating at the latest step that succeeded or may have taken effect",
    Choices: entries.map((entry) => ({ ...entry.due, Next: entry.undo })),
    Default: next,
  });
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
  after: string,
): Entry {
  const failed = graph.add(stateName.undoFailed(step.id), {
    Type: "Pass",
    Comment: "Compensation failed after its retries: remember it and keep compensating",
    Result: true,
    ResultPath: "$.compensationFailed",
    Next: after,
  });
  const undo = graph.add(stateName.undo(step.id), {
    Type: "Task",
    Comment: `Compensate ${step.id}`,
    Resource: TaskResource.ServiceCall,
    Parameters: callParameters(
      comp,
      scope,
      step.id,
      "compensate",
      step.compensate.call,
      step.compensate.timeout,
    ),
    ResultPath: null,
    TimeoutSeconds: step.compensate.timeout + TASK_TIMEOUT_GRACE,
    Retry: callRetries(step.compensate.retry),
    Catch: [catchAll(failed)],
    Next: after,
  });
  return { undo, due: callDue(step) };
}

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
  next: string,
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
  const end = inner.add(stateName.undoEnd(step.id), {
    Type: "Choice",
    Comment: "Report whether any compensation of this item failed",
    Choices: [{ Variable: "$.compensationFailed", IsPresent: true, Next: notOk }],
    Default: ok,
  });
  const chain = compileCompensation(
    comp,
    inner,
    innerScope,
    step.steps,
    end,
    stateName.undoFrom(step.id),
  );
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
  const failed = graph.add(stateName.undoFailed(step.id), {
    Type: "Pass",
    Result: true,
    ResultPath: "$.compensationFailed",
    Next: next,
  });
  const check = graph.add(stateName.undoCheck(step.id), {
    Type: "Choice",
    Choices: [{ Variable: "$.undone.failed", BooleanEquals: true, Next: failed }],
    Default: next,
  });
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
    Catch: [catchAll(failed)],
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
  next: string,
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
  const end = inner.add(stateName.undoEnd(step.id), {
    Type: "Choice",
    Comment: "Report whether any compensation of this iteration failed",
    Choices: [{ Variable: "$.compensationFailed", IsPresent: true, Next: notOk }],
    Default: ok,
  });
  const chain = compileCompensation(
    comp,
    inner,
    innerScope,
    step.steps,
    end,
    stateName.undoFrom(step.id),
  );
  const failed = graph.add(stateName.undoFailed(step.id), {
    Type: "Pass",
    Result: true,
    ResultPath: "$.compensationFailed",
    Next: next,
  });
  const check = graph.add(stateName.undoCheck(step.id), {
    Type: "Choice",
    Choices: [{ Variable: "$.undone.failed", BooleanEquals: true, Next: failed }],
    Default: next,
  });
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
    Catch: [catchAll(failed)],
    Next: check,
  });
  return { undo: each, due: { Variable: `${iterations}[0]`, IsPresent: true } };
}

function guard(
  graph: StateGraph,
  id: string,
  due: ChoiceRule,
  then: string,
  otherwise: string,
): string {
  return graph.add(stateName.undoGuard(id), {
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
