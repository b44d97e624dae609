import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../../lib/core/compile.ts";
import { DEFAULT_RETRY, type Step } from "../../lib/core/model.ts";
import { parseCause } from "../../lib/core/recorded-failure.ts";
import { type FakeService, runFlow, TaskError } from "../support/flow.ts";
import { call, sequential, workflow } from "../support/workflows.ts";

const base = { pointer: "/steps/0", dependsOn: [] as string[], explicitDependsOn: false };
const echo: FakeService = (req) => ({
  body: { step: req.stepId, path: req.path, sent: req.body ?? null },
});
/** Fails the first `n` attempts of every call with `name`, then succeeds. */
const flaky =
  (n: number, name = "Baton.ServiceError"): FakeService =>
  (req) => {
    if (req.attempt <= n) throw new TaskError(name);
    return { body: { attempt: req.attempt } };
  };

describe("flows: retries", () => {
  it("retries a retryable error until it succeeds, counting attempts", async () => {
    const result = await runFlow(
      compileWorkflow(workflow([call("a")])),
      {},
      { services: { svc: flaky(2) } },
    );

    expect(result.status).toBe("SUCCEEDED");
    expect(result.calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(result.output).toMatchObject({ a: { body: { attempt: 3 } } });
  });

  it("gives up after maxAttempts tries", async () => {
    const wf = workflow([call("a", { retry: { ...DEFAULT_RETRY, maxAttempts: 4 } })]);

    const result = await runFlow(compileWorkflow(wf), {}, { services: { svc: flaky(10) } });

    expect(result.error).toBe("Baton.ServiceError");
    expect(result.calls).toHaveLength(4);
  });

  it("does not retry a non-retryable error", async () => {
    const result = await runFlow(
      compileWorkflow(workflow([call("a")])),
      {},
      {
        services: { svc: flaky(10, "Baton.ClientError") },
      },
    );

    expect(result.error).toBe("Baton.ClientError");
    expect(result.calls).toHaveLength(1);
  });

  it("retries a timed-out attempt and reports Baton.Timeout when all attempts time out", async () => {
    const result = await runFlow(
      compileWorkflow(workflow([call("a")])),
      {},
      {
        services: { svc: flaky(10, "Baton.Timeout") },
      },
    );

    expect(result.error).toBe("Baton.Timeout");
    expect(result.calls).toHaveLength(3);
  });

  it("retries only the errors listed in retry.on", async () => {
    const wf = workflow([call("a", { retry: { ...DEFAULT_RETRY, on: ["Baton.Timeout"] } })]);

    const result = await runFlow(
      compileWorkflow(wf),
      {},
      { services: { svc: flaky(10, "Baton.ServiceError") } },
    );

    expect(result.calls).toHaveLength(1);
  });
});

describe("flows: step kinds", () => {
  it("runs a step when its condition holds and skips it otherwise", async () => {
    const wf = workflow(sequential([call("a", { when: "input.amount > 100" }), call("b")]));
    const asl = compileWorkflow(wf);

    const big = await runFlow(asl, { amount: 500 }, { services: { svc: echo } });
    const small = await runFlow(asl, { amount: 5 }, { services: { svc: echo } });
    const missing = await runFlow(asl, {}, { services: { svc: echo } });

    expect(big.calls.map((c) => c.stepId)).toEqual(["a", "b"]);
    expect(small.calls.map((c) => c.stepId)).toEqual(["b"]);
    expect(missing.calls.map((c) => c.stepId)).toEqual(["b"]);
  });

  it("runs the first matching choice case, or otherwise", async () => {
    const choice: Step = {
      ...base,
      kind: "choice",
      id: "route",
      cases: [
        { when: "input.tier == 'gold'", steps: [call("gold")] },
        { when: "input.tier == 'silver'", steps: [call("silver")] },
      ],
      otherwise: [call("basic")],
    };
    const wf = workflow(sequential([choice, call("after")]));
    const asl = compileWorkflow(wf);

    const runs = await Promise.all(
      ["gold", "silver", "bronze"].map((tier) =>
        runFlow(asl, { tier }, { services: { svc: echo } }),
      ),
    );

    expect(runs.map((r) => r.calls.map((c) => c.stepId))).toEqual([
      ["gold", "after"],
      ["silver", "after"],
      ["basic", "after"],
    ]);
  });

  it("collects a map's results, one entry per item, with item and index bound", async () => {
    const map: Step = {
      ...base,
      kind: "map",
      id: "each",
      items: "{{ input.items }}",
      maxConcurrency: 2,
      steps: [
        call("put", {
          path: "/put/{{ item.sku }}",
          body: { index: "{{ index }}", order: "{{ input.order }}" },
        }),
      ],
    };

    const result = await runFlow(
      compileWorkflow(workflow([map])),
      { order: "o1", items: [{ sku: "x" }, { sku: "y" }] },
      {
        services: { svc: echo },
      },
    );

    expect(result.status).toBe("SUCCEEDED");
    expect((result.output as { each: unknown }).each).toEqual([
      {
        put: expect.objectContaining({
          body: { step: "put", path: "/put/x", sent: { index: 0, order: "o1" } },
        }),
      },
      {
        put: expect.objectContaining({
          body: { step: "put", path: "/put/y", sent: { index: 1, order: "o1" } },
        }),
      },
    ]);
  });

  it("runs parallel branches and exposes their results at the parallel step and each id", async () => {
    const par: Step = {
      ...base,
      kind: "parallel",
      id: "both",
      branches: [[call("x")], [call("y")]],
    };
    const wf = workflow(
      sequential([
        par,
        call("z", { body: { x: "{{ steps.x.body.step }}", both: "{{ steps.both.y.body.step }}" } }),
      ]),
    );

    const result = await runFlow(compileWorkflow(wf), {}, { services: { svc: echo } });

    expect(result.status).toBe("SUCCEEDED");
    expect(result.calls.at(-1)?.body).toEqual({ x: "x", both: "y" });
  });

  it("reads enclosing results from inside a branch", async () => {
    const par: Step = {
      ...base,
      dependsOn: ["a"],
      kind: "parallel",
      id: "both",
      branches: [[call("x", { body: "{{ steps.a.body.step }}" })], [call("y")]],
    };

    const result = await runFlow(
      compileWorkflow(workflow([call("a"), par])),
      {},
      { services: { svc: echo } },
    );

    expect(result.calls.find((c) => c.stepId === "x")?.body).toBe("a");
  });

  it("ends the execution with a fail step's error", async () => {
    const fail: Step = {
      ...base,
      kind: "fail",
      id: "no",
      error: "Order.Invalid",
      cause: "bad order",
    };

    const result = await runFlow(compileWorkflow(workflow([fail])), {}, {});

    expect(result.error).toBe("Order.Invalid");
  });

  it("ends the execution successfully at a succeed step, skipping the rest", async () => {
    const done: Step = { ...base, kind: "succeed", id: "done" };
    const wf = workflow(sequential([call("a"), done, call("b")]));

    const result = await runFlow(compileWorkflow(wf), {}, { services: { svc: echo } });

    expect(result.status).toBe("SUCCEEDED");
    expect(result.calls.map((c) => c.stepId)).toEqual(["a"]);
  });

  it("waits, then continues", async () => {
    const wait: Step = { ...base, kind: "wait", id: "pause", seconds: 60 };

    const result = await runFlow(
      compileWorkflow(workflow(sequential([wait, call("a")]))),
      {},
      { services: { svc: echo } },
    );

    expect(result.calls.map((c) => c.stepId)).toEqual(["a"]);
  });

  it.each([
    ["a time without an offset", "2020-01-01T00:00:00"],
    ["a word", "tomorrow"],
    ["a number", 5],
    ["nothing", undefined],
  ])(
    "fails a wait until %s with Baton.TemplateError and compensates (AWS would end it with an uncatchable States.Runtime)",
    async (_what, at) => {
      // Prepare
      const wait: Step = { ...base, kind: "wait", id: "pause", until: "{{ input.at }}" };
      const wf = workflow(sequential([call("a", { compensate: {} }), wait, call("b")]));

      // Act
      const result = await runFlow(compileWorkflow(wf), at === undefined ? {} : { at }, {
        services: { svc: echo },
      });

      // Assess
      expect(result.status).toBe("FAILED");
      expect(JSON.parse(result.cause ?? "{}")).toMatchObject({
        Error: "Baton.TemplateError",
        step: "pause",
      });
      expect(result.calls.map((c) => `${c.stepId}:${c.mode}`)).toEqual(["a:call", "a:compensate"]);
    },
  );

  it("waits until a valid time with an offset", async () => {
    const wait: Step = { ...base, kind: "wait", id: "pause", until: "{{ input.at }}" };

    const result = await runFlow(
      compileWorkflow(workflow(sequential([wait, call("a")]))),
      { at: "2020-01-01T01:00:00+01:00" },
      { services: { svc: echo } },
    );

    expect([result.status, result.calls.map((c) => c.stepId)]).toEqual(["SUCCEEDED", ["a"]]);
  });

  it("publishes an emit step's event with execution details", async () => {
    const emit: Step = {
      ...base,
      kind: "emit",
      id: "tell",
      detailType: "Order Shipped",
      detail: { order: "{{ input.id }}" },
    };

    const result = await runFlow(compileWorkflow(workflow([emit])), { id: "o-9" }, {});

    expect(result.events).toEqual([
      {
        detailType: "Order Shipped",
        detail: {
          order: "o-9",
          executionId: "exec-1",
          workflow: "test-flow",
          version: 1,
          stepId: "tell",
        },
      },
    ]);
  });

  it("resumes an await step with the signal payload, and fails with Baton.SignalTimeout on timeout", async () => {
    const wait: Step = { ...base, kind: "await", id: "approval", signal: "approve", timeout: 60 };
    const asl = compileWorkflow(
      workflow(sequential([wait, call("a", { body: "{{ steps.approval.by }}" })])),
    );

    const resumed = await runFlow(
      asl,
      {},
      { services: { svc: echo }, signals: { approve: { by: "ana" } } },
    );
    const timedOut = await runFlow(asl, {}, { services: { svc: echo } });

    expect(resumed.calls[0]?.body).toBe("ana");
    expect(timedOut.error).toBe("Baton.SignalTimeout");
  });

  it("runs a child workflow and keeps its output as the step result", async () => {
    const child: Step = {
      ...base,
      kind: "workflow",
      id: "kid",
      name: "child-flow",
      input: { n: "{{ input.n }}" },
    };
    const wf = workflow(sequential([child, call("a", { body: "{{ steps.kid.doubled }}" })]));

    const result = await runFlow(
      compileWorkflow(wf),
      { n: 4 },
      {
        services: { svc: echo },
        children: { "child-flow": (input) => ({ doubled: (input as { n: number }).n * 2 }) },
      },
    );

    expect(result.calls[0]?.body).toBe(8);
  });

  it("fails the step as Baton.ChildWorkflowFailed without starting the child when its input is refused, and compensates", async () => {
    const kid: Step = {
      ...base,
      kind: "workflow",
      id: "kid",
      name: "child-flow",
      input: { n: "{{ input.n }}" },
    };
    const wf = workflow(sequential([call("a", { compensate: {} }), kid]));
    const started: unknown[] = [];

    const result = await runFlow(
      compileWorkflow(wf),
      { n: -1 },
      {
        services: { svc: echo },
        children: { "child-flow": (input) => started.push(input) },
        refuseChild: (child, input) =>
          (input as { n: number }).n < 0 ? `${child}: /input/n must be >= 0` : undefined,
      },
    );

    expect([result.status, result.error]).toEqual(["FAILED", "Baton.ChildWorkflowFailed"]);
    expect(started).toEqual([]);
    expect(result.calls.map((c) => `${c.mode} ${c.stepId}`)).toEqual(["call a", "compensate a"]);
    expect(
      result.events.find((e) => e.detailType === "Compensation Started")?.detail,
    ).toMatchObject({
      error: {
        name: "Baton.ChildWorkflowFailed",
        message: "child-flow: /input/n must be >= 0",
        step: "kid",
      },
    });
  });

  it("starts the child with the input the check returned (?? defaults resolved)", async () => {
    const kid: Step = {
      ...base,
      kind: "workflow",
      id: "kid",
      name: "child-flow",
      input: { n: "{{ input.n ?? 5 }}", tag: "n={{ input.n ?? 5 }}" },
    };
    const started: unknown[] = [];

    const result = await runFlow(
      compileWorkflow(workflow([kid])),
      {},
      { children: { "child-flow": (input) => started.push(input) } },
    );

    expect([result.status, started]).toEqual(["SUCCEEDED", [{ n: 5, tag: "n=5" }]]);
  });

  it("fails a child input template reading an absent value with Baton.TemplateError, starting nothing", async () => {
    const kid: Step = {
      ...base,
      kind: "workflow",
      id: "kid",
      name: "child-flow",
      input: "{{ input.order }}",
    };
    const started: unknown[] = [];

    const result = await runFlow(
      compileWorkflow(workflow([kid])),
      {},
      { children: { "child-flow": (input) => started.push(input) } },
    );

    expect([result.status, result.error, started]).toEqual(["FAILED", "Baton.TemplateError", []]);
  });

  it("reports a failed child as Baton.ChildWorkflowFailed", async () => {
    const child: Step = { ...base, kind: "workflow", id: "kid", name: "missing", input: {} };

    const result = await runFlow(compileWorkflow(workflow([child])), {}, {});

    expect(result.error).toBe("Baton.ChildWorkflowFailed");
  });
});

describe("flows: express workflows", () => {
  it("publishes Execution Succeeded with the output, since express executions send no status events", async () => {
    const wf = workflow([call("a")], {
      type: "express",
      output: { id: "{{ steps.a.body.step }}" },
    });

    const result = await runFlow(compileWorkflow(wf), {}, { services: { svc: echo } });

    expect(result.status).toBe("SUCCEEDED");
    expect(result.output).toEqual({ id: "a" });
    expect(result.events).toEqual([
      {
        detailType: "Execution Succeeded",
        detail: {
          executionId: "exec-1",
          workflow: "test-flow",
          version: 1,
          output: { id: "a" },
          at: "2026-01-01T00:00:00.000Z",
        },
      },
    ]);
  });

  it("publishes Execution Failed with the failure, after compensating", async () => {
    const wf = workflow(sequential([call("a", { compensate: {} }), call("b")]), {
      type: "express",
    });

    const result = await runFlow(
      compileWorkflow(wf),
      {},
      {
        services: {
          svc: (req) => {
            if (req.path === "/b") throw new TaskError("Baton.ClientError", "nope");
            return { body: {} };
          },
        },
      },
    );

    expect(result.error).toBe("Baton.ClientError");
    expect(result.events.map((e) => e.detailType)).toEqual([
      "Compensation Started",
      "Compensation Completed",
      "Execution Failed",
    ]);
    expect(result.events.at(-1)?.detail.error).toEqual({
      name: "Baton.ClientError",
      message: "nope",
      step: "b",
    });
  });

  it("reports Baton.CompensationFailed in Execution Failed when a compensation failed", async () => {
    const wf = workflow(
      sequential([call("a", { compensate: { path: "/undo", retry: null } }), call("b")]),
      {
        type: "express",
      },
    );

    const result = await runFlow(
      compileWorkflow(wf),
      {},
      {
        services: {
          svc: (req) => {
            if (req.path === "/b" || req.path === "/undo")
              throw new TaskError("Baton.ClientError", "nope");
            return { body: {} };
          },
        },
      },
    );

    expect(result.error).toBe("Baton.CompensationFailed");
    expect(result.events.at(-1)).toEqual({
      detailType: "Execution Failed",
      detail: {
        executionId: "exec-1",
        workflow: "test-flow",
        version: 1,
        error: { name: "Baton.CompensationFailed", message: expect.any(String), step: "b" },
        at: "2026-01-01T00:00:00.000Z",
      },
    });
    // The message is the caught Cause as recorded (the handler's JSON; in AWS inside the Lambda
    // error envelope): the readable message is inside it.
    const error = result.events.at(-1)?.detail.error as { message: string };
    expect(parseCause(error.message).message).toBe("nope");
  });

  it("publishes nothing extra for standard workflows (Step Functions reports their status)", async () => {
    const result = await runFlow(
      compileWorkflow(workflow([call("a")])),
      {},
      { services: { svc: echo } },
    );

    expect(result.events).toEqual([]);
  });
});

describe("flows: resuming a failed execution (redrive)", () => {
  it("restores the succeeded steps and resumes at the failed one, keeping the original execution id", async () => {
    const wf = workflow(
      sequential([call("a"), call("b", { body: "{{ steps.a.body.step }}" }), call("c")]),
    );
    const input = {
      batonResume: {
        executionId: "original-1",
        redriveCount: 3,
        input: { n: 1 },
        steps: { a: { status: 200, headers: {}, body: { step: "a" } } },
        from: "b",
      },
    };

    const result = await runFlow(compileWorkflow(wf), input, { services: { svc: echo } });

    expect(result.status).toBe("SUCCEEDED");
    expect(
      result.calls.map((c) => [c.stepId, c.executionId, c.redriveCount, c.body ?? null]),
    ).toEqual([
      ["b", "original-1", 3, "a"],
      ["c", "original-1", 3, null],
    ]);
    expect(Object.keys(result.output as object)).toEqual(["a", "b", "c"]);
  });

  it("re-runs a whole group of independent steps when the failed step was inside it", async () => {
    const wf = workflow([
      call("a"),
      call("b", { dependsOn: [] }),
      call("c", { dependsOn: ["a", "b"] }),
    ]);
    const input = {
      batonResume: {
        executionId: "original-1",
        redriveCount: 1,
        input: {},
        steps: { a: { body: {} } },
        from: "b",
      },
    };

    const result = await runFlow(compileWorkflow(wf), input, { services: { svc: echo } });

    expect(result.calls.map((c) => c.stepId).sort()).toEqual(["a", "b", "c"]);
  });

  it("starts from the first step when the failed step is unknown", async () => {
    const wf = workflow(sequential([call("a"), call("b")]));
    const input = {
      batonResume: {
        executionId: "original-1",
        redriveCount: 1,
        input: {},
        steps: {},
        from: "gone",
      },
    };

    const result = await runFlow(compileWorkflow(wf), input, { services: { svc: echo } });

    expect(result.calls.map((c) => c.stepId)).toEqual(["a", "b"]);
  });
});
