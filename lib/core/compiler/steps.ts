/**
 * Forward compilation: step lists → states. Every step either continues to `next` or, on failure,
 * records `$.failure` and goes to the scope's `onFailure` state (compensation at the top level; the
 * end of the branch or iteration inside Parallel and Map, so siblings finish and nothing is lost).
 */
import type { Catcher, Payload, Retrier, StateMachineDefinition } from "../asl.ts";
import { AgainRetry, BatonError, expandErrorNames, MAY_HAVE_TAKEN_EFFECT } from "../errors.ts";
import { lower, type Plan } from "../graph.ts";
import {
  type AwaitStep,
  allSteps,
  type CallStep,
  type ChoiceStep,
  type EmitStep,
  type LoopStep,
  type MapStep,
  type ParallelStep,
  type Step,
  type WaitStep,
  type WorkflowStep,
} from "../model.ts";
import { compileEntry, compilePayload, parseTemplate, type TemplateRef } from "../template.ts";
import { childWorkflowSubstitution, EVENT_SOURCE, PLACEHOLDER, TaskResource } from "../wire.ts";
import { goTo, StateGraph } from "./builder.ts";
import { callParameters, TASK_TIMEOUT_GRACE } from "./call.ts";
import {
  CHILD_INPUT_PATH,
  CHILD_NAME_PATH,
  CHILD_STATE_PATH,
  childInputParameters,
} from "./child.ts";
import { caughtFailure, staticFailure } from "./failure.ts";
import { absentRule, guardReads, mayBeAbsent } from "./reads.ts";
import {
  CAUGHT_PATH,
  callRetries,
  catchAll,
  circuitOpenRetrier,
  LAMBDA_TRANSIENT_RETRIER,
  PAUSE_RETRIER,
  retrier,
} from "./retry-and-catch.ts";
import {
  branchScope,
  carriedFields,
  childInput,
  itemPathSelector,
  iterationScope,
  loopScope,
  outerForChild,
  type Scope,
} from "./scope.ts";
import { stateName } from "./state-names.ts";
import { type CompileEnv, condition, exactPath } from "./templates.ts";

export interface Compilation extends CompileEnv {
  /** Names implicit parallel groups (`parallel#1`, …) uniquely across the machine. */
  nextGroup(): number;
}

export interface Ctx {
  readonly comp: Compilation;
  readonly graph: StateGraph;
  readonly scope: Scope;
  /** Where a failure goes once `$.failure` is recorded. */
  readonly onFailure: string;
  /**
   * Where a compensable call's failure goes once it is recorded and the step is marked
   * `{uncertain: true}` (it may have taken effect); `onFailure` when absent.
   */
  readonly onUncertain?: string;
  /**
   * Where a top-level call's own Baton errors go with `$.failure` as the Catch leaves it
   * (`{Error, Cause}`, no recording Pass): the first undo, which records it, or `Fail`.
   */
  readonly onRawFailure?: string;
}

/**
 * Where the failures of one top-level item go, from the top-level steps of the items that ran
 * before it (`done`) and its own (`item`): the compensation chain enters where the compiler knows
 * the first due step (see compile.ts).
 */
export type FailureRouter = (
  done: readonly Step[],
  item: readonly Step[],
) => Pick<Ctx, "onFailure" | "onUncertain" | "onRawFailure">;

/** Compiles a step list (dependencies lowered to sequences and Parallel states); returns its entry. */
export function compileList(ctx: Ctx, steps: readonly Step[], next: string | null): string | null {
  if (steps.length === 0) return next;
  const byId = new Map(steps.map((s) => [s.id, s]));
  return compilePlan(ctx, lower(steps), byId, next);
}

/**
 * Compiles the top-level list and reports where an execution can resume: for every step id (nested
 * ones included), the entry state of the top-level item holding it. An item is a step or a group of
 * independent steps run in parallel; resuming at a group re-runs the whole group.
 */
export function compileTopLevel(
  ctx: Ctx,
  steps: readonly Step[],
  next: string,
  route?: FailureRouter,
): { readonly start: string; readonly resumeAt: ReadonlyMap<string, string> } {
  const resumeAt = new Map<string, string>();
  if (steps.length === 0) return { start: next, resumeAt };
  const byId = new Map(steps.map((s) => [s.id, s]));
  const plan = lower(steps);
  const items = plan.kind === "sequence" ? plan.items : [plan];
  const stepsOf = (item: Plan) => planIds(item).map((id) => stepOf(byId, id));
  const start = items.reduceRight<string>((after, item, index) => {
    const itemCtx =
      route === undefined
        ? ctx
        : { ...ctx, ...route(items.slice(0, index).flatMap(stepsOf), stepsOf(item)) };
    const entry = compilePlan(itemCtx, item, byId, after) ?? after;
    for (const id of planIds(item)) {
      for (const nested of allSteps([stepOf(byId, id)])) resumeAt.set(nested.id, entry);
    }
    return entry;
  }, next);
  return { start, resumeAt };
}

