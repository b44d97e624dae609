import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../../lib/core/compile.ts";
import {
  LAMBDA_TRANSIENT_RETRIER,
  PAUSE_RETRIER,
} from "../../lib/core/compiler/retry-and-catch.ts";
import { DEFAULT_RETRY } from "../../lib/core/model.ts";
import {
  CIRCUIT_OPEN_RETRIER,
  callParams,
  callTask,
  catchTo,
  caughtTo,
  DEFAULT_RETRIER,
  ENDS_RUN,
  entryCatch,
  failureRecord,
  firstCallParams,
  LAST,
} from "../support/asl-expect.ts";
import { call, sequential, workflow } from "../support/workflows.ts";

const START = {
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
};
const FINISH = {
  Type: "Pass",
  Comment: "Execution output",
  Parameters: { "output.$": "$.steps" },
  OutputPath: "$.output",
  End: true,
};
const FAILED = {
  Type: "Fail",
  Comment: "Compensation completed (or nothing to compensate); fail with the original error",
  ErrorPath: "$.failure.Error",
  CausePath: "$.failure.Cause",
};
describe("compileWorkflow", () => {
  it("compiles a call step to a service-call Task with retry, timeout and failure routing", () => {
    // Prepare
    const wf = workflow([call("a")]);

    // Act
    const asl = compileWorkflow(wf);

    // Assess
    expect(asl).toStrictEqual({
      Comment: "test-flow v1",
      // The machine starts at a: its handler redirects resume and raw-input runs (no Entry).
      StartAt: "a",
      States: {
        Resume: {
          Type: "Pass",
          Comment: "Restore the results of the steps that succeeded before the failure",
          Parameters: {
            "input.$": "$.batonResume.input",
            context: {
              "executionId.$": "$.batonResume.executionId",
              "startedAt.$": "$$.Execution.StartTime",
              "redriveCount.$": "$.batonResume.redriveCount",
            },
            "steps.$": "$.batonResume.steps",
            "resumeFrom.$": "$.batonResume.from",
          },
          Next: "Resume at",
        },
        "Resume at": {
          Type: "Choice",
          Comment: "Resume at the top-level item holding the step that failed",
          Choices: [{ Variable: "$.resumeFrom", StringEquals: "a", Next: "a" }],
          Default: "a",
        },
        Start: { ...START, Next: "a" },
        a: {
          Type: "Task",
          Resource: "${BatonServiceCall}",
          Parameters: firstCallParams("a"),
          ResultPath: "$.steps.a",
          TimeoutSeconds: 35,
          Retry: [DEFAULT_RETRIER, CIRCUIT_OPEN_RETRIER, LAMBDA_TRANSIENT_RETRIER, PAUSE_RETRIER],
          // The handler's own errors go on caught (its Cause names the step); others are recorded.
          Catch: [...entryCatch(false), caughtTo("Failed"), ...catchTo("a#failed")],
          ...ENDS_RUN,
        },
        "a#failed": failureRecord("a", "Failed"),
        Failed: FAILED,
      },
    });
  });

  it("renders retry options: attempts, interval, backoff, max delay, jitter and error names", () => {
    const wf = workflow([
      call("a", {
        retry: {
          maxAttempts: 5,
          interval: 2,
          backoff: 3,
          maxDelay: 10,
          jitter: "none",
          on: ["Baton.ClientError"],
        },
      }),
    ]);

    const state = compileWorkflow(wf).States.a;

    expect(state).toMatchObject({
      Retry: [
        {
          ErrorEquals: ["Baton.ClientError"],
          IntervalSeconds: 2,
          MaxAttempts: 4,
          BackoffRate: 3,
          MaxDelaySeconds: 10,
          JitterStrategy: "NONE",
        },
        LAMBDA_TRANSIENT_RETRIER,
        PAUSE_RETRIER,
      ],
    });
  });

  it("omits the policy retrier when retry is disabled or maxAttempts is 1", () => {
    const disabled = compileWorkflow(workflow([call("a", { retry: null })])).States.a;
    const single = compileWorkflow(
      workflow([call("a", { retry: { ...DEFAULT_RETRY, maxAttempts: 1 } })]),
    ).States.a;

    expect(disabled).toMatchObject({ Retry: [LAMBDA_TRANSIENT_RETRIER, PAUSE_RETRIER] });
    expect(single).toMatchObject({ Retry: [LAMBDA_TRANSIENT_RETRIER, PAUSE_RETRIER] });
  });

  it("compiles a when condition to a Choice that skips to the next step", () => {
    const wf = workflow(
      sequential([call("a"), call("b", { when: "input.amount < 100" }), call("c")]),
    );

    const asl = compileWorkflow(wf);

    expect(asl.States["b#when"]).toStrictEqual({
      Type: "Choice",
      Comment: "when: input.amount < 100",
      Choices: [
        {
          And: [
            { Variable: "$.input.amount", IsPresent: true },
            { Variable: "$.input.amount", IsNumeric: true },
            { Variable: "$.input.amount", NumericLessThan: 100 },
          ],
          Next: "b",
        },
      ],
      Default: "c",
    });
    expect(asl.States.a).toMatchObject({ Next: "b#when" });
  });

  it("sends select to the handler instead of a ResultSelector that could fail uncatchably", () => {
    const asl = compileWorkflow(workflow([call("a", { select: "body.items" })]));

    expect(asl.States.a).toEqual(
      callTask("a", LAST, {
        Parameters: firstCallParams("a", { select: "body.items" }),
        Catch: [...entryCatch(false), caughtTo("Failed"), ...catchTo("a#failed")],
      }),
    );
  });

  it("sends templated paths and bodies as written, with the state roots they read as data", () => {
    const wf = workflow(
      sequential([
        call("a"),
        call("b", {
          path: "/orders/{{ steps.a.body.id }}",
          body: { id: "{{ input.orderId ?? 'none' }}", n: 1 },
        }),
      ]),
    );

    const asl = compileWorkflow(wf);

    expect(asl.States.b).toEqual(
      callTask("b", LAST, {
        Parameters: callParams("b", {
          path: "/orders/{{ steps.a.body.id }}",
          body: { id: "{{ input.orderId ?? 'none' }}", n: 1 },
          data: { "input.$": "$.input", "steps.$": "$.steps" },
        }),
        Catch: [caughtTo("Failed"), ...catchTo("b#failed")],
      }),
    );
  });

  it("sets the workflow timeout as the machine's TimeoutSeconds", () => {
    expect(compileWorkflow(workflow([call("a")], { timeout: 900 })).TimeoutSeconds).toBe(900);
  });

  it("uses the output template for the execution output", () => {
    const asl = compileWorkflow(workflow([call("a")], { output: { id: "{{ steps.a.body.id }}" } }));

    expect(asl.States.Finish).toStrictEqual({
      ...FINISH,
      Parameters: { output: { "id.$": "$.steps.a.body.id" } },
    });
  });
});
