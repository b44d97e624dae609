/**
 * The ASL of flow control (WORKFLOWS.md v2), state by state: `onError` (continue, restricted to
 * error names, on a compensable call, with a fallback list) and `loop` with its compensation.
 */
import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../../lib/core/compile.ts";
import type { LoopStep, Step } from "../../lib/core/model.ts";
import {
  CARRIED,
  callParams,
  callTask,
  catchTo,
  caughtFailure,
  ENDS_RUN,
  entryCatch,
  failureRecord,
  firstCallParams,
  staticFailure,
} from "../support/asl-expect.ts";
import { call, workflow } from "../support/workflows.ts";

const states = (steps: Step[]) =>
  compileWorkflow(workflow(steps)).States as Record<string, unknown>;
const pick = (all: Record<string, unknown>, names: string[]) =>
  Object.fromEntries(names.map((n) => [n, all[n]]));
const ERROR = { "name.$": "$.failure.name", "message.$": "$.failure.message" };

describe("compileWorkflow: onError", () => {
  it("continue: the failure record goes to a Pass that stores {error} and goes on", () => {
    // Act
    const all = states([
      { ...call("a"), onError: { action: "continue" } },
      { ...call("b"), dependsOn: ["a"] },
    ]);
    // Assess
    expect(pick(all, ["a", "a#failed", "a#handled"])).toStrictEqual({
      // The machine's entry (compile-steps.test.ts); onError: no caught failure goes past it.
      a: {
        ...callTask("a", "b"),
        Parameters: firstCallParams("a"),
        Catch: [...entryCatch(false), ...catchTo("a#failed")],
      },
      "a#failed": failureRecord("a", "a#handled"),
      "a#handled": {
        Type: "Pass",
        Comment: "onError: continue",
        Parameters: { error: ERROR },
        ResultPath: "$.steps.a",
        Next: "b",
      },
    });
  });

  it("restricted to error names: a Choice sends the others down the failure path", () => {
    // Act
    const all = states([
      {
        ...call("a"),
        onError: { action: "continue", errors: ["Baton.ClientError", "Baton.Timeout"] },
      },
    ]);
    // Assess
    expect(pick(all, ["a#failed", "a#on-error?"])).toStrictEqual({
      "a#failed": failureRecord("a", "a#on-error?"),
      "a#on-error?": {
        Type: "Choice",
        Comment:
          "onError handles Baton.ClientError, Baton.Timeout; other errors fail the execution",
        Choices: [
          {
            Or: [
              { Variable: "$.failure.name", StringEquals: "Baton.ClientError" },
              { Variable: "$.failure.name", StringEquals: "Baton.Timeout" },
              { Variable: "$.failure.name", StringEquals: "States.Timeout" },
            ],
            Next: "a#handled",
          },
        ],
        Default: "Failed",
      },
    });
  });

  it("on a compensable call: an uncertain failure keeps its mark, and the undo guard reads it", () => {
    // Act
    const all = states([
      { ...call("a", { compensate: {}, retry: null }), onError: { action: "continue" } },
    ]);
    // Assess
    expect(pick(all, ["a#uncertain", "a#handled-uncertain", "Compensate from"])).toStrictEqual({
      "a#uncertain": {
        Type: "Pass",
        Comment: "The call may have taken effect: mark it for compensation and record the failure",
        Parameters: {
          ...CARRIED,
          "steps.$":
            'States.JsonMerge($.steps, States.StringToJson(States.Format(\'\\{"a":\\{"uncertain":true\\}\\}\')), false)',
          failure: caughtFailure("a"),
        },
        Next: "a#handled-uncertain",
      },
      "a#handled-uncertain": {
        Type: "Pass",
        Comment: "onError after a call that may have taken effect: keep it marked for compensation",
        Parameters: { error: ERROR, uncertain: true },
        ResultPath: "$.steps.a",
        ...ENDS_RUN,
      },
      "Compensate from": {
        Type: "Choice",
        Comment: "Start compensating at the latest step that succeeded or may have taken effect",
        Choices: [
          {
            Or: [
              {
                And: [
                  { Variable: "$.steps.a", IsPresent: true },
                  { Not: { Variable: "$.steps.a.error", IsPresent: true } },
                ],
              },
              { Variable: "$.steps.a.uncertain", IsPresent: true },
            ],
            Next: "a#undo",
          },
        ],
        Default: "Compensation completed",
      },
    });
  });

  it("a fallback list: the handler goes to the list, which then joins the next step", () => {
    // Act
    const all = states([
      { ...call("a"), onError: { action: "fallback", steps: [call("b")] } },
      { ...call("c"), dependsOn: ["a"] },
    ]);
    // Assess
    expect(pick(all, ["a", "a#handled", "b"])).toStrictEqual({
      a: {
        ...callTask("a", "c"),
        Parameters: firstCallParams("a"),
        Catch: [...entryCatch(false), ...catchTo("a#failed")],
      },
      "a#handled": {
        Type: "Pass",
        Comment: "onError: run the fallback steps",
        Parameters: { error: ERROR },
        ResultPath: "$.steps.a",
        Next: "b",
      },
      b: callTask("b", "c"),
    });
  });
});