function compilePlan(
  ctx: Ctx,
  plan: Plan,
  byId: ReadonlyMap<string, Step>,
  next: string | null,
): string | null {
  switch (plan.kind) {
    case "step":
      return compileStep(ctx, stepOf(byId, plan.id), next);
    case "sequence":
      return plan.items.reduceRight<string | null>(
        (after, item) => compilePlan(ctx, item, byId, after),
        next,
      );
    case "parallel": {
      const name = `parallel#${ctx.comp.nextGroup()}`;
      const branches = plan.branches.map((branch, i) => {
        const steps = planIds(branch).map((id) => stepOf(byId, id));
        return compileBranch(ctx, `${name}#${i}`, steps, (c, end) =>
          compilePlan(c, branch, byId, end),
        );
      });
      return addParallel(ctx, name, branches, undefined, next);
    }
  }
}

function compileStep(ctx: Ctx, step: Step, next: string | null): string {
  const start = compileKind(withOnError(ctx, step, next), step, next);
  if (step.when === undefined) return start;
  const rule = condition(ctx.comp, ctx.scope, step.when);
  const skip = next ?? addEnd(ctx, `${step.id}#skipped`);
  return ctx.graph.add(stateName.when(step.id), {
    Type: "Choice",
    Comment: `when: ${step.when}`,
    Choices: [{ ...rule, Next: start }],
    Default: skip,
  });
}

function compileKind(ctx: Ctx, step: Step, next: string | null): string {
  switch (step.kind) {
    case "call":
      return compileCall(ctx, step, next);
    case "parallel":
      return compileParallelStep(ctx, step, next);
    case "choice":
      return compileChoice(ctx, step, next);
    case "map":
      return compileMap(ctx, step, next);
    case "loop":
      return compileLoop(ctx, step, next);
    case "wait":
      return compileWait(ctx, step, next);
    case "emit":
      return compileEmit(ctx, step, next);
    case "await":
      return compileAwait(ctx, step, next);
    case "workflow":
      return compileChild(ctx, step, next);
    case "fail":
      return ctx.graph.add(step.id, {
        Type: "Pass",
        Comment: step.description ?? `fail with ${step.error}`,
        Result: staticFailure(step.error, step.cause ?? step.error, step.id),
        ResultPath: "$.failure",
        Next: ctx.onFailure,
      });
    case "succeed":
      return ctx.scope.finish === null
        ? ctx.graph.add(step.id, { Type: "Succeed", ...comment(step) })
        : ctx.graph.add(step.id, { Type: "Pass", ...comment(step), Next: ctx.scope.finish });
  }
}

/**
 * The context a step with `onError` compiles in: its failures, once recorded in `$.failure`, go to
 * a handler instead of the scope's failure path. The handler writes the step's result,
 * `{error: {name, message}}` (plus `uncertain: true` for a compensable call that may have taken
 * effect, so the compensation chain still undoes it if the execution fails later), then goes on
 * with the next step or the fallback list. With `onError.when`, a Choice first sends other errors
 * down the usual failure path; without it the handler costs no state on the way.
 */
function withOnError(ctx: Ctx, step: Step, next: string | null): Ctx {
  const onError = step.onError;
  if (onError === undefined) return ctx;
  const after =
    onError.action === "continue"
      ? (next ?? addEnd(ctx, `${step.id}#continued`))
      : (compileList(ctx, onError.steps, next) ?? next ?? addEnd(ctx, `${step.id}#continued`));
  const error = { "name.$": "$.failure.name", "message.$": "$.failure.message" };
  // A loop keeps its iterations (they may need compensating): the error is added beside them.
  const handled = ctx.graph.add(stateName.handled(step.id), {
    Type: "Pass",
    Comment: `onError: ${onError.action === "continue" ? "continue" : "run the fallback steps"}`,
    Parameters: step.kind === "loop" ? error : { error },
    ResultPath: step.kind === "loop" ? `$.steps.${step.id}.error` : `$.steps.${step.id}`,
    Next: after,
  });
  const handles = (name: string, to: string, otherwise = ctx.onFailure): string => {
    if (onError.errors === undefined) return to;
    const names = expandErrorNames(onError.errors);
    if (names.includes(BatonError.Timeout)) names.push("States.Timeout");
    const tests = names.map((n) => ({ Variable: "$.failure.name", StringEquals: n }));
    const [only] = tests;
    return ctx.graph.add(name, {
      Type: "Choice",
      Comment: `onError handles ${onError.errors.join(", ")}; other errors fail the execution`,
      Choices: [{ ...(tests.length === 1 && only ? only : { Or: tests }), Next: to }],
      Default: otherwise,
    });
  };
  const onFailure = handles(stateName.onError(step.id), handled);
  if (step.kind !== "call" || step.compensate === undefined) return { ...ctx, onFailure };
  const handledUncertain = ctx.graph.add(stateName.handledUncertain(step.id), {
    Type: "Pass",
    Comment: "onError after a call that may have taken effect: keep it marked for compensation",
    Parameters: { error, uncertain: true },
    ResultPath: `$.steps.${step.id}`,
    Next: after,
  });
  // Errors it does not handle fail the execution with the step still marked: compensation must
  // reach its undo.
  const onUncertain = handles(
    stateName.onErrorUncertain(step.id),
    handledUncertain,
    ctx.onUncertain ?? ctx.onFailure,
  );
  return { ...ctx, onFailure, onUncertain };
}

