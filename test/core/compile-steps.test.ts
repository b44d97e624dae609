import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../../lib/core/compile.ts";
import {
  LAMBDA_TRANSIENT_RETRIER,
  PAUSE_RETRIER,
} from "../../lib/core/compiler/retry-and-catch.ts";
import type { Step } from "../../lib/core/model.ts";
import {
  BUILT_STATE,
  branchStop,
  CARRIED,
  CIRCUIT_OPEN_RETRIER,
  callParams,
  callTask,
  catchTo,
  caughtFailure,
  caughtTo,
  compensableCatch,
  DEFAULT_RETRIER,
  ENDS_RUN,
  ENTRY_COMMENT,
  entryCatch,
  failureRecord,
  firstCallParams,
  LAST,
  markedState,
  RECORDED_FAILURE_SELECTOR,
  staticFailure,
  uncertainRecord,
} from "../support/asl-expect.ts";
import { call, sequential, workflow } from "../support/workflows.ts";

const base = { pointer: "/steps/0", dependsOn: [] as string[], explicitDependsOn: false };
const states = (steps: Step[]) =>
  compileWorkflow(workflow(steps)).States as Record<string, unknown>;
const pick = (all: Record<string, unknown>, names: string[]) =>
  Object.fromEntries(names.map((n) => [n, all[n]]));
const BRANCH_FAILED = "A step failed: end this branch and let the Parallel state report it";