describe("compileWorkflow: loop", () => {
  const loop: LoopStep = {
    kind: "loop",
    id: "poll",
    pointer: "/steps/0",
    dependsOn: [],
    explicitDependsOn: false,
    until: "steps.check.body.done == true",
    maxIterations: 4,
    steps: [call("check", { compensate: {} })],
  };

  it("compiles to an entry Pass, a one-branch Parallel per iteration and a Choice back-edge", () => {
    // Act
    const all = states([loop]);
    // Assess
    const iteration = all["poll#iteration"] as { Branches: unknown[] };
    expect({ ...iteration, Branches: "below" }).toStrictEqual({
      Type: "Parallel",
      Comment: "One iteration of poll",
      Branches: "below",
      Parameters: {
        ...CARRIED,
        "outer.$": "$.steps",
        steps: {},
        "iteration.$": "$.steps.poll.count",
        "itemPath.$": "States.Format('poll[{}]', $.steps.poll.count)",
        "history.$": "$.steps.poll.iterations",
      },
      ResultSelector: {
        "count.$": "$[0].count",
        "done.$": "$[0].done",
        "iterations.$": "$[0].pair[*][*]",
      },
      ResultPath: "$.steps.poll",
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.caught", Next: "poll#failed" }],
      Next: "poll#next?",
    });
    expect(
      pick(all, ["poll", "poll#next?", "poll#result", "poll#iteration-failure", "poll#limit"]),
    ).toStrictEqual({
      poll: {
        Type: "Pass",
        Result: { count: 0, done: false, iterations: [] },
        ResultPath: "$.steps.poll",
        Next: "poll#iteration",
      },
      "poll#next?": {
        Type: "Choice",
        Choices: [
          {
            Variable: "$.steps.poll.iterations[0].failure",
            IsPresent: true,
            Next: "poll#iteration-failure",
          },
          { Variable: "$.steps.poll.done", BooleanEquals: true, Next: "poll#result" },
          { Variable: "$.steps.poll.count", NumericGreaterThanEquals: 4, Next: "poll#limit" },
        ],
        Default: "poll#iteration",
      },
      "poll#result": {
        Type: "Pass",
        Comment: "The loop ended: later steps read the last iteration's results by id",
        Parameters: {
          ...CARRIED,
          "steps.$": "States.JsonMerge($.steps, $.steps.poll.iterations[0].steps, false)",
        },
        ...ENDS_RUN,
      },
      "poll#iteration-failure": {
        Type: "Pass",
        Comment: "A step of the iteration failed: report its failure",
        InputPath: "$.steps.poll.iterations[0].failure",
        ResultPath: "$.failure",
        Next: "Compensation started",
      },
      "poll#limit": {
        Type: "Pass",
        Result: staticFailure(
          "Baton.LoopLimit",
          'Loop poll ran 4 times and "steps.check.body.done == true" still does not hold',
          "poll",
        ),
        ResultPath: "$.failure",
        Next: "Compensation started",
      },
    });
    const end = (done: boolean, failure: boolean) => ({
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
      Next: "poll#iteration-record",
    });
    const branch = iteration.Branches[0] as { StartAt: string; States: Record<string, unknown> };
    expect(branch.StartAt).toBe("check");
    expect(
      pick(branch.States, [
        "check",
        "poll#until?",
        "poll#iteration-done",
        "poll#iteration-again",
        "poll#iteration-failed",
        "poll#iteration-record",
      ]),
    ).toStrictEqual({
      check: {
        ...callTask("check", "poll#until?"),
        Parameters: callParams("check", { "itemPath.$": "$.itemPath" }),
        Retry: (branch.States.check as { Retry: unknown }).Retry,
        Catch: (branch.States.check as { Catch: unknown }).Catch,
      },
      "poll#until?": {
        Type: "Choice",
        Comment: "until: steps.check.body.done == true",
        Choices: [
          {
            And: [
              { Variable: "$.steps.check.body.done", IsPresent: true },
              { Variable: "$.steps.check.body.done", IsBoolean: true },
              { Variable: "$.steps.check.body.done", BooleanEquals: true },
            ],
            Next: "poll#iteration-done",
          },
        ],
        Default: "poll#iteration-again",
      },
      "poll#iteration-done": end(true, false),
      "poll#iteration-again": end(false, false),
      "poll#iteration-failed": end(false, true),
      "poll#iteration-record": {
        Type: "Pass",
        Comment: "Put this iteration in front of the earlier ones",
        Parameters: {
          "pair.$": "States.Array(States.Array($.record), $.history)",
          "count.$": "States.MathAdd($.record.iteration, 1)",
          "done.$": "$.done",
        },
        End: true,
      },
    });
  });

  it("compensates every iteration in a Map over the iterations, one at a time, newest first", () => {
    // Act
    const all = states([loop]);
    // Assess
    const each = all["poll#undo-each"] as { ItemProcessor: unknown };
    expect({ ...each, ItemProcessor: "below" }).toStrictEqual({
      Type: "Map",
      Comment: "Compensate every iteration of poll, newest first",
      ItemsPath: "$.steps.poll.iterations",
      ItemSelector: {
        "iteration.$": "$$.Map.Item.Value.iteration",
        "itemPath.$": "States.Format('poll[{}]', $$.Map.Item.Value.iteration)",
        "input.$": "$.input",
        "context.$": "$.context",
        "outer.$": "$.steps",
        "failure.$": "$.failure",
        "steps.$": "$$.Map.Item.Value.steps",
      },
      ItemProcessor: "below",
      MaxConcurrency: 1,
      ResultSelector: { "failed.$": "States.ArrayContains($[*].failed, true)" },
      ResultPath: "$.undone",
      // A failed compensation is marked where the entry's check reads it: the chain goes on dirty.
      Catch: [
        {
          ErrorEquals: ["States.ALL"],
          ResultPath: "$.compensationFailed",
          Next: "Compensation failed",
        },
      ],
      Next: "poll#undo-check",
    });
    expect((all["Compensate from"] as { Choices: unknown }).Choices).toStrictEqual([
      { Variable: "$.steps.poll.iterations[0]", IsPresent: true, Next: "poll#undo-each" },
    ]);
    const inner = each.ItemProcessor as {
      StartAt: string;
      States: Record<string, { Parameters?: unknown }>;
    };
    expect(inner.StartAt).toBe("poll#undo-from");
    expect(inner.States["check#undo"]?.Parameters).toMatchObject({
      "itemPath.$": "$.itemPath",
      mode: "compensate",
    });
  });
});

describe("compileWorkflow: output schemas", () => {
  it("sends the schema in the call's payload, for the handler to check", () => {
    // Act
    const all = states([{ ...call("a"), output: { type: "object", required: ["id"] } }]);
    // Assess
    expect((all.a as { Parameters: unknown }).Parameters).toStrictEqual(
      firstCallParams("a", { output: { type: "object", required: ["id"] } }),
    );
  });
});