function compileCall(ctx: Ctx, step: CallStep, next: string | null): string {
  const failed = addFailureRecord(ctx, step.id);
  const task = (
    name: string,
    retry: readonly Retrier[],
    catches: readonly Catcher[],
    again?: Payload,
    onFailed = failed,
  ) =>
    ctx.graph.add(name, {
      Type: "Task",
      ...comment(step),
      Resource: TaskResource.ServiceCall,
      Parameters: {
        ...callParameters(ctx.comp, ctx.scope, step.id, "call", step.call, step.timeout, {
          idempotent: step.idempotent,
          select: step.select,
          output: step.output,
        }),
        ...(again === undefined ? {} : { again }),
      },
      ResultPath: `$.steps.${step.id}`,
      TimeoutSeconds: step.timeout + TASK_TIMEOUT_GRACE,
      // A paused execution's call bounces (`Baton.Paused`) until resumed; express ones never pause.
      Retry: ctx.comp.workflow.type === "standard" ? [...retry, PAUSE_RETRIER] : retry,
      Catch: [...catches, ...(name === step.id ? rawCatch(ctx) : []), catchAll(onFailed)],
      ...goTo(next),
    });
  if (step.compensate === undefined) return task(step.id, callRetries(step.retry), []);
  // After the mark, a failure of the remaining attempts leaves the step uncertain: an `onError`
  // that lets the workflow go on must keep the mark (see withOnError).
  const againFailed =
    ctx.onUncertain === undefined
      ? failed
      : addFailureRecord(
          { ...ctx, onFailure: ctx.onUncertain },
          step.id,
          stateName.againFailed(step.id),
        );
  // A compensable call that may have taken effect is marked, so compensation undoes it too. The
  // mark must survive later attempts that never reach the service (a timeout, then the circuit
  // opens): uncertain errors the policy retries are caught at once instead, the step is marked,
  // and a second Task makes the remaining attempts with the whole policy.
  const policy = retrier(step.retry);
  const retried = MAY_HAVE_TAKEN_EFFECT.filter((name) => policy?.ErrorEquals.includes(name));
  const final = MAY_HAVE_TAKEN_EFFECT.filter((name) => !retried.includes(name));
  const markFailed = {
    ErrorEquals: [...final],
    ResultPath: CAUGHT_PATH,
    Next: addUncertainRecord(ctx, step.id),
  };
  if (policy === undefined || retried.length === 0) {
    return task(step.id, callRetries(step.retry), [markFailed]);
  }
  const certain = policy.ErrorEquals.filter((name) => !retried.includes(name));
  const open = circuitOpenRetrier(step.retry);
  // The uncertain attempt was one of `maxAttempts`, and certain failures may have come before it:
  // the second Task may make up to `maxAttempts - 1` more, and its handler stops at `maxAttempts`
  // in all (it numbers its attempts after the one the caught Cause names, and fails a retried
  // error under a name only this Task retries while another attempt is allowed; `AgainRetry`).
  const maxAttempts = (policy.MaxAttempts ?? 0) + 1;
  const rest = maxAttempts - 2;
  const again = task(
    stateName.again(step.id),
    rest > 0
      ? [
          { ...policy, ErrorEquals: [AgainRetry.Now], MaxAttempts: rest },
          ...(open
            ? [{ ...open, ErrorEquals: [AgainRetry.AfterCooldown], MaxAttempts: rest }]
            : []),
          LAMBDA_TRANSIENT_RETRIER,
        ]
      : [LAMBDA_TRANSIENT_RETRIER],
    [],
    {
      maxAttempts,
      retryOn: [...policy.ErrorEquals, ...(open?.ErrorEquals ?? [])],
      "after.$": `${CAUGHT_PATH}.Cause`,
    },
    againFailed,
  );
  ctx.graph.add(stateName.maybeApplied(step.id), {
    Type: "Pass",
    Comment: "The attempt may have taken effect: mark the step for compensation, keep trying",
    // The caught error goes on to #again, whose handler counts attempts after the one it names.
    Parameters: { ...uncertainState(ctx, step.id), [`${CAUGHT_PATH.slice(2)}.$`]: CAUGHT_PATH },
    Next: again,
  });
  return task(
    step.id,
    [
      ...(certain.length > 0 ? [{ ...policy, ErrorEquals: certain }] : []),
      ...(open ? [open] : []),
      LAMBDA_TRANSIENT_RETRIER,
    ],
    [
      { ErrorEquals: retried, ResultPath: CAUGHT_PATH, Next: stateName.maybeApplied(step.id) },
      markFailed,
    ],
  );
}

