/**
 * Compiles a validated workflow to Amazon States Language (JSONPath).
 *
 *   Entry ─▶ steps (Parallel for independent steps) ─▶ end (output), or Finish (output template)
 *               │ any failure: $.failure = {name, message, step, cause}
 *               ▼
 *   (nothing to undo) ─────────────────────────────────────────────────────────────▶ Failed
 *   Compensation started ─▶ undos in reverse completion order ─▶ Compensation completed ─▶ Failed
 *                                         └─ an undo failed ─▶ … ─▶ Compensation failed ─▶ Compensation incomplete
 *
 * Call steps and compensations target the `${BatonServiceCall}` placeholder, so the same ASL runs in
 * AWS (CDK substitutes the Lambda ARN) and locally (the runtime routes the Task in-process).
 */
import type { ChoiceRule, Payload, State, StateMachineDefinition } from "./asl.ts";
import { StateGraph } from "./compiler/builder.ts";
import {
  compileCompensation,
  firstDue,
  hasCompensation,
  type SagaStart,
} from "./compiler/compensation.ts";
import { CAUGHT_FAILURE_DETAIL, FAILURE_DETAIL } from "./compiler/failure.ts";
import { withInputDefaults } from "./compiler/input-defaults.ts";
import { guardReads } from "./compiler/reads.ts";
import { topScope } from "./compiler/scope.ts";
import { stateName, TOP } from "./compiler/state-names.ts";
import { type Compilation, compileTopLevel, type FailureRouter } from "./compiler/steps.ts";
import { EntryRedirect } from "./entry-request.ts";
import { BatonError } from "./errors.ts";
import { STATE_MARKERS } from "./execution-state.ts";
import type { Step, Workflow } from "./model.ts";
import { compileEntry } from "./template.ts";
import { DetailType, EVENT_SOURCE, PLACEHOLDER, TaskResource } from "./wire.ts";

export function compileWorkflow(written: Workflow): StateMachineDefinition {
  const workflow = withInputDefaults(written);
  let groups = 0;
  const comp: Compilation = { workflow, nextGroup: () => ++groups };
  const graph = new StateGraph();
  const failure = addFailurePath(comp, graph, topScope(workflow.steps, TOP.finish));
  const finish = addFinish(comp, graph, failure.route(workflow.steps, []).onFailure);
  const scope = topScope(workflow.steps, finish);
  const { start: first, resumeAt } = compileTopLevel(
    { comp, graph, scope, onFailure: failure.none },
    workflow.steps,
    finish,
    failure.route,
  );
  graph.add(TOP.start, {
    Type: "Pass",
    Comment: "Execution state: input, context, and each step's result under steps",
    Parameters: {
      "input.$": "$",
      context: {
        "executionId.$": "$$.Execution.Name",
        "startedAt.$": "$$.Execution.StartTime",
        redriveCount: 0,
      },
      steps: {},
    },
    Next: first,
  });
  const startAt = addEntry(graph, first, resumeAt, hasCompensation(workflow.steps));
  // Without an output template `Finish` only narrows the state to `$.steps`: the states before
  // it do that themselves and end there, one transition less on every success path.
  if (workflow.type !== "express" && workflow.output === undefined)
    graph.endInsteadOf(TOP.finish, "$.steps");
  return graph.toDefinition(startAt, {
    Comment: `${workflow.name} v${workflow.version}${workflow.description ? `: ${workflow.description}` : ""}`,
    ...(workflow.timeout === undefined ? {} : { TimeoutSeconds: workflow.timeout }),
  });
}

