/**
 * The compensation chain (saga). Every compensable step appears once, in reverse completion order:
 * children complete before their container, and a list completes in dependency order. Each entry
 * is guarded by "did this step succeed or may it have taken effect?" (`$.steps.<id>` present: a
 * result, or the `{uncertain: true}` marker a call that failed without an answer leaves), so
 * skipped steps and steps that failed without effect are never compensated. A compensation that fails after its retries sets `$.compensationFailed` and
 * the chain goes on. Map steps compensate each item's steps in a Map of their own.
 */

import { topologicalOrder } from "../graph.ts";
import type { CallStep, MapStep, Step } from "../model.ts";
import { TaskResource } from "../wire.ts";
import { goTo, StateGraph } from "./builder.ts";
import { callParameters, TASK_TIMEOUT_GRACE } from "./call.ts";
import { callRetries, catchAll } from "./retry-and-catch.ts";
import { itemPathSelector, iterationScope, outerForChild, type Scope } from "./scope.ts";
import { stateName } from "./state-names.ts";
import type { Compilation } from "./steps.ts";
import { exactPath } from "./templates.ts";

type Compensable =
  | (CallStep & { readonly compensate: NonNullable<CallStep["compensate"]> })
  | MapStep;

/** Steps of a scope that need compensating, in the order compensation runs. */
export function compensationOrder(steps: readonly Step[]): Compensable[] {
  return completionOrder(steps).filter(needsCompensation).reverse();
}

export const hasCompensation = (steps: readonly Step[]): boolean =>
  compensationOrder(steps).length > 0;

/** Adds the chain to `graph`; returns its first state (or `next` when nothing compensates). */
export function compileCompensation(
  comp: Compilation,
  graph: StateGraph,
  scope: Scope,
  steps: readonly Step[],
  next: string,
): string {
  return compensationOrder(steps).reduceRight<string>(
    (after, step) =>
      step.kind === "map"
        ? compensateMap(comp, graph, scope, step, after)
        : compensateCall(comp, graph, scope, step, after),
    next,
  );
}

function compensateCall(
  comp: Compilation,
  graph: StateGraph,
  scope: Scope,
  step: Compensable & CallStep,
  after: string,
): string {
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
  return guard(graph, step.id, [`$.steps.${step.id}`], undo, after);
}

function compensateMap(
  comp: Compilation,
  graph: StateGraph,
  scope: Scope,
  step: MapStep,
  next: string,
): string {
  const itemsPath = exactPath(comp, scope, step.items);
  if (itemsPath === undefined)
    throw new Error(`map ${step.id}: items must be exactly one template`);
  const inner = new StateGraph();
  const innerScope = iterationScope(step.steps);
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
  const chain = compileCompensation(comp, inner, innerScope, step.steps, end);
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
  return guard(graph, step.id, [`$.steps.${step.id}[0]`, itemsPath], each, next);
}

function guard(
  graph: StateGraph,
  id: string,
  paths: readonly string[],
  then: string,
  otherwise: string,
): string {
  const tests = paths.map((path) => ({ Variable: path, IsPresent: true }));
  const [only] = tests;
  return graph.add(stateName.undoGuard(id), {
    Type: "Choice",
    Comment: `Compensate ${id} only if it succeeded or may have taken effect`,
    Choices: [{ ...(tests.length === 1 && only ? only : { And: tests }), Next: then }],
    Default: otherwise,
  });
}

/** Post-order over a list in dependency order: nested steps complete before their container. */
function completionOrder(steps: readonly Step[]): Step[] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  return topologicalOrder(steps).flatMap((id) => {
    const step = byId.get(id);
    if (!step) return [];
    const nested =
      step.kind === "parallel"
        ? step.branches.flatMap(completionOrder)
        : step.kind === "choice"
          ? [...step.cases.map((c) => c.steps), step.otherwise].flatMap(completionOrder)
          : [];
    return [...nested, step];
  });
}

function needsCompensation(step: Step): step is Compensable {
  if (step.kind === "call") return step.compensate !== undefined;
  return step.kind === "map" && hasCompensation(step.steps);
}