/**
 * The errors the service-call handler raises itself (their Cause names the step): after the
 * Task's retries they go to `onRawFailure` as caught. Anything else (Lambda faults, a state
 * timeout) is recorded by the step's failure Pass.
 */
const HANDLER_ERRORS = Object.values(BatonError).filter(
  (name) =>
    name !== BatonError.Paused &&
    name !== BatonError.CompensationFailed &&
    name !== BatonError.LoopLimit &&
    name !== BatonError.SignalTimeout &&
    name !== BatonError.ChildWorkflowFailed &&
    name !== BatonError.InvalidInput,
);

function rawCatch(ctx: Ctx): Catcher[] {
  if (ctx.onRawFailure === undefined) return [];
  return [{ ErrorEquals: HANDLER_ERRORS, ResultPath: "$.failure", Next: ctx.onRawFailure }];
}

/** The state with `$.steps.<id>` set to `{uncertain: true}` (everything else carried over). */
function uncertainState(ctx: Ctx, stepId: string): Payload {
  const marker = `\\{"${stepId}":\\{"uncertain":true\\}\\}`;
  return {
    ...carriedFields(ctx.scope),
    "steps.$": `States.JsonMerge($.steps, States.StringToJson(States.Format('${marker}')), false)`,
  };
}

/**
 * The failure record of a call that may have taken effect: it also sets `$.steps.<id>` to
 * `{uncertain: true}`, so the compensation guard ("is `$.steps.<id>` present?") undoes it. One
 * state replaces the usual failure record, so an uncertain failure costs no extra transition.
 */
function addUncertainRecord(ctx: Ctx, stepId: string): string {
  return ctx.graph.add(stateName.uncertain(stepId), {
    Type: "Pass",
    Comment: "The call may have taken effect: mark it for compensation and record the failure",
    Parameters: {
      ...uncertainState(ctx, stepId),
      failure: caughtFailure(stepId),
    },
    Next: ctx.onUncertain ?? ctx.onFailure,
  });
}

function compileParallelStep(ctx: Ctx, step: ParallelStep, next: string | null): string {
  const branches = step.branches.map((steps, i) =>
    compileBranch(ctx, `${step.id}#${i}`, steps, (c, end) => compileList(c, steps, end)),
  );
  return addParallel(ctx, step.id, branches, step, next);
}

/**
 * A branch in its own scope. It never fails: it ends with `{steps}`, or `{steps, failure}` when a
 * step inside failed, so the Parallel state waits for every sibling and loses no result.
 */
function compileBranch(
  ctx: Ctx,
  prefix: string,
  steps: readonly Step[],
  body: (c: Ctx, end: string) => string | null,
): StateMachineDefinition {
  const graph = new StateGraph();
  const scope = branchScope(ctx.scope, steps);
  const stop = graph.add(`${prefix}#stopped`, {
    Type: "Pass",
    Comment: "A step failed: end this branch and let the Parallel state report it",
    Parameters: { "steps.$": "$.steps", "failure.$": "$.failure" },
    End: true,
  });
  const end = graph.add(`${prefix}#done`, {
    Type: "Pass",
    Parameters: { "steps.$": "$.steps" },
    End: true,
  });
  const start = body(
    { comp: ctx.comp, graph, scope: { ...scope, finish: end }, onFailure: stop },
    end,
  );
  return graph.toDefinition(start ?? end);
}

/**
 * A Parallel state whose branches never fail. Afterwards their results merge into `$.steps` (also on
 * failure, so compensation sees every step that succeeded) and a branch's failure is re-raised. An
 * explicit parallel step's own result is the object of its branches' results, keyed by step id.
 */
