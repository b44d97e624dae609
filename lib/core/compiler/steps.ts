/**
 * Forward compilation: step lists → states. Every step either continues to `next` or, on failure,
 * records `$.failure` and goes to the scope's `onFailure` state (compensation at the top level; the
 * end of the branch or iteration inside Parallel and Map, so siblings finish and nothing is lost).
 */
import type { Payload, StateMachineDefinition } from "../asl.ts";
import { lower, type Plan } from "../graph.ts";
import {
  type AwaitStep,
  allSteps,
  type CallStep,
  type ChoiceStep,
  type EmitStep,
  type MapStep,
  type ParallelStep,
  type Step,
  type WaitStep,
  type WorkflowStep,
} from "../model.ts";
import { parsePath, segmentsToJsonPath } from "../template.ts";
import { childWorkflowSubstitution, EVENT_SOURCE, PLACEHOLDER, TaskResource } from "../wire.ts";
import { goTo, StateGraph } from "./builder.ts";
import { callParameters, TASK_TIMEOUT_GRACE } from "./call.ts";
import { CAUGHT_PATH, callRetries, catchAll, LAMBDA_TRANSIENT_RETRIER } from "./retry-and-catch.ts";
import {
  branchScope,
  carriedFields,
  childInput,
  itemPathSelector,
  iterationScope,
  outerForChild,
  type Scope,
} from "./scope.ts";
import { stateName } from "./state-names.ts";
import { type CompileEnv, condition, entry, exactPath, payload } from "./templates.ts";

export interface Compilation extends CompileEnv {
  /** Names implicit parallel groups (`parallel#1`, …) uniquely across the machine. */
  nextGroup(): number;
}

interface Ctx {
  readonly comp: Compilation;
  readonly graph: StateGraph;
  readonly scope: Scope;
  readonly onFailure: string;
}

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
): { readonly start: string; readonly resumeAt: ReadonlyMap<string, string> } {
  const resumeAt = new Map<string, string>();
  if (steps.length === 0) return { start: next, resumeAt };
  const byId = new Map(steps.map((s) => [s.id, s]));
  const plan = lower(steps);
  const items = plan.kind === "sequence" ? plan.items : [plan];
  const start = items.reduceRight<string>((after, item) => {
    const entry = compilePlan(ctx, item, byId, after) ?? after;
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
  const start = compileKind(ctx, step, next);
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
        Result: { name: step.error, message: step.cause ?? step.error, step: step.id },
        ResultPath: "$.failure",
        Next: ctx.onFailure,
      });
    case "succeed":
      return ctx.scope.finish === null
        ? ctx.graph.add(step.id, { Type: "Succeed", ...comment(step) })
        : ctx.graph.add(step.id, { Type: "Pass", ...comment(step), Next: ctx.scope.finish });
  }
}

function compileCall(ctx: Ctx, step: CallStep, next: string | null): string {
  const failed = addFailureRecord(ctx, step.id);
  return ctx.graph.add(step.id, {
    Type: "Task",
    ...comment(step),
    Resource: TaskResource.ServiceCall,
    Parameters: callParameters(
      ctx.comp,
      ctx.scope,
      step.id,
      "call",
      step.call,
      step.timeout,
      step.idempotent,
    ),
    ...(step.select === undefined ? {} : { ResultSelector: selectBody(step.select) }),
    ResultPath: `$.steps.${step.id}`,
    TimeoutSeconds: step.timeout + TASK_TIMEOUT_GRACE,
    Retry: callRetries(step.retry),
    Catch: [catchAll(failed)],
    ...goTo(next),
  });
}

