import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../../lib/core/compile.ts";
import type { ServiceCallRequest } from "../../lib/core/contract.ts";
import type { MapStep, ParallelStep, Step } from "../../lib/core/model.ts";
import { type FakeService, runFlow, TaskError } from "../support/flow.ts";
import { call, sequential, workflow } from "../support/workflows.ts";

const ok: FakeService = (req) => ({ body: { id: `${req.stepId}-1` } });
const failWith =
  (name: string): FakeService =>
  () => {
    throw new TaskError(name, `${name} from service`);
  };
/** Routes by path: `/fail*` paths fail with the given error, everything else succeeds. */
const byPath =
  (failing: Record<string, string>): FakeService =>
  (req) => {
    const error = failing[req.path];
    if (error && req.mode === "call") throw new TaskError(error);
    return ok(req);
  };
const trace = (calls: ServiceCallRequest[]) =>
  calls.map((c) => `${c.mode === "call" ? "" : "undo "}${c.stepId}`);

describe("saga compensation", () => {
  it("compensates succeeded steps in reverse order when a sequential step fails", async () => {
    // Prepare
    const wf = workflow(
      sequential([
        call("a", { compensate: {} }),
        call("b", { compensate: {} }),
        call("c", { compensate: {} }),
      ]),
    );

    // Act
    const result = await runFlow(
      compileWorkflow(wf),
      {},
      { services: { svc: byPath({ "/c": "Baton.ClientError" }) } },
    );

    // Assess
    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("Baton.ClientError");
    expect(JSON.parse(result.cause ?? "{}")).toMatchObject({
      Error: "Baton.ClientError",
      step: "c",
    });
    expect(trace(result.calls)).toEqual(["a", "b", "c", "undo b", "undo a"]);
    expect(result.events.map((e) => e.detailType)).toEqual([
      "Compensation Started",
      "Compensation Completed",
    ]);
  });

  it("does not compensate skipped steps", async () => {
    const wf = workflow(
      sequential([
        call("a", { compensate: {} }),
        call("b", { compensate: {}, when: "input.go == true" }),
        call("c"),
      ]),
    );

    const result = await runFlow(
      compileWorkflow(wf),
      { go: false },
      {
        services: { svc: byPath({ "/c": "Baton.ClientError" }) },
      },
    );

    expect(trace(result.calls)).toEqual(["a", "c", "undo a"]);
  });

  it("compensates the succeeded sibling when a parallel branch fails, and the steps before", async () => {
    const par: ParallelStep = {
      kind: "parallel",
      id: "both",
      pointer: "/steps/1",
      dependsOn: ["a"],
      explicitDependsOn: false,
      branches: [
        [call("x", { compensate: {} })],
        sequential([call("y", { compensate: {} }), call("z")]),
      ],
    };
    const wf = workflow([call("a", { compensate: {} }), par]);

    const result = await runFlow(
      compileWorkflow(wf),
      {},
      { services: { svc: byPath({ "/z": "Baton.ClientError" }) } },
    );

    expect(result.status).toBe("FAILED");
    expect(JSON.parse(result.cause ?? "{}")).toMatchObject({ step: "z" });
    const undone = trace(result.calls).filter((c) => c.startsWith("undo"));
    expect([...undone].sort()).toEqual(["undo a", "undo x", "undo y"]);
    expect(undone.at(-1)).toBe("undo a");
  });

  it("compensates the succeeded items of a map when one item fails", async () => {
    const map: MapStep = {
      kind: "map",
      id: "each",
      pointer: "/steps/0",
      dependsOn: [],
      explicitDependsOn: false,
      items: "{{ input.items }}",
      maxConcurrency: 1,
      steps: [
        call("charge", { path: "/charge/{{ item }}", compensate: { path: "/refund/{{ item }}" } }),
      ],
    };
    const wf = workflow([map]);

    const result = await runFlow(
      compileWorkflow(wf),
      { items: ["1", "2", "3"] },
      {
        services: { svc: byPath({ "/charge/2": "Baton.ClientError" }) },
      },
    );

    expect(result.error).toBe("Baton.ClientError");
    expect(result.calls.map((c) => `${c.mode} ${c.path}`)).toEqual([
      "call /charge/1",
      "call /charge/2",
      "call /charge/3",
      "compensate /refund/1",
      "compensate /refund/3",
    ]);
  });

  it("runs every compensation and ends COMPENSATION_FAILED when one fails after its retries", async () => {
    const wf = workflow(
      sequential([
        call("a", { compensate: {} }),
        call("b", { compensate: { path: "/undo-b" } }),
        call("c"),
      ]),
    );
    const svc: FakeService = (req) => {
      if (req.path === "/c") throw new TaskError("Baton.ClientError");
      if (req.path === "/undo-b") throw new TaskError("Baton.ServiceError");
      return ok(req);
    };

    const result = await runFlow(compileWorkflow(wf), {}, { services: { svc } });

    expect(result.error).toBe("Baton.CompensationFailed");
    expect(trace(result.calls)).toEqual([
      "a",
      "b",
      "c",
      "undo b",
      "undo b",
      "undo b",
      "undo b",
      "undo b",
      "undo a",
    ]);
    expect(result.events.map((e) => e.detailType)).toEqual([
      "Compensation Started",
      "Compensation Failed",
    ]);
  });

  it("compensates on a fail step and reports its error", async () => {
    const fail: Step = {
      kind: "fail",
      id: "stop",
      pointer: "/steps/1",
      dependsOn: ["a"],
      explicitDependsOn: false,
      error: "Order.Rejected",
      cause: "too big",
    };
    const wf = workflow([call("a", { compensate: {} }), fail]);

    const result = await runFlow(compileWorkflow(wf), {}, { services: { svc: ok } });

    expect(result.error).toBe("Order.Rejected");
    expect(JSON.parse(result.cause ?? "{}")).toEqual({
      Error: "Order.Rejected",
      Cause: "too big",
      step: "stop",
    });
    expect(trace(result.calls)).toEqual(["a", "undo a"]);
  });

  it("fails without compensation events when nothing is compensable", async () => {
    const wf = workflow([call("a")]);

    const result = await runFlow(
      compileWorkflow(wf),
      {},
      { services: { svc: failWith("Baton.ClientError") } },
    );

    expect(result.error).toBe("Baton.ClientError");
    expect(result.events).toEqual([]);
  });
});