function addParallel(
  ctx: Ctx,
  name: string,
  branches: readonly StateMachineDefinition[],
  step: ParallelStep | undefined,
  next: string | null,
): string {
  const branchSteps = (root: string) =>
    branches
      .slice(1)
      .reduce(
        (acc, _, i) => `States.JsonMerge(${acc}, ${root}[${i + 1}].steps, false)`,
        `${root}[0].steps`,
      );
  const inner = `States.JsonMerge($.steps, ${branchSteps("$.joined.branches")}, false)`;
  const merged = step ? `States.JsonMerge(${inner}, $.joined.own, false)` : inner;
  const then = next ?? addEnd(ctx, `${name}#end`);
  const mergeParameters = (extra: Payload): Payload => ({
    ...carriedFields(ctx.scope),
    "steps.$": merged,
    ...extra,
  });
  const failedBranches = branches.map((_, i) =>
    ctx.graph.add(`${name}#failed-${i}`, {
      Type: "Pass",
      Comment: `Branch ${i} failed: keep every result, report its failure`,
      Parameters: mergeParameters({ "failure.$": `$.joined.branches[${i}].failure` }),
      Next: ctx.onFailure,
    }),
  );
  const merge = ctx.graph.add(stateName.merge(name), {
    Type: "Pass",
    Parameters: mergeParameters({}),
    Next: then,
  });
  const check = ctx.graph.add(stateName.check(name), {
    Type: "Choice",
    Choices: failedBranches.map((failed, i) => ({
      Variable: `$.joined.branches[${i}].failure`,
      IsPresent: true,
      Next: failed,
    })),
    Default: merge,
  });
  return ctx.graph.add(name, {
    Type: "Parallel",
    ...(step ? comment(step) : { Comment: "Independent steps run concurrently" }),
    Branches: branches,
    Parameters: childInput(ctx.scope),
    ResultSelector: {
      "branches.$": "$",
      ...(step ? { own: { [`${step.id}.$`]: branchSteps("$") } } : {}),
    },
    ResultPath: "$.joined",
    Catch: [catchAll(addFailureRecord(ctx, name))],
    Next: check,
  });
}

function compileChoice(ctx: Ctx, step: ChoiceStep, next: string | null): string {
  const after = next ?? addEnd(ctx, `${step.id}#done`);
  const choices = step.cases.map((c) => {
    const start = compileList(ctx, c.steps, after) ?? after;
    return { ...condition(ctx.comp, ctx.scope, c.when), Next: start };
  });
  const otherwise = compileList(ctx, step.otherwise, after) ?? after;
  return ctx.graph.add(step.id, {
    Type: "Choice",
    ...comment(step),
    Choices: choices,
    Default: otherwise,
  });
}

function compileMap(ctx: Ctx, step: MapStep, next: string | null): string {
  const itemsPath = exactPath(ctx.comp, ctx.scope, step.items);
  if (itemsPath === undefined)
    throw new Error(`map ${step.id}: items must be exactly one template`);
  const graph = new StateGraph();
  const scope = iterationScope(ctx.scope, step.steps);
  const stop = graph.add(stateName.iterationStopped(step.id), {
    Type: "Pass",
    Comment: "A step failed: end this item and let the Map state report it",
    Parameters: { "steps.$": "$.steps", failed: true, "failure.$": "$.failure" },
    End: true,
  });
  const end = graph.add(`${step.id}#item#done`, {
    Type: "Pass",
    Parameters: { "steps.$": "$.steps", failed: false },
    End: true,
  });
  const start = compileList(
    { comp: ctx.comp, graph, scope: { ...scope, finish: end }, onFailure: stop },
    step.steps,
    end,
  );
  const then = next ?? addEnd(ctx, `${step.id}#end`);
  const merged = "States.JsonMerge($.steps, $.joined.own, false)";
  const propagate = ctx.graph.add(stateName.propagate(step.id), {
    Type: "Pass",
    Comment: "Report the first failed item's failure",
    InputPath: "$.failures[0]",
    ResultPath: "$.failure",
    Next: ctx.onFailure,
  });
  const failed = ctx.graph.add(`${step.id}#failed-items`, {
    Type: "Pass",
    Comment: "Keep every item's results, collect the failures",
    Parameters: {
      ...carriedFields(ctx.scope),
      "steps.$": merged,
      "failures.$": "$.joined.items[?(@.failed == true)].failure",
    },
    Next: propagate,
  });
  const merge = ctx.graph.add(stateName.merge(step.id), {
    Type: "Pass",
    Parameters: { ...carriedFields(ctx.scope), "steps.$": merged },
    Next: then,
  });
  const check = ctx.graph.add(stateName.check(step.id), {
    Type: "Choice",
    Choices: [{ Variable: "$.joined.failed", BooleanEquals: true, Next: failed }],
    Default: merge,
  });
  const map = ctx.graph.add(step.id, {
    Type: "Map",
    ...comment(step),
    ItemsPath: itemsPath,
    ItemSelector: {
      "item.$": "$$.Map.Item.Value",
      "index.$": "$$.Map.Item.Index",
      "itemPath.$": itemPathSelector(ctx.scope, step.id),
      "input.$": "$.input",
      "context.$": "$.context",
      "outer.$": outerForChild(ctx.scope),
      ...(ctx.scope.inLoop ? { "iteration.$": "$.iteration" } : {}),
      steps: {},
    },
    ItemProcessor: { ProcessorConfig: { Mode: "INLINE" }, ...graph.toDefinition(start ?? end) },
    MaxConcurrency: step.maxConcurrency,
    ResultSelector: {
      own: { [`${step.id}.$`]: "$[*].steps" },
      "failed.$": "States.ArrayContains($[*].failed, true)",
      "items.$": "$",
    },
    ResultPath: "$.joined",
    Catch: [catchAll(addFailureRecord(ctx, step.id))],
    Next: check,
  });
  const empty = ctx.graph.add(`${step.id}#no-items`, {
    Type: "Pass",
    Comment: "No items: the result is an empty list",
    Result: [],
    ResultPath: `$.steps.${step.id}`,
    Next: then,
  });
  const itemsRef = singleTemplateRef(step.items);
  const absent =
    itemsRef && mayBeAbsent(itemsRef) ? [absentRule(site(ctx, step.id), itemsRef, 0)] : [];
  return ctx.graph.add(`${step.id}#any?`, {
    Type: "Choice",
    Comment: "Map over at least one item (absent items fail the step)",
    Choices: [...absent, { Variable: `${itemsPath}[0]`, IsPresent: true, Next: map }],
    Default: empty,
  });
}