/**
 * The entry: a normal run started with its state built (`execution-state.ts`: the API, triggers,
 * schedules) goes straight to the first step; a raw input (a child execution, a direct Step
 * Functions start) goes to `Start`, which builds it. When the first state is a call step's Task,
 * the machine starts there and the Task's handler redirects the other runs through its `Catch`
 * (lib/core/entry-request.ts): no entry Choice, so a normal run pays nothing for the entries.
 * Otherwise an `Entry` Choice tells them apart. Two more entries serve the API:
 * - `{"batonResume": {executionId, input, steps, from, redriveCount}}` restores the results of the
 *   steps that succeeded and resumes at the top-level item holding step `from` (redrive). Unknown
 *   or absent `from` resumes at the first item. Calls carry `redriveCount` into their step events,
 *   so the records let the new attempts outrank the earlier run's (and its compensations).
 * - `{"batonCompensate": {executionId, input, steps, failure}}` (workflows with compensations) runs
 *   only the compensation chain over the given results (cancel with compensation), because a stopped
 *   Step Functions execution can no longer run its own failure path.
 * Both keep the original execution id, so records, events and idempotency keys stay with it.
 */
function addEntry(
  graph: StateGraph,
  first: string,
  resumeAt: ReadonlyMap<string, string>,
  compensable: boolean,
): string {
  const restore = (key: string, redriveCount: Payload): Payload => ({
    "input.$": `$.${key}.input`,
    context: {
      "executionId.$": `$.${key}.executionId`,
      "startedAt.$": "$$.Execution.StartTime",
      ...redriveCount,
    },
    "steps.$": `$.${key}.steps`,
  });
  const dispatch = graph.add(TOP.resumeAt, {
    Type: "Choice",
    Comment: "Resume at the top-level item holding the step that failed",
    Choices: [...resumeAt].map(([id, entry]) => ({
      Variable: "$.resumeFrom",
      StringEquals: id,
      Next: entry,
    })),
    Default: first,
  });
  const resume = graph.add(TOP.resume, {
    Type: "Pass",
    Comment: "Restore the results of the steps that succeeded before the failure",
    Parameters: {
      ...restore("batonResume", { "redriveCount.$": "$.batonResume.redriveCount" }),
      "resumeFrom.$": "$.batonResume.from",
    },
    Next: resumeAt.size > 0 ? dispatch : first,
  });
  const built = { And: STATE_MARKERS.map((path) => ({ Variable: path, IsPresent: true })) };
  const choices: (ChoiceRule & { readonly Next: string })[] = [
    { Variable: "$.batonResume", IsPresent: true, Next: resume },
  ];
  if (compensable) {
    const compensate = graph.add(TOP.compensateOnly, {
      Type: "Pass",
      Comment: "Compensate the steps of a cancelled execution",
      Parameters: {
        ...restore("batonCompensate", { redriveCount: 0 }),
        failure: {
          "name.$": "$.batonCompensate.failure.name",
          "message.$": "$.batonCompensate.failure.message",
          "step.$": "$.batonCompensate.failure.step",
          "Error.$": "$.batonCompensate.failure.name",
          "Cause.$": "States.JsonToString($.batonCompensate.failure)",
        },
      },
      Next: TOP.compensationStarted,
    });
    choices.push({ Variable: "$.batonCompensate", IsPresent: true, Next: compensate });
  }
  // A first service-call Task is the entry itself: its handler redirects the other runs.
  const task = graph.get(first);
  if (isCallTask(task)) {
    const redirect = (name: string, next: string) => ({
      ErrorEquals: [name],
      ResultPath: null,
      Next: next,
    });
    const {
      "executionId.$": _id,
      "redriveCount.$": _redrive,
      data,
      ...parameters
    } = task.Parameters;
    graph.replace(first, {
      ...task,
      Parameters: {
        ...parameters,
        "state.$": "$",
        ...(isObject(data)
          ? { dataFromState: Object.keys(data).map((k) => k.replace(/\.\$$/, "")) }
          : {}),
      },
      Catch: [
        redirect(EntryRedirect.Resume, resume),
        ...(compensable ? [redirect(EntryRedirect.CompensateOnly, TOP.compensateOnly)] : []),
        redirect(EntryRedirect.RawInput, TOP.start),
        ...(task.Catch ?? []),
      ],
    });
    return first;
  }
  // Last: a resume or compensation request is never mistaken for a built state.
  choices.push({ ...built, Next: first });
  return graph.add(TOP.entry, {
    Type: "Choice",
    Comment:
      "Run the workflow (from a built state, or from Start for a raw input), resume a failed execution, or only compensate a cancelled one",
    Choices: choices,
    Default: TOP.start,
  });
}