/** `Compensation started` published, then on to `next`. */
const startedEvent = (next: string) => ({
  Type: "Task",
  Resource: "arn:aws:states:::events:putEvents",
  Parameters: {
    Entries: [
      {
        EventBusName: "${BatonEventBus}",
        Source: "baton",
        DetailType: "Compensation Started",
        Detail: {
          "executionId.$": "$.context.executionId",
          workflow: "test-flow",
          version: 1,
          error: {
            "name.$": "$.failure.name",
            "message.$": "$.failure.message",
            "step.$": "$.failure.step",
          },
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
});

/**
 * a's undo (DELETE /a, the default compensation retry), going on to `next` or, failed, `failed`.
 * `saga`: the top-level chain's clean copy (`opens`), and its last undo (`completes`).
 */
const undo = (next: string, failed: string, saga: { opens?: true; completes?: true } = {}) => ({
  Type: "Task",
  Comment: "Compensate a",
  Resource: "${BatonServiceCall}",
  Parameters: callParams("a", {
    mode: "compensate",
    method: "DELETE",
    "failure.$": "$.failure",
    ...saga,
  }),
  ResultSelector: RECORDED_FAILURE_SELECTOR,
  ResultPath: "$.failure",
  TimeoutSeconds: 35,
  Retry: [
    {
      ErrorEquals: [
        "Baton.ServiceError",
        "Baton.Timeout",
        "Baton.ConnectionLost",
        "Baton.NoHealthyInstance",
        "States.Timeout",
      ],
      IntervalSeconds: 1,
      MaxAttempts: 4,
      BackoffRate: 2,
      JitterStrategy: "FULL",
    },
    { ...CIRCUIT_OPEN_RETRIER, MaxAttempts: 4 },
    LAMBDA_TRANSIENT_RETRIER,
  ],
  Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.compensationFailed", Next: failed }],
  Next: next,
});

describe("compileWorkflow: step kinds", () => {
  it("compiles a parallel step to a Parallel whose branches report failures instead of failing", () => {
    const all = states([
      { ...base, kind: "parallel", id: "both", branches: [[call("x")], [call("y")]] },
    ]);
    const merged =
      "States.JsonMerge(States.JsonMerge($.steps, States.JsonMerge($.joined.branches[0].steps, $.joined.branches[1].steps, false), false), $.joined.own, false)";
    const branch = (i: number, id: string) => ({
      StartAt: id,
      States: {
        ...branchStop(`both#${i}`, BRANCH_FAILED),
        [`both#${i}#done`]: { Type: "Pass", Parameters: { "steps.$": "$.steps" }, End: true },
        [`${id}#failed`]: failureRecord(id, `both#${i}#stopped`),
        [id]: callTask(id, `both#${i}#done`),
      },
    });

    expect(
      pick(all, ["both", "both#check", "both#merge", "both#failed-0", "both#failed-1"]),
    ).toStrictEqual({
      both: {
        Type: "Parallel",
        Branches: [branch(0, "x"), branch(1, "y")],
        Parameters: { ...CARRIED, "outer.$": "$.steps", steps: {} },
        ResultSelector: {
          "branches.$": "$",
          own: { "both.$": "States.JsonMerge($[0].steps, $[1].steps, false)" },
        },
        ResultPath: "$.joined",
        Catch: catchTo("both#failed"),
        Next: "both#check",
      },
      "both#check": {
        Type: "Choice",
        Choices: [
          { Variable: "$.joined.branches[0].failure", IsPresent: true, Next: "both#failed-0" },
          { Variable: "$.joined.branches[1].failure", IsPresent: true, Next: "both#failed-1" },
        ],
        Default: "both#merge",
      },
      "both#merge": { Type: "Pass", Parameters: { ...CARRIED, "steps.$": merged }, ...ENDS_RUN },
      "both#failed-0": {
        Type: "Pass",
        Comment: "Branch 0 failed: keep every result, report its failure",
        Parameters: { ...CARRIED, "steps.$": merged, "failure.$": "$.joined.branches[0].failure" },
        Next: "Failed",
      },
      "both#failed-1": {
        Type: "Pass",
        Comment: "Branch 1 failed: keep every result, report its failure",
        Parameters: { ...CARRIED, "steps.$": merged, "failure.$": "$.joined.branches[1].failure" },
        Next: "Failed",
      },
    });
  });

  it("lowers independent steps (dependsOn: []) to an implicit Parallel group", () => {
    const all = states([call("a"), call("b", { dependsOn: [] })]);

    expect(all["parallel#1"]).toMatchObject({
      Type: "Parallel",
      Comment: "Independent steps run concurrently",
      ResultSelector: { "branches.$": "$" },
      Branches: [{ StartAt: "a" }, { StartAt: "b" }],
    });
    expect(all["parallel#1#merge"]).toStrictEqual({
      Type: "Pass",
      Parameters: {
        ...CARRIED,
        "steps.$":
          "States.JsonMerge($.steps, States.JsonMerge($.joined.branches[0].steps, $.joined.branches[1].steps, false), false)",
      },
      ...ENDS_RUN,
    });
  });

  it("compiles a map step to a guarded inline Map that keeps each item's results", () => {
    const all = states([
      {
        ...base,
        kind: "map",
        id: "each",
        items: "{{ input.items }}",
        maxConcurrency: 5,
        steps: [call("put")],
      },
    ]);

    expect(
      pick(all, [
        "each#any?",
        "each",
        "each#no-items",
        "each#check",
        "each#merge",
        "each#failed-items",
        "each#propagate",
      ]),
    ).toStrictEqual({
      "each#any?": {
        Type: "Choice",
        Comment: "Map over at least one item (absent items fail the step)",
        Choices: [
          { Not: { Variable: "$.input.items", IsPresent: true }, Next: "each#absent-0" },
          { Variable: "$.input.items[0]", IsPresent: true, Next: "each" },
        ],
        Default: "each#no-items",
      },
      each: {
        Type: "Map",
        ItemsPath: "$.input.items",
        ItemSelector: {
          "item.$": "$$.Map.Item.Value",
          "index.$": "$$.Map.Item.Index",
          "itemPath.$": "States.Format('each[{}]', $$.Map.Item.Index)",
          ...CARRIED,
          "outer.$": "$.steps",
          steps: {},
        },
        ItemProcessor: {
          ProcessorConfig: { Mode: "INLINE" },
          StartAt: "put",
          States: {
            "each#item#stopped": {
              Type: "Pass",
              Comment: "A step failed: end this item and let the Map state report it",
              Parameters: { "steps.$": "$.steps", failed: true, "failure.$": "$.failure" },
              End: true,
            },
            "each#item#done": {
              Type: "Pass",
              Parameters: { "steps.$": "$.steps", failed: false },
              End: true,
            },
            "put#failed": failureRecord("put", "each#item#stopped"),
            put: {
              ...callTask("put", "each#item#done"),
              Parameters: { ...callParams("put"), "itemPath.$": "$.itemPath" },
            },
          },
        },
        MaxConcurrency: 5,
        ResultSelector: {
          own: { "each.$": "$[*].steps" },
          "failed.$": "States.ArrayContains($[*].failed, true)",
          "items.$": "$",
        },
        ResultPath: "$.joined",
        Catch: catchTo("each#failed"),
        Next: "each#check",
      },
      "each#no-items": {
        Type: "Pass",
        Comment: "No items: the result is an empty list",
        Result: [],
        ResultPath: "$.steps.each",
        ...ENDS_RUN,
      },
      "each#check": {
        Type: "Choice",
        Choices: [{ Variable: "$.joined.failed", BooleanEquals: true, Next: "each#failed-items" }],
        Default: "each#merge",
      },
      "each#merge": {
        Type: "Pass",
        Parameters: { ...CARRIED, "steps.$": "States.JsonMerge($.steps, $.joined.own, false)" },
        ...ENDS_RUN,
      },
      "each#failed-items": {
        Type: "Pass",
        Comment: "Keep every item's results, collect the failures",
        Parameters: {
          ...CARRIED,
          "steps.$": "States.JsonMerge($.steps, $.joined.own, false)",
          "failures.$": "$.joined.items[?(@.failed == true)].failure",
        },
        Next: "each#propagate",
      },
      "each#propagate": {
        Type: "Pass",
        Comment: "Report the first failed item's failure",
        InputPath: "$.failures[0]",
        ResultPath: "$.failure",
        Next: "Failed",
      },
    });
  });

  it("compiles choice cases to Choice rules with the otherwise branch as Default", () => {
    const all = states([
      {
        ...base,
        kind: "choice",
        id: "route",
        cases: [{ when: "input.tier == 'gold'", steps: [call("gold")] }],
        otherwise: [call("basic")],
      },
    ]);

    expect(pick(all, ["route", "gold", "basic"])).toStrictEqual({
      route: {
        Type: "Choice",
        Choices: [
          {
            And: [
              { Variable: "$.input.tier", IsPresent: true },
              { Variable: "$.input.tier", IsString: true },
              { Variable: "$.input.tier", StringEquals: "gold" },
            ],
            Next: "gold",
          },
        ],
        Default: "basic",
      },
      gold: callTask("gold", LAST),
      basic: callTask("basic", LAST),
    });
  });

  it("compiles wait steps: seconds, an exact timestamp template (guarded), a literal time, and mixed text", () => {
    const all = states(
      sequential([
        { ...base, kind: "wait", id: "w1", seconds: 10 },
        { ...base, kind: "wait", id: "w2", until: "{{ input.at }}" },
        { ...base, kind: "wait", id: "w3", until: "2030-01-01T00:00:00Z" },
        { ...base, kind: "wait", id: "w4", until: "{{ input.day }}T00:00:00Z" },
      ]),
    );

    const notTime = (id: string, until: string) => ({
      Type: "Pass",
      Result: staticFailure(
        "Baton.TemplateError",
        `Step ${id}: until ${until} is not an ISO-8601 time`,
        id,
      ),
      ResultPath: "$.failure",
      Next: "Failed",
    });
    expect(
      pick(all, [
        "w1",
        "w2#time?",
        "w2#not-a-time",
        "w2",
        "w3",
        "w4#reads?",
        "w4#until",
        "w4#time?",
        "w4",
      ]),
    ).toStrictEqual({
      w1: { Type: "Wait", Seconds: 10, Next: "w2#time?" },
      // A template is checked present and a timestamp: a Wait given anything else fails uncatchably.
      "w2#time?": {
        Type: "Choice",
        Choices: [
          { Not: { Variable: "$.input.at", IsPresent: true }, Next: "w2#absent-0" },
          { Not: { Variable: "$.input.at", IsTimestamp: true }, Next: "w2#not-a-time" },
        ],
        Default: "w2",
      },
      "w2#not-a-time": notTime("w2", "{{ input.at }}"),
      w2: { Type: "Wait", TimestampPath: "$.input.at", Next: "w3" },
      w3: { Type: "Wait", Timestamp: "2030-01-01T00:00:00Z", Next: "w4#reads?" },
      "w4#reads?": {
        Type: "Choice",
        Comment: "A template reading an absent value fails this step (Baton.TemplateError)",
        Choices: [{ Not: { Variable: "$.input.day", IsPresent: true }, Next: "w4#absent-0" }],
        Default: "w4#until",
      },
      "w4#until": {
        Type: "Pass",
        Parameters: { "at.$": "States.Format('{}T00:00:00Z', $.input.day)" },
        ResultPath: "$.waitUntil",
        Next: "w4#time?",
      },
      "w4#time?": {
        Type: "Choice",
        Choices: [
          { Not: { Variable: "$.waitUntil.at", IsTimestamp: true }, Next: "w4#not-a-time" },
        ],
        Default: "w4",
      },
      w4: { Type: "Wait", TimestampPath: "$.waitUntil.at", ...ENDS_RUN },
    });
  });

  it("compiles an emit step to the native EventBridge PutEvents integration", () => {
    const all = states([
      {
        ...base,
        kind: "emit",
        id: "tell",
        detailType: "Order Shipped",
        detail: { order: "{{ input.id }}" },
      },
    ]);

    expect(all.tell).toStrictEqual({
      Type: "Task",
      Resource: "arn:aws:states:::events:putEvents",
      Parameters: {
        Entries: [
          {
            EventBusName: "${BatonEventBus}",
            Source: "baton",
            DetailType: "Order Shipped",
            Detail: {
              "order.$": "$.input.id",
              "executionId.$": "$.context.executionId",
              workflow: "test-flow",
              version: 1,
              stepId: "tell",
            },
          },
        ],
      },
      ResultPath: null,
      Retry: [
        { ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2 },
      ],
      Catch: catchTo("tell#failed"),
      ...ENDS_RUN,
    });
  });

  it("compiles an await step to a task-token wait that times out as Baton.SignalTimeout", () => {
    const all = states([
      { ...base, kind: "await", id: "approval", signal: "approve", timeout: 3600 },
    ]);

    expect(pick(all, ["approval", "approval#timed-out"])).toStrictEqual({
      approval: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
        Parameters: {
          FunctionName: "${BatonAwaitSignal}",
          Payload: {
            workflow: "test-flow",
            "executionId.$": "$.context.executionId",
            stepId: "approval",
            signal: "approve",
            "taskToken.$": "$$.Task.Token",
            timeout: 3600,
          },
        },
        TimeoutSeconds: 3600,
        ResultPath: "$.steps.approval",
        Retry: [LAMBDA_TRANSIENT_RETRIER],
        Catch: [
          { ErrorEquals: ["States.Timeout"], ResultPath: "$.caught", Next: "approval#timed-out" },
          ...catchTo("approval#failed"),
        ],
        ...ENDS_RUN,
      },
      "approval#timed-out": {
        Type: "Pass",
        Parameters: caughtFailure("approval", "Baton.SignalTimeout"),
        ResultPath: "$.failure",
        Next: "Failed",
      },
    });
  });

  it("compiles a workflow step to a child-input check, then a synchronous child execution whose output becomes the result", () => {
    const all = states([
      { ...base, kind: "workflow", id: "kid", name: "child-flow", input: { n: "{{ input.n }}" } },
    ]);

    expect(
      pick(all, ["kid#input", "kid", "kid#output", "kid#child-failed", "kid#failed"]),
    ).toStrictEqual({
      "kid#input": {
        Type: "Task",
        Comment: "Resolve child-flow's input and check it against its input schema",
        Resource: "${BatonStartExecution}",
        Parameters: {
          check: "child-input",
          workflow: "test-flow",
          version: 1,
          "executionId.$": "$.context.executionId",
          stepId: "kid",
          child: "child-flow",
          input: { n: "{{ input.n }}" },
          data: { "input.$": "$.input" },
        },
        ResultPath: "$.childInput",
        Retry: [LAMBDA_TRANSIENT_RETRIER],
        Catch: [
          { ErrorEquals: ["Baton.InvalidInput"], ResultPath: "$.caught", Next: "kid#child-failed" },
          ...catchTo("kid#failed"),
        ],
        Next: "kid",
      },
      kid: {
        Type: "Task",
        Resource: "arn:aws:states:::states:startExecution.sync:2",
        Parameters: {
          StateMachineArn: "${ChildWorkflow_child_flow}",
          "Name.$": "$.childInput.name",
          "Input.$": "$.childInput.state",
        },
        ResultPath: "$.steps.kid",
        Catch: [
          { ErrorEquals: ["States.TaskFailed"], ResultPath: "$.caught", Next: "kid#child-failed" },
          ...catchTo("kid#failed"),
        ],
        Next: "kid#output",
      },
      "kid#output": {
        Type: "Pass",
        Comment: "Keep only the child's output as this step's result",
        InputPath: "$.steps.kid.Output",
        ResultPath: "$.steps.kid",
        ...ENDS_RUN,
      },
      "kid#child-failed": {
        Type: "Pass",
        Parameters: caughtFailure("kid", "Baton.ChildWorkflowFailed"),
        ResultPath: "$.failure",
        Next: "Failed",
      },
      "kid#failed": {
        Type: "Pass",
        Parameters: caughtFailure("kid"),
        ResultPath: "$.failure",
        Next: "Failed",
      },
    });
    expect(all.Start).toMatchObject({ Next: "kid#input" });
  });

  it("sends a workflow step's ?? defaults and map item to the check as written (no guard states)", () => {
    const all = states([
      {
        ...base,
        kind: "map",
        id: "each",
        items: "{{ input.orders }}",
        maxConcurrency: 2,
        steps: [
          {
            ...base,
            kind: "workflow",
            id: "kid",
            name: "child-flow",
            input: { id: "{{ item.id }}", coupon: "{{ input.coupon ?? 'none' }}", fixed: 1 },
          },
        ],
      },
    ]);
    const item = (
      all.each as { ItemProcessor: { States: Record<string, { Parameters?: unknown }> } }
    ).ItemProcessor.States;
    const names = Object.keys(item).filter((n) => n.startsWith("kid"));

    expect(names.sort()).toStrictEqual([
      "kid",
      "kid#child-failed",
      "kid#failed",
      "kid#input",
      "kid#output",
    ]);
    expect(item["kid#input"]?.Parameters).toStrictEqual({
      check: "child-input",
      workflow: "test-flow",
      version: 1,
      "executionId.$": "$.context.executionId",
      stepId: "kid",
      "itemPath.$": "$.itemPath",
      child: "child-flow",
      input: { id: "{{ item.id }}", coupon: "{{ input.coupon ?? 'none' }}", fixed: 1 },
      data: { "input.$": "$.input", "item.$": "$.item" },
    });
  });

  it("compiles fail and succeed steps", () => {
    const failAll = states([
      { ...base, kind: "fail", id: "no", error: "Order.Invalid", cause: "bad" },
    ]);
    const succeedAll = states(sequential([{ ...base, kind: "succeed", id: "done" }, call("b")]));

    expect(failAll.no).toStrictEqual({
      Type: "Pass",
      Comment: "fail with Order.Invalid",
      Result: staticFailure("Order.Invalid", "bad", "no"),
      ResultPath: "$.failure",
      Next: "Failed",
    });
    expect(succeedAll.done).toStrictEqual({ Type: "Pass", ...ENDS_RUN });
  });

  it("compiles the compensation chain: dispatcher, compensation task with its own retries, outcome", () => {
    const CERTAIN_RETRIER = {
      ...DEFAULT_RETRIER,
      ErrorEquals: ["Baton.ServiceError", "Baton.NoHealthyInstance"],
    };
    const all = states(sequential([call("a", { compensate: {} }), call("b")]));

    expect(all["a#undo?"]).toBeUndefined();
    expect(
      pick(all, [
        "a",
        "a#maybe-applied",
        "a#again",
        "a#again-failed",
        "a#uncertain",
        "b#failed",
        "a#compensating",
        "Compensation started",
        "Compensate from",
        "a#undo",
      ]),
    ).toStrictEqual({
      // Uncertain errors the policy retries are caught at once: a is marked, then a#again makes
      // the remaining attempts, so the mark survives attempts that never reach the service.
      a: {
        ...callTask("a", "b"),
        // The machine's entry (see the entry test below).
        Parameters: firstCallParams("a"),
        Retry: [CERTAIN_RETRIER, CIRCUIT_OPEN_RETRIER, LAMBDA_TRANSIENT_RETRIER, PAUSE_RETRIER],
        // Its own errors: nothing ran before it, so straight to Fail as caught.
        Catch: [...entryCatch(true), ...compensableCatch("a").toSpliced(2, 0, caughtTo("Failed"))],
      },
      "a#maybe-applied": {
        Type: "Pass",
        Comment: "The attempt may have taken effect: mark the step for compensation, keep trying",
        Parameters: { ...markedState("a"), "caught.$": "$.caught" },
        Next: "a#again",
      },
      // The rest of maxAttempts (3): its handler counts on from the attempt the caught Cause
      // names, and fails retried errors under names only these retriers match while the policy
      // allows another attempt, so the step makes at most 3 attempts in all.
      "a#again": {
        ...callTask("a", "b"),
        Parameters: callParams("a", {
          again: {
            maxAttempts: 3,
            retryOn: [...DEFAULT_RETRIER.ErrorEquals, "Baton.CircuitOpen"],
            "after.$": "$.caught.Cause",
          },
        }),
        Retry: [
          { ...DEFAULT_RETRIER, ErrorEquals: ["Baton.RetryAgain"], MaxAttempts: 1 },
          { ...CIRCUIT_OPEN_RETRIER, ErrorEquals: ["Baton.RetryAfterCooldown"], MaxAttempts: 1 },
          LAMBDA_TRANSIENT_RETRIER,
          PAUSE_RETRIER,
        ],
        Catch: catchTo("a#again-failed"),
      },
      // a is marked: its own failures go straight to its undo, as does b's (b depends on a).
      "a#again-failed": failureRecord("a", "a#compensating"),
      // A final uncertain error the policy does not retry marks a and records the failure at once.
      "a#uncertain": uncertainRecord("a", "a#compensating"),
      "b#failed": failureRecord("b", "a#compensating"),
      "a#compensating": startedEvent("a#undo"),
      // Compensate-only runs enter here: the dispatcher reads what $.steps holds.
      "Compensation started": startedEvent("Compensate from"),
      "Compensate from": {
        Type: "Choice",
        Comment: "Start compensating at the latest step that succeeded or may have taken effect",
        Choices: [{ Variable: "$.steps.a", IsPresent: true, Next: "a#undo" }],
        Default: "Compensation completed",
      },
      // The last undo publishes Compensation Completed itself and goes on to Fail.
      "a#undo": undo("Failed", "Compensation failed", { opens: true, completes: true }),
    });
    // b's own errors go straight to a's undo, which records the failure and opens the saga.
    expect((all.b as { Catch: unknown[] }).Catch).toContainEqual(caughtTo("a#undo"));
    // The chain after a failed compensation (`!` copies) is entered below a failed undo only.
    expect(all["a#undo!"]).toBeUndefined();
    expect(all["Compensation incomplete"]).toStrictEqual({
      Type: "Fail",
      Comment: "At least one compensation failed after its retries",
      Error: "Baton.CompensationFailed",
      CausePath: "$.failure.Cause",
    });
  });

  it("enters the chain where each failure knows it must, and goes on dirty after a failed undo", () => {
    const all = states(
      sequential([call("a", { compensate: {} }), call("b", { compensate: {} }), call("c")]),
    ) as Record<string, { Next?: string; Catch?: { Next: string }[] }>;

    // a failed: nothing ran that could need undoing. b failed: a did. c failed: b, then a.
    expect(all["a#failed"]?.Next).toBe("Failed");
    expect(all["b#failed"]?.Next).toBe("a#compensating");
    expect(all["c#failed"]?.Next).toBe("b#compensating");
    // A marked (uncertain) b is undone first.
    expect(all["b#uncertain"]?.Next).toBe("b#compensating");
    expect([all["a#compensating"]?.Next, all["b#compensating"]?.Next]).toStrictEqual([
      "a#undo",
      "b#undo",
    ]);
    // Clean chain: b#undo, a#undo, Compensation completed. A failed undo goes on with the dirty
    // copy of the rest, which ends at Compensation failed whatever happens.
    expect([all["b#undo"]?.Next, all["b#undo"]?.Catch?.[0]?.Next]).toStrictEqual([
      "a#undo",
      "a#undo!",
    ]);
    expect([all["a#undo"]?.Next, all["a#undo"]?.Catch?.[0]?.Next]).toStrictEqual([
      "Failed",
      "Compensation failed",
    ]);
    expect([all["a#undo!"]?.Next, all["a#undo!"]?.Catch?.[0]?.Next]).toStrictEqual([
      "Compensation failed",
      "Compensation failed",
    ]);
    expect(all["b#undo!"]).toBeUndefined();
    expect([all["Compensation completed"]?.Next, all["Compensation failed"]?.Next]).toStrictEqual([
      "Failed",
      "Compensation incomplete",
    ]);
  });

  it("reads enclosing results through $.outer inside branches", () => {
    const all = states([
      call("a"),
      {
        ...base,
        dependsOn: ["a"],
        kind: "parallel",
        id: "both",
        branches: [[call("x", { body: "{{ steps.a.body }}" })], [call("y")]],
      },
    ]);

    const x = (all.both as { Branches: { States: Record<string, { Parameters?: unknown }> }[] })
      .Branches[0]?.States.x;
    // The handler resolves the template from the enclosing results it is sent.
    expect(x?.Parameters).toStrictEqual(
      callParams("x", { body: "{{ steps.a.body }}", data: { "outer.$": "$.outer" } }),
    );
  });

  it("enters at the first call, whose handler redirects the runs that resume or only compensate", () => {
    const asl = compileWorkflow(workflow(sequential([call("a", { compensate: {} }), call("b")])));
    // A first state that is not a call Task: an entry Choice tells the runs apart.
    const plain = compileWorkflow(workflow([call("a", { when: "input.n > 1" })]));
    const restore = (key: string, redriveCount: object) => ({
      "input.$": `$.${key}.input`,
      context: {
        "executionId.$": `$.${key}.executionId`,
        "startedAt.$": "$$.Execution.StartTime",
        ...redriveCount,
      },
      "steps.$": `$.${key}.steps`,
    });

    expect(asl.StartAt).toBe("a");
    expect(asl.States.Entry).toBeUndefined();
    const a = asl.States.a as unknown as { Parameters: Record<string, unknown>; Catch: unknown[] };
    expect(a.Parameters).toStrictEqual(firstCallParams("a"));
    expect(a.Catch.slice(0, 3)).toStrictEqual(entryCatch(true));
    expect(
      pick(asl.States as Record<string, unknown>, [
        "Start",
        "Resume",
        "Resume at",
        "Compensate only",
      ]),
    ).toStrictEqual({
      // A raw input is built into the state here, then a runs again.
      Start: {
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
        Next: "a",
      },
      Resume: {
        Type: "Pass",
        Comment: "Restore the results of the steps that succeeded before the failure",
        Parameters: {
          ...restore("batonResume", { "redriveCount.$": "$.batonResume.redriveCount" }),
          "resumeFrom.$": "$.batonResume.from",
        },
        Next: "Resume at",
      },
      "Resume at": {
        Type: "Choice",
        Comment: "Resume at the top-level item holding the step that failed",
        Choices: [
          { Variable: "$.resumeFrom", StringEquals: "b", Next: "b" },
          { Variable: "$.resumeFrom", StringEquals: "a", Next: "a" },
        ],
        Default: "a",
      },
      "Compensate only": {
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
        Next: "Compensation started",
      },
    });
    expect(plain.StartAt).toBe("Entry");
    expect(plain.States.Entry).toStrictEqual({
      Type: "Choice",
      Comment: ENTRY_COMMENT,
      Choices: [
        { Variable: "$.batonResume", IsPresent: true, Next: "Resume" },
        { ...BUILT_STATE, Next: "a#when" },
      ],
      Default: "Start",
    });
  });

  it("resumes a parallel group as a whole, at the group's entry, for any step inside it", () => {
    const asl = compileWorkflow(
      workflow([call("a"), call("b", { dependsOn: [] }), call("c", { dependsOn: ["a", "b"] })]),
    );

    expect((asl.States as Record<string, unknown>)["Resume at"]).toMatchObject({
      Choices: [
        { StringEquals: "c", Next: "c" },
        { StringEquals: "a", Next: "parallel#1" },
        { StringEquals: "b", Next: "parallel#1" },
      ],
      Default: "parallel#1",
    });
  });
});