/**
 * A loop: each iteration is a one-branch Parallel state (its own `$.steps`, `$.iteration` and
 * `$.itemPath` = `<loop>[<iteration>]`, so every iteration's calls send their own idempotency keys and
 * have their own records), and a Choice after it is the back-edge. `until` is checked at the end of
 * the branch, over the iteration's results. After every iteration `$.steps.<loop>` is
 * `{count, done, iterations}`, `iterations` newest first as `{iteration, steps}` (`failure` too if a
 * step failed), so the compensation chain (and a cancel, which reads `$.steps` back) undoes every
 * iteration's steps, newest first. When the loop ends, the last iteration's results are merged into
 * `$.steps`, so later steps read them by id.
 */
function compileLoop(ctx: Ctx, step: LoopStep, next: string | null): string {
  const loop = `$.steps.${step.id}`;
  const graph = new StateGraph();
  const scope = loopScope(ctx.scope, step.steps);
  // The branch's end: record this iteration, newest first, in front of the earlier ones.
  const record = graph.add(stateName.iterationRecord(step.id), {
    Type: "Pass",
    Comment: "Put this iteration in front of the earlier ones",
    Parameters: {
      "pair.$": "States.Array(States.Array($.record), $.history)",
      "count.$": "States.MathAdd($.record.iteration, 1)",
      "done.$": "$.done",
    },
    End: true,
  });
  const end = (name: string, done: boolean, failure: boolean) =>
    graph.add(name, {
      Type: "Pass",
      Parameters: {
        record: {
          "iteration.$": "$.iteration",
          "steps.$": "$.steps",
          ...(failure ? { "failure.$": "$.failure" } : {}),
        },
        "history.$": "$.history",
        done,
      },
      Next: record,
    });
  const done = end(stateName.iterationDone(step.id), true, false);
  const again = end(stateName.iterationAgain(step.id), false, false);
  const stopped = end(stateName.iterationFailed(step.id), false, true);
  const until = graph.add(stateName.untilCheck(step.id), {
    Type: "Choice",
    Comment: `until: ${step.until}`,
    Choices: [{ ...condition(ctx.comp, scope, step.until), Next: done }],
    Default: again,
  });
  const start = compileList(
    { comp: ctx.comp, graph, scope: { ...scope, finish: done }, onFailure: stopped },
    step.steps,
    until,
  );
  const then = next ?? addEnd(ctx, `${step.id}#end`);
  const result = ctx.graph.add(stateName.loopResult(step.id), {
    Type: "Pass",
    Comment: "The loop ended: later steps read the last iteration's results by id",
    Parameters: {
      ...carriedFields(ctx.scope),
      "steps.$": `States.JsonMerge($.steps, ${loop}.iterations[0].steps, false)`,
    },
    Next: then,
  });
  const failed = ctx.graph.add(stateName.loopFailed(step.id), {
    Type: "Pass",
    Comment: "A step of the iteration failed: report its failure",
    InputPath: `${loop}.iterations[0].failure`,
    ResultPath: "$.failure",
    Next: ctx.onFailure,
  });
  const limit = ctx.graph.add(stateName.loopLimit(step.id), {
    Type: "Pass",
    Result: staticFailure(
      BatonError.LoopLimit,
      `Loop ${step.id} ran ${step.maxIterations} times and "${step.until}" still does not hold`,
      step.id,
    ),
    ResultPath: "$.failure",
    Next: ctx.onFailure,
  });
  const iteration = stateName.iteration(step.id);
  const check = ctx.graph.add(stateName.loopCheck(step.id), {
    Type: "Choice",
    Choices: [
      { Variable: `${loop}.iterations[0].failure`, IsPresent: true, Next: failed },
      { Variable: `${loop}.done`, BooleanEquals: true, Next: result },
      { Variable: `${loop}.count`, NumericGreaterThanEquals: step.maxIterations, Next: limit },
    ],
    Default: iteration,
  });
  ctx.graph.add(iteration, {
    Type: "Parallel",
    Comment: `One iteration of ${step.id}`,
    Branches: [graph.toDefinition(start ?? until)],
    Parameters: {
      ...childInput(ctx.scope),
      "iteration.$": `${loop}.count`,
      "itemPath.$": itemPathSelector(ctx.scope, step.id, `${loop}.count`),
      "history.$": `${loop}.iterations`,
    },
    ResultSelector: {
      "count.$": "$[0].count",
      "done.$": "$[0].done",
      "iterations.$": "$[0].pair[*][*]",
    },
    ResultPath: loop,
    Catch: [catchAll(addFailureRecord(ctx, step.id))],
    Next: check,
  });
  return ctx.graph.add(step.id, {
    Type: "Pass",
    ...comment(step),
    Result: { count: 0, done: false, iterations: [] },
    ResultPath: loop,
    Next: iteration,
  });
}