/** `select: body.items` keeps only that part of the response as `body`. */
function selectBody(select: string): Payload {
  const parsed = parsePath(select);
  if ("error" in parsed) throw new Error(`select "${select}": ${parsed.error} (validator bug)`);
  const path = `${parsed.head}${segmentsToJsonPath(parsed.path)}`;
  return {
    "status.$": "$.status",
    "headers.$": "$.headers",
    "body.$": `$.${path}`,
    "instance.$": "$.instance",
    "attempt.$": "$.attempt",
  };
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
  const scope = iterationScope(step.steps);
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
  return ctx.graph.add(`${step.id}#any?`, {
    Type: "Choice",
    Comment: "Map over at least one item",
    Choices: [{ Variable: `${itemsPath}[0]`, IsPresent: true, Next: map }],
    Default: empty,
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
  const path = exactPath(ctx.comp, ctx.scope, step.until);
  if (path !== undefined) return guardTimestamp(ctx, step, path, waitUntil(ctx, step, path, next));
  const [key, value] = entry(ctx.comp, ctx.scope, "at", step.until);
  if (!key.endsWith(".$")) {
    return ctx.graph.add(step.id, {
      Type: "Wait",
      ...comment(step),
      Timestamp: step.until,
      ...goTo(next),
    });
  }
  const guard = guardTimestamp(
    ctx,
    step,
    "$.waitUntil.at",
    waitUntil(ctx, step, "$.waitUntil.at", next),
  );
  ctx.graph.add(stateName.until(step.id), {
    Type: "Pass",
    Parameters: { [key]: value },
    ResultPath: "$.waitUntil",
    Next: guard,
  });
  return stateName.until(step.id);
}

const waitUntil = (ctx: Ctx, step: WaitStep, path: string, next: string | null): string =>
  ctx.graph.add(step.id, { Type: "Wait", ...comment(step), TimestampPath: path, ...goTo(next) });

/**
 * A templated `wait.until` that is not an RFC 3339 time (with an offset, e.g. `…Z`) would fail
 * the Wait with `States.Runtime` in AWS ("The TimestampPath parameter does not reference a valid
 * ISO-8601 extended offset date-time format string"), which no Catch can handle, so the saga
 * would end without compensation. The value is checked first and fails the step with
 * `Baton.TemplateError` like any other step failure; locally, the same Choice decides.
 */
function guardTimestamp(ctx: Ctx, step: WaitStep, path: string, wait: string): string {
  const invalid = ctx.graph.add(stateName.untilInvalid(step.id), {
    Type: "Pass",
    Result: {
      name: "Baton.TemplateError",
      message: `wait.until of step ${step.id} is missing or not an RFC 3339 time with an offset (e.g. 2030-01-01T00:00:00Z)`,
      step: step.id,
    },
    ResultPath: "$.failure",
    Next: ctx.onFailure,
  });
  // A rule on a missing path is itself a States.Runtime error: presence is tested first.
  return ctx.graph.add(stateName.untilValid(step.id), {
    Type: "Choice",
    Choices: [
      { Not: { Variable: path, IsPresent: true }, Next: invalid },
      { Variable: path, IsTimestamp: true, Next: wait },
    ],
    Default: invalid,
  });
}

function compileEmit(ctx: Ctx, step: EmitStep, next: string | null): string {
  const detail = isObject(step.detail)
    ? payload(ctx.comp, ctx.scope, step.detail)
    : Object.fromEntries([entry(ctx.comp, ctx.scope, "value", step.detail)]);
  const [typeKey, typeValue] = entry(ctx.comp, ctx.scope, "DetailType", step.detailType);
  return ctx.graph.add(step.id, {
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
    "Baton.ChildWorkflowFailed",
  );
  const unwrap = ctx.graph.add(stateName.output(step.id), {
    Type: "Pass",
    Comment: "Keep only the child's output as this step's result",
    InputPath: `$.steps.${step.id}.Output`,
    ResultPath: `$.steps.${step.id}`,
    ...goTo(next),
  });
  const input = isObject(step.input)
    ? { Input: payload(ctx.comp, ctx.scope, step.input) }
    : Object.fromEntries([entry(ctx.comp, ctx.scope, "Input", step.input)]);
  return ctx.graph.add(step.id, {
    Type: "Task",
    ...comment(step),
    Resource: TaskResource.ChildWorkflow,
    Parameters: { StateMachineArn: `\${${childWorkflowSubstitution(step.name)}}`, ...input },
    ResultPath: `$.steps.${step.id}`,
    Catch: [
      { ErrorEquals: ["States.TaskFailed"], ResultPath: CAUGHT_PATH, Next: childFailed },
      catchAll(addFailureRecord(ctx, step.id)),
    ],
    Next: unwrap,
  });
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
    Parameters: {
      ...(name === undefined ? { "name.$": `${CAUGHT_PATH}.Error` } : { name }),
      "message.$": `${CAUGHT_PATH}.Cause`,
      step: stepId,
    },
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