describe("saga compensation: details", () => {
  it("retries a compensation under its own policy until it succeeds", async () => {
    let undoAttempts = 0;
    const wf = workflow(sequential([call("a", { compensate: { path: "/undo-a" } }), call("b")]));
    const svc: FakeService = (req) => {
      if (req.path === "/b") throw new TaskError("Baton.ClientError");
      if (req.path === "/undo-a" && ++undoAttempts < 3) throw new TaskError("Baton.ServiceError");
      return ok(req);
    };

    const result = await runFlow(compileWorkflow(wf), {}, { services: { svc } });

    expect(result.error).toBe("Baton.ClientError");
    expect(trace(result.calls)).toEqual(["a", "b", "undo a", "undo a", "undo a"]);
    expect(result.calls.filter((c) => c.mode === "compensate").map((c) => c.attempt)).toEqual([
      1, 2, 3,
    ]);
  });

  it("gives compensations the step's result and the failure", async () => {
    const wf = workflow(
      sequential([
        call("a", {
          compensate: { path: "/undo/{{ steps.a.body.id }}" },
        }),
        call("b"),
      ]),
    );
    const withError = {
      ...wf,
      steps: wf.steps.map((s) =>
        s.kind === "call" && s.compensate
          ? {
              ...s,
              compensate: {
                ...s.compensate,
                call: {
                  ...s.compensate.call,
                  body: { why: "{{ error.name }}", at: "{{ error.step }}" },
                },
              },
            }
          : s,
      ),
    };

    const result = await runFlow(
      compileWorkflow(withError),
      {},
      {
        services: { svc: byPath({ "/b": "Baton.ClientError" }) },
      },
    );

    const undo = result.calls.find((c) => c.mode === "compensate");
    expect(undo?.path).toBe("/undo/a-1");
    expect(undo?.body).toEqual({ why: "Baton.ClientError", at: "b" });
  });

  it("ends COMPENSATION_FAILED when an item's compensation fails inside a map", async () => {
    const map: MapStep = {
      kind: "map",
      id: "each",
      pointer: "/steps/0",
      dependsOn: [],
      explicitDependsOn: false,
      items: "{{ input.items }}",
      maxConcurrency: 0,
      steps: [
        call("charge", {
          path: "/charge/{{ item }}",
          compensate: { path: "/refund/{{ item }}", retry: null },
        }),
      ],
    };
    const svc: FakeService = (req) => {
      if (req.path === "/charge/2" || req.path === "/refund/1")
        throw new TaskError("Baton.ClientError");
      return ok(req);
    };

    const result = await runFlow(
      compileWorkflow(workflow([map])),
      { items: ["1", "2", "3"] },
      { services: { svc } },
    );

    expect(result.error).toBe("Baton.CompensationFailed");
    expect(
      result.calls
        .filter((c) => c.mode === "compensate")
        .map((c) => c.path)
        .sort(),
    ).toEqual(["/refund/1", "/refund/3"]);
  });

  it("compensates a map nested in a parallel branch and the branch's other steps", async () => {
    const map: MapStep = {
      kind: "map",
      id: "each",
      pointer: "/steps/0/parallel/0/0",
      dependsOn: [],
      explicitDependsOn: false,
      items: "{{ input.items }}",
      maxConcurrency: 0,
      steps: [
        call("hold", { path: "/hold/{{ item }}", compensate: { path: "/release/{{ item }}" } }),
      ],
    };
    const par: ParallelStep = {
      kind: "parallel",
      id: "both",
      pointer: "/steps/0",
      dependsOn: [],
      explicitDependsOn: false,
      branches: [[map], [call("boom")]],
    };

    const result = await runFlow(
      compileWorkflow(workflow([par])),
      { items: ["x", "y"] },
      {
        services: { svc: byPath({ "/boom": "Baton.ClientError" }) },
      },
    );

    expect(result.error).toBe("Baton.ClientError");
    expect(
      result.calls
        .filter((c) => c.mode === "compensate")
        .map((c) => c.path)
        .sort(),
    ).toEqual(["/release/x", "/release/y"]);
  });

  it("never compensates a step that failed", async () => {
    const wf = workflow(sequential([call("a", { compensate: {} }), call("b", { compensate: {} })]));

    const result = await runFlow(
      compileWorkflow(wf),
      {},
      { services: { svc: byPath({ "/b": "Baton.ServiceError" }) } },
    );

    expect(trace(result.calls)).toEqual(["a", "b", "b", "b", "undo a"]);
  });
});

describe("saga compensation: cancelled executions", () => {
  it("compensates given results only, in reverse order, when started with batonCompensate", async () => {
    const wf = workflow(
      sequential([
        call("a", { compensate: {} }),
        call("b", { compensate: {} }),
        call("c", { compensate: {} }),
      ]),
    );
    const input = {
      batonCompensate: {
        executionId: "original-1",
        input: { orderId: "o-1" },
        steps: { a: { status: 200, body: { id: "a-1" } }, b: { status: 200, body: { id: "b-1" } } },
        failure: { name: "Baton.Cancelled", message: "cancelled by user", step: "c" },
      },
    };

    const result = await runFlow(compileWorkflow(wf), input, { services: { svc: ok } });

    expect(result.error).toBe("Baton.Cancelled");
    expect(trace(result.calls)).toEqual(["undo b", "undo a"]);
    expect(result.calls.map((c) => c.executionId)).toEqual(["original-1", "original-1"]);
  });
});