type TaskOf = Extract<State, { Type: "Task" }>;

/** A forward service-call Task (a `call` step's own Task, not an undo). */
function isCallTask(state: State | undefined): state is TaskOf & { Parameters: Payload } {
  return (
    state?.Type === "Task" &&
    state.Resource === TaskResource.ServiceCall &&
    isObject(state.Parameters) &&
    state.Parameters.mode === "call"
  );
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Adds what runs after a failure and returns the router that tells each top-level item where its
 * failures go (`none` when the workflow has no compensations).
 *
 * A failure with nothing that can need compensating goes straight to `Failed`. Otherwise
 * `Compensation started` is published and the chain runs: entered at the undo of the first due
 * step when the compiler knows it (`<id>#compensating` publishes the event and goes there), else
 * through the dispatcher (`Compensate from`). The chain ends at `Compensation completed` or, when
 * a compensation failed, `Compensation failed` (see compensation.ts), then the matching `Fail`.
 * Both `Fail` states read the failure's own `cause` text (failure.ts).
 */
function addFailurePath(
  comp: Compilation,
  graph: StateGraph,
  scope: ReturnType<typeof topScope>,
): { readonly none: string; readonly route: FailureRouter } {
  graph.add(TOP.failed, {
    Type: "Fail",
    Comment: "Compensation completed (or nothing to compensate); fail with the original error",
    ErrorPath: "$.failure.Error",
    CausePath: "$.failure.Cause",
  });
  const express = comp.workflow.type === "express";
  const none = express
    ? graph.add(TOP.failedEvent, eventState(comp, DetailType.ExecutionFailed, TOP.failed))
    : TOP.failed;
  const steps = comp.workflow.steps;
  // A service-call Task's own Baton errors go to their target with `$.failure` as caught (no
  // recording Pass): only where every state on the way reads just `Error` and `Cause` (the undo's
  // handler records it; express event states read the recorded fields).
  const raw = (target: string | undefined, item: readonly Step[]) =>
    target !== undefined && !express && isPlainCall(item) ? { onRawFailure: target } : {};
  if (!hasCompensation(steps))
    return { none, route: (_, item) => ({ onFailure: none, ...raw(none, item) }) };

  graph.add(TOP.compensationFailed, {
    Type: "Fail",
    Comment: "At least one compensation failed after its retries",
    Error: BatonError.CompensationFailed,
    CausePath: "$.failure.Cause",
  });
  const incomplete = express
    ? graph.add(
        TOP.incompleteEvent,
        eventState(comp, DetailType.ExecutionFailed, TOP.compensationFailed, {
          error: {
            name: BatonError.CompensationFailed,
            "message.$": "$.failure.message",
            "step.$": "$.failure.step",
          },
        }),
      )
    : TOP.compensationFailed;
  const chain = compileCompensation(
    comp,
    graph,
    scope,
    steps,
    {
      clean: graph.add(
        TOP.compensationCompleted,
        eventState(comp, DetailType.CompensationCompleted, none),
      ),
      dirty: graph.add(
        TOP.compensationFailedEvent,
        // A caught failure reaches it unrecorded when the chain's only undo failed.
        eventState(comp, DetailType.CompensationFailed, incomplete, {
          error: CAUGHT_FAILURE_DETAIL,
        }),
      ),
    },
    TOP.compensateFrom,
    { event: TOP.compensationCompleted, next: none },
  );
  const dispatch = graph.add(
    TOP.compensationStarted,
    eventState(comp, DetailType.CompensationStarted, chain.dispatch),
  );
  const direct = (stepId: string): string => {
    const name = stateName.compensating(stepId);
    const undo = chain.undoOf.get(stepId);
    if (undo === undefined) throw new Error(`No undo for step "${stepId}" (compiler bug)`);
    if (!graph.has(name)) graph.add(name, eventState(comp, DetailType.CompensationStarted, undo));
    return name;
  };
  const target = (start: SagaStart): string =>
    start.kind === "none" ? none : start.kind === "direct" ? direct(start.stepId) : dispatch;
  const rawTarget = (start: SagaStart): string | undefined =>
    start.kind === "none"
      ? none
      : start.kind === "direct"
        ? chain.undoOf.get(start.stepId)
        : undefined;
  const route: FailureRouter = (done, item) => {
    const start = firstDue(steps, chain.order, done, item, false);
    const onFailure = target(start);
    const [single] = item;
    const markable =
      item.length === 1 &&
      single?.kind === "call" &&
      single.compensate !== undefined &&
      single.onError === undefined;
    const onRaw = raw(rawTarget(start), item);
    return markable
      ? {
          onFailure,
          onUncertain: target(firstDue(steps, chain.order, done, item, true)),
          ...onRaw,
        }
      : { onFailure, ...onRaw };
  };
  return { none, route };
}

/** A top-level item that is one call step without `onError` (its failures go to the router's targets). */
function isPlainCall(item: readonly Step[]): boolean {
  const [single] = item;
  return item.length === 1 && single?.kind === "call" && single.onError === undefined;
}

/**
 * Publishes an execution or saga event on the orchestration bus; a publish failure never blocks
 * the execution. `detail` replaces the default `error` (the recorded failure).
 */
function eventState(
  comp: Compilation,
  detailType: string,
  next: string,
  detail: Payload = { error: FAILURE_DETAIL },
): State {
  return {
    Type: "Task",
    Resource: TaskResource.Emit,
    Parameters: {
      Entries: [
        {
          EventBusName: PLACEHOLDER.EventBus,
          Source: EVENT_SOURCE,
          DetailType: detailType,
          Detail: {
            "executionId.$": "$.context.executionId",
            workflow: comp.workflow.name,
            version: comp.workflow.version,
            ...detail,
            // EventBridge's own `time` has whole seconds: keep the order of saga events exact.
            "at.$": "$$.State.EnteredTime",
          },
        },
      ],
    },
    ResultPath: null,
    Retry: [
      { ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2 },
    ],
    Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.eventError", Next: next }],
    Next: next,
  };
}

/**
 * The execution output: the `output` template, or every step's result when there is none. Express
 * workflows also publish `Execution Succeeded` with it: Step Functions sends no status-change
 * events for express executions, and the execution records rely on them.
 */
function addFinish(comp: Compilation, graph: StateGraph, onFailure: string): string {
  const scope = topScope(comp.workflow.steps, TOP.finish);
  const output = comp.workflow.output;
  // Absent values in the output fail the execution with Baton.TemplateError (compensation runs),
  // like any template; `??` gives them defaults.
  const guarded =
    output === undefined
      ? undefined
      : guardReads(
          { env: comp, graph, scope, stepId: "output", prefix: TOP.finish, onFailure },
          [output],
          TOP.finish,
        );
  const parameters: Payload =
    output === undefined || guarded === undefined
      ? { "output.$": "$.steps" }
      : Object.fromEntries([compileEntry("output", output, guarded.context)]);
  const entry = guarded?.entry ?? TOP.finish;
  if (comp.workflow.type !== "express") {
    graph.add(TOP.finish, {
      Type: "Pass",
      Comment: "Execution output",
      Parameters: parameters,
      OutputPath: "$.output",
      End: true,
    });
    return entry;
  }
  const done = graph.add(TOP.output, { Type: "Pass", InputPath: "$.final.output", End: true });
  const published = graph.add(
    TOP.succeededEvent,
    eventState(comp, DetailType.ExecutionSucceeded, done, { "output.$": "$.final.output" }),
  );
  graph.add(TOP.finish, {
    Type: "Pass",
    Comment: "Execution output",
    Parameters: parameters,
    ResultPath: "$.final",
    Next: published,
  });
  return entry;
}