function compileWait(ctx: Ctx, step: WaitStep, next: string | null): string {
  if (step.seconds !== undefined) {
    return ctx.graph.add(step.id, {
      Type: "Wait",
      ...comment(step),
      Seconds: step.seconds,
      ...goTo(next),
    });
  }
  const until = step.until;
  if (!until.includes("{{")) {
    return ctx.graph.add(step.id, {
      Type: "Wait",
      ...comment(step),
      Timestamp: until,
      ...goTo(next),
    });
  }
  // The time is checked to be present and a timestamp first: a Wait state given anything else
  // raises States.Runtime. One template without a default is waited on where it is; anything
  // else is built into `$.waitUntil.at` first.
  const only = singleTemplateRef(until);
  const direct = only !== undefined && only.fallback === undefined;
  const at = direct ? (exactPath(ctx.comp, ctx.scope, until) ?? "") : "$.waitUntil.at";
  ctx.graph.add(step.id, {
    Type: "Wait",
    ...comment(step),
    TimestampPath: at,
    ...goTo(next),
  });
  const notTime = ctx.graph.add(`${step.id}#not-a-time`, {
    Type: "Pass",
    Result: staticFailure(
      BatonError.TemplateError,
      `Step ${step.id}: until ${until} is not an ISO-8601 time`,
      step.id,
    ),
    ResultPath: "$.failure",
    Next: ctx.onFailure,
  });
  const absent = direct && mayBeAbsent(only) ? [absentRule(site(ctx, step.id), only, 0)] : [];
  const isTime = ctx.graph.add(`${step.id}#time?`, {
    Type: "Choice",
    Choices: [...absent, { Not: { Variable: at, IsTimestamp: true }, Next: notTime }],
    Default: step.id,
  });
  if (direct) return isTime;
  const resolve = stateName.until(step.id);
  const guarded = guardReads(site(ctx, step.id), [until], resolve);
  ctx.graph.add(resolve, {
    Type: "Pass",
    Parameters: Object.fromEntries([compileEntry("at", until, guarded.context)]),
    ResultPath: "$.waitUntil",
    Next: isTime,
  });
  return guarded.entry;
}

function compileEmit(ctx: Ctx, step: EmitStep, next: string | null): string {
  const guarded = guardReads(site(ctx, step.id), [step.detail, step.detailType], step.id);
  const detail = isObject(step.detail)
    ? compilePayload(step.detail, guarded.context)
    : Object.fromEntries([compileEntry("value", step.detail, guarded.context)]);
  const [typeKey, typeValue] = compileEntry("DetailType", step.detailType, guarded.context);
  ctx.graph.add(step.id, {
    Type: "Task",
    ...comment(step),
    Resource: TaskResource.Emit,
    Parameters: {
      Entries: [
        {
          EventBusName: PLACEHOLDER.EventBus,
          Source: EVENT_SOURCE,
          [typeKey]: typeValue,
          Detail: {
            ...detail,
            "executionId.$": "$.context.executionId",
            workflow: ctx.comp.workflow.name,
            version: ctx.comp.workflow.version,
            stepId: step.id,
          },
        },
      ],
    },
    ResultPath: null,
    Retry: [
      { ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2 },
    ],
    Catch: [catchAll(addFailureRecord(ctx, step.id))],
    ...goTo(next),
  });
  return guarded.entry;
}

function compileAwait(ctx: Ctx, step: AwaitStep, next: string | null): string {
  const timedOut = addFailureRecord(
    ctx,
    step.id,
    stateName.timedOut(step.id),
    "Baton.SignalTimeout",
  );
  return ctx.graph.add(step.id, {
    Type: "Task",
    ...comment(step),
    Resource: TaskResource.AwaitSignal,
    Parameters: {
      FunctionName: PLACEHOLDER.AwaitSignal,
      Payload: {
        workflow: ctx.comp.workflow.name,
        "executionId.$": "$.context.executionId",
        stepId: step.id,
        signal: step.signal,
        // Only maps address awaits per item: a signal to an await in a loop reaches its iteration.
        ...(ctx.scope.inMap ? { "itemPath.$": "$.itemPath" } : {}),
        "taskToken.$": "$$.Task.Token",
        timeout: step.timeout,
      },
    },
    TimeoutSeconds: step.timeout,
    ResultPath: `$.steps.${step.id}`,
    Retry: [LAMBDA_TRANSIENT_RETRIER],
    Catch: [
      { ErrorEquals: ["States.Timeout"], ResultPath: CAUGHT_PATH, Next: timedOut },
      catchAll(addFailureRecord(ctx, step.id)),
    ],
    ...goTo(next),
  });
}

function compileChild(ctx: Ctx, step: WorkflowStep, next: string | null): string {
  const childFailed = addFailureRecord(
    ctx,
    step.id,
    stateName.childFailed(step.id),
    BatonError.ChildWorkflowFailed,
  );
  const failed = addFailureRecord(ctx, step.id);
  const unwrap = ctx.graph.add(stateName.output(step.id), {
    Type: "Pass",
    Comment: "Keep only the child's output as this step's result",
    InputPath: `$.steps.${step.id}.Output`,
    ResultPath: `$.steps.${step.id}`,
    ...goTo(next),
  });
  ctx.graph.add(step.id, {
    Type: "Task",
    ...comment(step),
    Resource: TaskResource.ChildWorkflow,
    Parameters: {
      StateMachineArn: `\${${childWorkflowSubstitution(step.name)}}`,
      // Named by the child-input Task, whose state names the parent as the child's starter.
      "Name.$": CHILD_NAME_PATH,
      "Input.$": CHILD_STATE_PATH,
    },
    ResultPath: `$.steps.${step.id}`,
    Catch: [
      { ErrorEquals: ["States.TaskFailed"], ResultPath: CAUGHT_PATH, Next: childFailed },
      catchAll(failed),
    ],
    Next: unwrap,
  });
  // A refused input fails the step as a failed child would: nothing was started.
  return ctx.graph.add(stateName.childInput(step.id), {
    Type: "Task",
    Comment: `Resolve ${step.name}'s input and check it against its input schema`,
    Resource: TaskResource.ChildInput,
    Parameters: childInputParameters(ctx.comp, ctx.scope, step),
    ResultPath: CHILD_INPUT_PATH,
    Retry: [LAMBDA_TRANSIENT_RETRIER],
    Catch: [
      { ErrorEquals: [BatonError.InvalidInput], ResultPath: CAUGHT_PATH, Next: childFailed },
      catchAll(failed),
    ],
    Next: step.id,
  });
}

/** Where a step's guards go (see reads.ts). */
const site = (ctx: Ctx, stepId: string) => ({
  env: ctx.comp,
  graph: ctx.graph,
  scope: ctx.scope,
  stepId,
  prefix: stepId,
  onFailure: ctx.onFailure,
});

/** The reference of a string that is exactly one template. */
function singleTemplateRef(text: string): TemplateRef | undefined {
  const parsed = parseTemplate(text);
  if ("error" in parsed || parsed.parts.length !== 1) return undefined;
  const [only] = parsed.parts;
  return only && "ref" in only ? only.ref : undefined;
}

/**
 * Records `$.failure = {name, message, step}` from the caught error and goes to `onFailure`.
 * `name` overrides the caught error's name (e.g. a task timeout is reported as `Baton.SignalTimeout`).
 */
function addFailureRecord(
  ctx: Ctx,
  stepId: string,
  state = stateName.failed(stepId),
  name?: string,
): string {
  return ctx.graph.add(state, {
    Type: "Pass",
    Parameters: caughtFailure(stepId, name),
    ResultPath: "$.failure",
    Next: ctx.onFailure,
  });
}

const addEnd = (ctx: Ctx, name: string): string => addEndIn(ctx.graph, name);

function addEndIn(graph: StateGraph, name: string): string {
  return graph.add(name, { Type: "Pass", End: true });
}

function stepOf(byId: ReadonlyMap<string, Step>, id: string): Step {
  const step = byId.get(id);
  if (!step) throw new Error(`Unknown step "${id}" in plan (compiler bug)`);
  return step;
}

const planIdCache = new WeakMap<Plan, string[]>();

/** Step ids in a plan (memoized: nested groups ask for their sub-plans' ids again). */
function planIds(plan: Plan): string[] {
  const cached = planIdCache.get(plan);
  if (cached) return cached;
  const ids =
    plan.kind === "step"
      ? [plan.id]
      : (plan.kind === "sequence" ? plan.items : plan.branches).flatMap(planIds);
  planIdCache.set(plan, ids);
  return ids;
}

const comment = (step: Step): { Comment?: string } =>
  step.description === undefined ? {} : { Comment: step.description };

const isObject = (v: unknown): v is Record<string, never> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
