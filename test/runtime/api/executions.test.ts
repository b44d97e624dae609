import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, describe, expect, it } from "vitest";
import type { CatalogueWorkflow } from "../../../lib/core/project/catalogue.ts";
import { handleApiEvent } from "../../../lib/runtime/api/app.ts";
import type { ApiDeps } from "../../../lib/runtime/api/deps.ts";
import { SfnExecutionEngine } from "../../../lib/runtime/aws/sfn-engine.ts";
import { redrivePlan } from "../../../lib/runtime/execution-lifecycle.ts";
import { traceIdOf } from "../../../lib/runtime/http/trace.ts";
import { quietLogger } from "../../../lib/runtime/logger.ts";
import type { ExecutionDocument, StepStatus } from "../../../lib/runtime/records/document.ts";
import { observe } from "../../../lib/runtime/records/observe.ts";
import { applyEvent } from "../../../lib/runtime/records/updater.ts";
import { bulkWorkflow, engineError, fakeDeps, restEvent } from "../fakes.ts";
import {
  at,
  batonEvent,
  catalogue,
  orderWorkflow,
  sfnStatus,
  stepEvent,
} from "../records/fixtures.ts";

async function call(deps: ApiDeps, event: unknown) {
  const response = await handleApiEvent(event, { ...deps, logger: quietLogger });
  return {
    status: response.statusCode,
    headers: response.headers,
    body: response.body === "" ? undefined : (JSON.parse(response.body) as Record<string, unknown>),
  };
}

const validInput = { orderId: "o-1", amount: 42 };

describe("POST /workflows/{name}/executions", () => {
  it("records the IAM principal API Gateway authenticated as startedBy", async () => {
    // Prepare
    const { deps } = fakeDeps();
    const event = restEvent("POST", "/workflows/order-fulfillment/executions", {
      body: validInput,
    });
    const arn = "arn:aws:sts::123456789012:assumed-role/deployer/alice";

    // Act
    const response = await call(deps, {
      ...event,
      requestContext: { ...event.requestContext, identity: { userArn: arn } },
    });
    const read = await call(deps, restEvent("GET", "/executions/exec-1"));

    // Assess
    expect([response.status, response.body?.startedBy, read.body?.startedBy]).toEqual([
      201,
      arn,
      arn,
    ]);
  });

  it("starts an execution named by its id and answers 201 with the document", async () => {
    // Prepare
    const { deps, engine } = fakeDeps();

    // Act
    const response = await call(
      deps,
      restEvent("POST", "/workflows/order-fulfillment/executions", { body: validInput }),
    );

    // Assess
    expect(response.status).toEqual(201);
    expect(response.headers.location).toEqual("/executions/exec-1");
    expect(engine.calls).toEqual([
      // The execution state built for the machine (`execution-state.ts`).
      {
        op: "start",
        workflow: "order-fulfillment",
        name: "exec-1",
        input: {
          input: validInput,
          context: { executionId: "exec-1", startedAt: expect.any(String), redriveCount: 0 },
          steps: {},
        },
      },
    ]);
    expect(response.body).toEqual({
      id: "exec-1",
      workflow: "order-fulfillment",
      version: 3,
      status: "RUNNING",
      startedAt: "2026-11-22T10:00:00.000Z",
      stoppedAt: null,
      durationMs: null,
      startedBy: "anonymous",
      versionPinned: false,
      // No call reported yet: the id every call of the execution sends without an X-Ray trace.
      traceId: traceIdOf("exec-1"),
      stepsCompleted: 0,
      totalSteps: 3,
      input: validInput,
      output: null,
      error: null,
      compensation: "NONE",
      steps: [
        { id: "reserve", status: "PENDING", attempts: 0 },
        { id: "charge", status: "PENDING", attempts: 0 },
        { id: "ship", status: "PENDING", attempts: 0 },
      ],
    });
  });

  it("answers 400 listing every violation of the input schema", async () => {
    // Prepare
    const { deps, engine } = fakeDeps();

    // Act
    const response = await call(
      deps,
      restEvent("POST", "/workflows/order-fulfillment/executions", {
        body: { orderId: 7, amount: -1 },
      }),
    );

    // Assess
    expect([response.status, response.headers["content-type"]]).toEqual([
      400,
      "application/problem+json",
    ]);
    expect(response.body).toEqual({
      type: "urn:baton:problem:invalid-input",
      title: "Invalid execution input",
      status: 400,
      detail: "The input does not match the input schema of order-fulfillment (2 problems).",
      errors: [
        { path: "/input/orderId", message: "must be string" },
        { path: "/input/amount", message: "must be > 0" },
      ],
    });
    expect(engine.calls).toEqual([]);
  });

  it("treats an empty body as {} and reports the missing fields", async () => {
    // Prepare
    const { deps } = fakeDeps();

    // Act
    const response = await call(deps, restEvent("POST", "/workflows/order-fulfillment/executions"));

    // Assess
    expect([response.status, response.body?.errors]).toEqual([
      400,
      [
        { path: "/input/orderId", message: "is required" },
        { path: "/input/amount", message: "is required" },
      ],
    ]);
  });

  it.each([
    ["invalid JSON", { rawBody: "{nope" }, 400, "urn:baton:problem:invalid-request"],
    [
      "a non-JSON media type",
      { rawBody: "a=b", headers: { "Content-Type": "text/plain" } },
      415,
      "urn:baton:problem:unsupported-media-type",
    ],
    [
      "a body over 256 KB",
      { rawBody: JSON.stringify({ x: "a".repeat(262_144) }) },
      413,
      "urn:baton:problem:payload-too-large",
    ],
    [
      "a bad Idempotency-Key",
      { body: validInput, headers: { "Idempotency-Key": "has space" } },
      400,
      "urn:baton:problem:invalid-request",
    ],
  ])("answers a problem for %s", async (_what, options, status, type) => {
    // Prepare
    const { deps } = fakeDeps();

    // Act
    const response = await call(
      deps,
      restEvent("POST", "/workflows/order-fulfillment/executions", options),
    );

    // Assess
    expect([response.status, response.body?.type]).toEqual([status, type]);
  });

  it("passes a JSON null body through as the input", async () => {
    // Prepare
    const { deps, engine } = fakeDeps();

    // Act
    const response = await call(
      deps,
      restEvent("POST", "/workflows/approval/executions", { rawBody: "null" }),
    );

    // Assess
    expect([response.status, engine.calls]).toEqual([
      201,
      [
        {
          op: "start",
          workflow: "approval",
          name: "exec-1",
          input: {
            input: null,
            context: { executionId: "exec-1", startedAt: expect.any(String), redriveCount: 0 },
            steps: {},
          },
        },
      ],
    ]);
  });

  it("answers 404 for a workflow that is not deployed", async () => {
    // Prepare
    const { deps } = fakeDeps();

    // Act
    const response = await call(
      deps,
      restEvent("POST", "/workflows/nope/executions", { body: {} }),
    );

    // Assess
    expect([response.status, response.body?.detail]).toEqual([
      404,
      "Workflow nope is not deployed.",
    ]);
  });

  it("returns the same execution for a repeated Idempotency-Key, 201 then 200", async () => {
    // Prepare
    const { deps, engine } = fakeDeps();
    const request = () =>
      restEvent("POST", "/workflows/order-fulfillment/executions", {
        body: validInput,
        headers: { "Idempotency-Key": "order-o-1" },
      });

    // Act
    const first = await call(deps, request());
    const second = await call(deps, request());

    // Assess
    expect([first.status, second.status, first.body?.id, second.body?.id]).toEqual([
      201,
      200,
      "exec-1",
      "exec-1",
    ]);
    expect(engine.calls.length).toEqual(1);
  });

  it("answers 422 when an Idempotency-Key is reused with another input", async () => {
    // Prepare
    const { deps } = fakeDeps();
    const headers = { "Idempotency-Key": "k" };
    await call(
      deps,
      restEvent("POST", "/workflows/order-fulfillment/executions", { body: validInput, headers }),
    );

    // Act
    const response = await call(
      deps,
      restEvent("POST", "/workflows/order-fulfillment/executions", {
        body: { ...validInput, amount: 43 },
        headers,
      }),
    );

    // Assess
    expect([response.status, response.body?.type]).toEqual([
      422,
      "urn:baton:problem:idempotency-key-reused",
    ]);
  });

  it("starts on a retried key whose first attempt failed before the execution began, answering 201", async () => {
    // Prepare
    const { deps, engine } = fakeDeps();
    engine.failures.set("start", new Error("socket hang up"));
    const request = () =>
      restEvent("POST", "/workflows/order-fulfillment/executions", {
        body: validInput,
        headers: { "Idempotency-Key": "k" },
      });

    // Act
    const first = await call(deps, request());
    const second = await call(deps, request());

    // Assess
    expect([first.status, second.status, second.body?.id]).toEqual([500, 201, "exec-1"]);
    expect(engine.calls.map((c) => (c.op === "start" ? c.name : c.op))).toEqual([
      "exec-1",
      "exec-1",
    ]);
  });

  it("answers 503 when the workflow has no state machine", async () => {
    // Prepare
    const { deps, engine } = fakeDeps();
    engine.failures.set(
      "start",
      engineError("not-found", "Workflow order-fulfillment has no deployed state machine."),
    );

    // Act
    const response = await call(
      deps,
      restEvent("POST", "/workflows/order-fulfillment/executions", { body: validInput }),
    );

    // Assess
    expect([response.status, response.body?.detail]).toEqual([
      503,
      "Workflow order-fulfillment has no deployed state machine.",
    ]);
  });
});

async function started(deps: ApiDeps, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `run-${i}`;
    await deps.executions.merge(id, {
      id,
      workflow: "order-fulfillment",
      version: { k: [2], v: 3 },
      startedAt: at(i * 1000),
      run: { k: [0, i % 2 === 0 ? 1 : 0, 0], v: { status: i % 2 === 0 ? "SUCCEEDED" : "RUNNING" } },
    });
    ids.push(id);
  }
  return ids;
}

describe("GET /workflows/{name}/executions", () => {
  it("lists newest first with an opaque cursor for the next page", async () => {
    // Prepare
    const { deps } = fakeDeps();
    await started(deps, 3);

    // Act
    const first = await call(
      deps,
      restEvent("GET", "/workflows/order-fulfillment/executions", { query: { limit: "2" } }),
    );
    const second = await call(
      deps,
      restEvent("GET", "/workflows/order-fulfillment/executions", {
        query: { limit: "2", cursor: String(first.body?.nextCursor) },
      }),
    );

    // Assess
    const ids = (body: Record<string, unknown> | undefined) =>
      ((body?.items ?? []) as { id: string }[]).map((d) => d.id);
    expect([ids(first.body), ids(second.body), second.body?.nextCursor]).toEqual([
      ["run-2", "run-1"],
      ["run-0"],
      undefined,
    ]);
  });

  it("filters by status, case-insensitively", async () => {
    // Prepare
    const { deps } = fakeDeps();
    await started(deps, 4);

    // Act
    const response = await call(
      deps,
      restEvent("GET", "/workflows/order-fulfillment/executions", { query: { status: "running" } }),
    );

    // Assess
    expect(((response.body?.items ?? []) as { id: string }[]).map((d) => d.id)).toEqual([
      "run-3",
      "run-1",
    ]);
  });

  it.each([
    [{ status: "DONE" }, "/query/status"],
    [{ limit: "0" }, "/query/limit"],
    [{ limit: "101" }, "/query/limit"],
    [{ limit: "ten" }, "/query/limit"],
    [{ cursor: "garbage" }, "/query/cursor"],
  ])("answers 400 for query %o", async (query, path) => {
    // Prepare
    const { deps } = fakeDeps();

    // Act
    const response = await call(
      deps,
      restEvent("GET", "/workflows/order-fulfillment/executions", { query }),
    );

    // Assess
    expect([
      response.status,
      ((response.body?.errors ?? []) as { path: string }[])[0]?.path,
    ]).toEqual([400, path]);
  });
});

describe("GET /executions/{id} and /events", () => {
  it("returns the document and its events in order", async () => {
    // Prepare
    const { deps, executions } = fakeDeps();
    for (const event of [
      stepEvent("Step Succeeded", "e9", { stepId: "reserve", startMs: 5, endMs: 9 }),
      sfnStatus("e9", { status: "RUNNING" }),
    ]) {
      const o = observe(event, catalogue);
      if (o.kind === "observed")
        await executions.append(o.executionId, [{ order: o.order, event: o.event }]);
    }

    // Act
    const document = await call(deps, restEvent("GET", "/executions/e9"));
    const events = await call(deps, restEvent("GET", "/executions/e9/events"));

    // Assess
    expect([document.status, document.body?.status, document.body?.stepsCompleted]).toEqual([
      200,
      "RUNNING",
      1,
    ]);
    expect(((events.body?.items ?? []) as { type: string }[]).map((e) => e.type)).toEqual([
      "Step Functions Execution Status Change",
      "Step Succeeded",
    ]);
  });

  it.each([
    ["/executions/missing", 404],
    ["/executions/missing/events", 404],
    [`/executions/${"x".repeat(300)}`, 400],
    ["/executions/a%20b", 400],
  ])("answers a problem for GET %s", async (path, status) => {
    // Prepare
    const { deps } = fakeDeps();

    // Act
    const response = await call(deps, restEvent("GET", path));

    // Assess
    expect(response.status).toEqual(status);
  });
});

describe("GET /executions/{id}/events paging", () => {
  it.each([
    [{ limit: "0" }, "/query/limit"],
    [{ limit: "501" }, "/query/limit"],
    [{ cursor: "not-ours" }, "/query/cursor"],
  ])("answers 400 for query %o", async (query, path) => {
    // Prepare
    const { deps } = fakeDeps();
    await started(deps, 1);

    // Act
    const response = await call(deps, restEvent("GET", "/executions/run-0/events", { query }));

    // Assess
    expect([
      response.status,
      ((response.body?.errors ?? []) as { path: string }[])[0]?.path,
    ]).toEqual([400, path]);
  });
});

describe("POST /executions/{id}/cancel", () => {
  const cancelCause = (compensation: string, message = "Cancelled through the API.") =>
    JSON.stringify({
      message,
      compensate: true,
      compensation,
      requestedAt: "2026-11-22T10:00:00.000Z",
    });

  it("stops the execution, then starts its compensation-only run over the succeeded steps", async () => {
    // Prepare
    const { deps, engine, executions } = fakeDeps();
    await started(deps, 2);
    await executions.merge("run-1", {
      id: "run-1",
      steps: {
        ship: { run: { k: [0, at(50), 1, 0], v: { status: "RUNNING" } }, attempts: 1 },
      },
    });
    engine.histories.set("run-1", {
      input: validInput,
      steps: { reserve: { status: 201, body: { id: "r-1" } }, charge: { status: 201, body: {} } },
    });

    // Act
    const response = await call(
      deps,
      restEvent("POST", "/executions/run-1/cancel", {
        body: { compensate: true, reason: "customer changed their mind" },
      }),
    );

    // Assess
    expect([response.status, response.body?.compensation]).toEqual([202, "running"]);
    expect(engine.calls).toEqual([
      {
        op: "stop",
        id: "run-1",
        options: {
          error: "Baton.Cancelled",
          cause: cancelCause("running", "customer changed their mind"),
        },
      },
      { op: "results", id: "run-1" },
      {
        op: "start",
        workflow: "order-fulfillment",
        name: "run-1--compensation",
        input: {
          batonCompensate: {
            executionId: "run-1",
            input: validInput,
            steps: {
              reserve: { status: 201, body: { id: "r-1" } },
              charge: { status: 201, body: {} },
            },
            failure: {
              name: "Baton.Cancelled",
              message: "customer changed their mind",
              step: "ship",
            },
          },
        },
      },
    ]);
  });

  it("passes only results of steps outside map bodies, the map's own per-item list included", async () => {
    // Prepare
    const { deps, engine } = fakeDeps({}, [bulkWorkflow]);
    await deps.executions.merge("bulk-1", {
      id: "bulk-1",
      workflow: "bulk-orders",
      version: { k: [2], v: 1 },
      startedAt: at(0),
      run: { k: [0, 0, 0], v: { status: "RUNNING" } },
    });
    engine.histories.set("bulk-1", {
      input: { orders: [1, 2] },
      steps: {
        lookup: { n: 1 },
        fan: null,
        hold: { h: 1 },
        items: [{ reserve_item: { r: 1 } }, { reserve_item: { r: 2 } }],
        reserve_item: { r: 2 },
        pack: null,
        tag_item: { t: 2 },
        removed_step: { x: 1 },
      },
    });

    // Act
    const response = await call(
      deps,
      restEvent("POST", "/executions/bulk-1/cancel", { body: { compensate: true } }),
    );

    // Assess
    const start = engine.calls.find((c) => c.op === "start");
    expect([response.status, start]).toEqual([
      202,
      {
        op: "start",
        workflow: "bulk-orders",
        name: "bulk-1--compensation",
        input: {
          batonCompensate: {
            executionId: "bulk-1",
            input: { orders: [1, 2] },
            steps: {
              lookup: { n: 1 },
              fan: null,
              hold: { h: 1 },
              items: [{ reserve_item: { r: 1 } }, { reserve_item: { r: 2 } }],
            },
            failure: {
              name: "Baton.Cancelled",
              message: "Cancelled through the API.",
              step: "cancel",
            },
          },
        },
      },
    ]);
  });

  it("skips steps the record shows compensated already (stopped inside its own saga)", async () => {
    // Prepare
    const { deps, engine, executions } = fakeDeps();
    await started(deps, 2);
    await executions.merge("run-1", {
      id: "run-1",
      steps: {
        charge: {
          run: { k: [0, at(10), 1, 1], v: { status: "SUCCEEDED" } },
          compensation: { k: [0, at(90), 1, 1], v: { status: "COMPENSATED" } },
          attempts: 1,
        },
      },
    });
    engine.histories.set("run-1", { input: validInput, steps: { reserve: 1, charge: 2 } });

    // Act
    await call(deps, restEvent("POST", "/executions/run-1/cancel", { body: { compensate: true } }));

    // Assess
    const start = engine.calls.find((c) => c.op === "start");
    const input = start?.op === "start" ? start.input : undefined;
    expect((input as { batonCompensate?: { steps?: unknown } }).batonCompensate?.steps).toEqual({
      reserve: 1,
    });
  });

  it("only stops a workflow without compensable steps, and records compensation NONE", async () => {
    // Prepare
    const { deps, engine } = fakeDeps();
    await deps.executions.merge("a-1", {
      id: "a-1",
      workflow: "approval",
      version: { k: [2], v: 1 },
      startedAt: at(0),
      run: { k: [0, 0, 0], v: { status: "RUNNING" } },
    });

    // Act
    const response = await call(
      deps,
      restEvent("POST", "/executions/a-1/cancel", { body: { compensate: true } }),
    );
    await deps.executions.merge("a-1", {
      id: "a-1",
      run: {
        k: [0, 1, 1],
        v: { status: "ABORTED", error: { name: "Baton.Cancelled", message: "x" } },
      },
    });

    // Assess
    expect([response.status, response.body?.compensation]).toEqual([202, "none"]);
    expect(engine.calls).toEqual([
      { op: "stop", id: "a-1", options: { error: "Baton.Cancelled", cause: cancelCause("none") } },
    ]);
    expect((await deps.executions.get("a-1"))?.compensation).toEqual("NONE");
  });

  it("answers 500 and keeps compensation PENDING when the compensation run cannot start", async () => {
    // Prepare
    const { deps, engine } = fakeDeps();
    await started(deps, 2);
    engine.failures.set("start", engineError("not-found", "state machine deleted"));

    // Act
    const response = await call(
      deps,
      restEvent("POST", "/executions/run-1/cancel", { body: { compensate: true } }),
    );
    await deps.executions.merge("run-1", {
      id: "run-1",
      run: {
        k: [0, 1, 1],
        v: { status: "ABORTED", error: { name: "Baton.Cancelled", message: "x" } },
      },
    });

    // Assess
    expect([response.status, response.body?.type]).toEqual([
      500,
      "urn:baton:problem:compensation-not-started",
    ]);
    expect(engine.calls.map((c) => c.op)).toEqual(["stop", "results", "start"]);
    expect((await deps.executions.get("run-1"))?.compensation).toEqual("PENDING");
  });

  it.each([
    ["before", false],
    ["after", true],
  ])(
    "records the compensation run's events under the original, which ends CANCELLED and COMPENSATED (ABORTED %s them)",
    async (_when, abortedFirst) => {
      // Prepare
      const { deps, engine } = fakeDeps();
      await started(deps, 2);
      engine.histories.set("run-1", { input: validInput, steps: { reserve: {}, charge: {} } });
      await call(
        deps,
        restEvent("POST", "/executions/run-1/cancel", { body: { compensate: true } }),
      );
      const run = "run-1--compensation";
      const compensated = (stepId: string, startMs: number) =>
        stepEvent("Step Compensated", "run-1", {
          stepId,
          mode: "compensate",
          startMs,
          endMs: startMs + 5,
        });
      const aborted = sfnStatus("run-1", {
        status: "ABORTED",
        stopMs: 100,
        error: "Baton.Cancelled",
        cause: cancelCause("running"),
      });
      const saga = [
        sfnStatus(run, { status: "RUNNING", startMs: 200 }),
        batonEvent("Compensation Started", "run-1", {}, 210),
        compensated("charge", 220),
        compensated("reserve", 230),
        batonEvent("Compensation Completed", "run-1", {}, 240),
        sfnStatus(run, { status: "FAILED", startMs: 200, stopMs: 250, error: "Baton.Cancelled" }),
      ];
      const events = abortedFirst ? [aborted, ...saga] : [...saga, aborted];

      // Act
      const outcomes = [];
      for (const event of events)
        outcomes.push((await applyEvent(event, { store: deps.executions, catalogue })).outcome);
      const document = await call(deps, restEvent("GET", "/executions/run-1"));
      const listed = await call(deps, restEvent("GET", "/workflows/order-fulfillment/executions"));

      // Assess
      const sagaOutcomes = ["ignored", "applied", "applied", "applied", "applied", "ignored"];
      expect(outcomes).toEqual(
        abortedFirst ? ["applied", ...sagaOutcomes] : [...sagaOutcomes, "applied"],
      );
      expect(document.body).toMatchObject({
        status: "CANCELLED",
        compensation: "COMPLETED",
        error: { name: "Baton.Cancelled", message: "Cancelled through the API." },
        steps: [
          { id: "reserve", status: "COMPENSATED" },
          { id: "charge", status: "COMPENSATED" },
          { id: "ship", status: "PENDING" },
        ],
      });
      expect(
        ((listed.body?.items ?? []) as { id: string }[]).map((item) => item.id).sort(),
      ).toEqual(["run-0", "run-1"]);
    },
  );

  it("fails a parked await step instead, so the workflow's own saga compensates", async () => {
    // Prepare
    const { deps, engine, signals } = fakeDeps();
    await started(deps, 2);
    await signals.registerWaiter("run-1", "approved", {
      taskToken: "tok",
      stepId: "wait_ok",
      timeoutSeconds: 60,
    });

    // Act
    const response = await call(
      deps,
      restEvent("POST", "/executions/run-1/cancel", {
        body: { compensate: true, reason: "customer" },
      }),
    );

    // Assess
    expect([response.status, response.body?.compensation]).toEqual([202, "in-workflow"]);
    expect(
      engine.calls.map((c) =>
        c.op === "taskFailure" ? [c.op, c.token, c.error, JSON.parse(c.cause).message] : c.op,
      ),
    ).toEqual([["taskFailure", "tok", "Baton.Cancelled", "customer"]]);
  });

  it.each([
    ["an execution that is not running", "run-0", {}, 409],
    ["an unknown execution", "nope", {}, 404],
    ["a non-boolean compensate", "run-1", { compensate: "yes" }, 400],
    ["an unknown field", "run-1", { force: true }, 400],
    ["a body that is not an object", "run-1", [true], 400],
  ])("answers a problem for %s", async (_what, id, body, status) => {
    // Prepare
    const { deps, engine } = fakeDeps();
    await started(deps, 2);

    // Act
    const response = await call(deps, restEvent("POST", `/executions/${id}/cancel`, { body }));

    // Assess
    expect([response.status, engine.calls]).toEqual([status, []]);
  });
});

describe("POST /executions/{id}/cancel: calls in flight and running maps", () => {
  async function running(deps: ApiDeps, id: string, steps: Record<string, unknown> = {}) {
    await deps.executions.merge(id, {
      id,
      workflow: "order-fulfillment",
      version: { k: [2], v: 3 },
      startedAt: at(0),
      run: { k: [0, 0, 0], v: { status: "RUNNING" } },
      steps: steps as never,
    });
  }
  const compensated = (engine: ReturnType<typeof fakeDeps>["engine"]) => {
    const start = engine.calls.find((c) => c.op === "start");
    return start?.op === "start"
      ? (start.input as { batonCompensate: { steps: unknown } }).batonCompensate.steps
      : undefined;
  };

  it("undoes a call that completed while the stop waited with its result, and one with no answer as uncertain", async () => {
    // Prepare: the engine aborted charge (no answer) after reserve's in-flight call completed
    const { deps, engine } = fakeDeps();
    await running(deps, "c1");
    engine.histories.set("c1", { input: validInput, steps: {} });
    engine.inFlight.set("c1", [
      { stepId: "reserve", mode: "call", outcome: "succeeded", result: { body: { id: "r-9" } } },
      { stepId: "charge", mode: "call", outcome: "unknown" },
      { stepId: "ship", mode: "call", outcome: "unknown" },
    ]);

    // Act
    const response = await call(
      deps,
      restEvent("POST", "/executions/c1/cancel", { body: { compensate: true } }),
    );

    // Assess: ship has no compensate, so nothing can undo it (the record shows UNCERTAIN)
    expect([response.status, compensated(engine)]).toEqual([
      202,
      { reserve: { body: { id: "r-9" } }, charge: { uncertain: true } },
    ]);
  });

  it("undoes as uncertain a step the record shows RUNNING when the engine cannot see it (AWS)", async () => {
    // Prepare
    const { deps, engine } = fakeDeps();
    await running(deps, "c2", {
      reserve: { run: { k: [0, at(1), 1, 1], v: { status: "SUCCEEDED" } }, attempts: 1 },
      charge: { run: { k: [0, at(2), 1, 0], v: { status: "RUNNING" } }, attempts: 1 },
    });
    engine.histories.set("c2", { input: validInput, steps: { reserve: { body: { id: "r-1" } } } });

    // Act
    await call(deps, restEvent("POST", "/executions/c2/cancel", { body: { compensate: true } }));

    // Assess
    expect(compensated(engine)).toEqual({
      reserve: { body: { id: "r-1" } },
      charge: { uncertain: true },
    });
  });

  it("leaves out an uncertain step whose compiled undo reads its own result by JSONPath", async () => {
    // Prepare: charge's undo Parameters read $.steps.charge.body.id, which the stop lost
    const withUndo = {
      ...orderWorkflow,
      asl: {
        StartAt: "reserve",
        States: {
          "charge#undo": {
            Type: "Task",
            Parameters: { "body.$": "$.steps.charge.body.id", stepId: "charge" },
          },
        },
      },
    };
    const { deps, engine } = fakeDeps({}, [withUndo]);
    await running(deps, "c4");
    engine.histories.set("c4", { input: validInput, steps: { reserve: { body: { id: "r-1" } } } });
    engine.inFlight.set("c4", [{ stepId: "charge", mode: "call", outcome: "unknown" }]);

    // Act
    await call(deps, restEvent("POST", "/executions/c4/cancel", { body: { compensate: true } }));

    // Assess: the run still undoes reserve; the record reports charge as not confirmed undone
    expect(compensated(engine)).toEqual({ reserve: { body: { id: "r-1" } } });
  });

  it.each([
    ["without a default: left out", "/shipments/{{ steps.charge.body.id }}", {}],
    [
      "with a ?? default: undone as uncertain",
      "/shipments/{{ steps.charge.body.id ?? 'none' }}",
      { charge: { uncertain: true } },
    ],
  ])("an uncertain step whose undo template reads its own result %s", async (_, path, extra) => {
    // Prepare: charge's undo path is a template the service-call handler resolves (no JSONPath)
    const withUndo = {
      ...orderWorkflow,
      asl: {
        StartAt: "reserve",
        States: {
          "charge#undo": {
            Type: "Task",
            Parameters: { stepId: "charge", path, data: { "steps.$": "$.steps" } },
          },
        },
      },
    };
    const { deps, engine } = fakeDeps({}, [withUndo]);
    await running(deps, "c5");
    engine.histories.set("c5", { input: validInput, steps: { reserve: { body: { id: "r-1" } } } });
    engine.inFlight.set("c5", [{ stepId: "charge", mode: "call", outcome: "unknown" }]);

    // Act
    await call(deps, restEvent("POST", "/executions/c5/cancel", { body: { compensate: true } }));

    // Assess: left out, the undo would fail with Baton.TemplateError (compensation FAILED)
    expect(compensated(engine)).toEqual({ reserve: { body: { id: "r-1" } }, ...extra });
  });

  it("leaves out a call in flight that the service answered with an error", async () => {
    // Prepare
    const { deps, engine } = fakeDeps();
    await running(deps, "c3");
    engine.histories.set("c3", { input: validInput, steps: { reserve: { body: { id: "r-1" } } } });
    engine.inFlight.set("c3", [{ stepId: "charge", mode: "call", outcome: "failed" }]);

    // Act
    await call(deps, restEvent("POST", "/executions/c3/cancel", { body: { compensate: true } }));

    // Assess
    expect(compensated(engine)).toEqual({ reserve: { body: { id: "r-1" } } });
  });

  it("gives a map still running the per-item list of what its items finished", async () => {
    // Prepare: 3 orders; item 0 finished, item 2 finished, item 1 had nothing finished yet
    const bulk = {
      ...bulkWorkflow,
      asl: { StartAt: "items", States: { items: { Type: "Map", ItemsPath: "$.input.orders" } } },
    };
    const { deps, engine } = fakeDeps({}, [bulk]);
    await deps.executions.merge("bulk-2", {
      id: "bulk-2",
      workflow: "bulk-orders",
      version: { k: [2], v: 1 },
      startedAt: at(0),
      run: { k: [0, 0, 0], v: { status: "RUNNING" } },
    });
    engine.histories.set("bulk-2", {
      input: { orders: [1, 2, 3] },
      steps: { lookup: { n: 1 }, reserve_item: { r: 3 } },
      items: { items: { 0: { reserve_item: { r: 1 } }, 2: { reserve_item: { r: 3 } } } },
    });

    // Act
    await call(
      deps,
      restEvent("POST", "/executions/bulk-2/cancel", { body: { compensate: true } }),
    );

    // Assess
    expect(compensated(engine)).toEqual({
      lookup: { n: 1 },
      items: [{ reserve_item: { r: 1 } }, {}, { reserve_item: { r: 3 } }],
    });
  });
});

describe("POST /executions/{id}/redrive", () => {
  async function failed(deps: ApiDeps, id: string, workflow = "order-fulfillment") {
    await deps.executions.merge(id, {
      id,
      workflow,
      version: { k: [2], v: workflow === "order-fulfillment" ? 3 : 1 },
      startedAt: at(0),
      run: {
        k: [0, 1, 1],
        v: { status: "FAILED", error: { name: "Baton.Timeout", message: "slow" } },
      },
    });
  }

  it("redrives a failed execution", async () => {
    // Prepare
    const { deps, engine } = fakeDeps();
    await failed(deps, "f1");

    // Act
    const response = await call(deps, restEvent("POST", "/executions/f1/redrive"));

    // Assess
    expect([response.status, response.body, engine.calls]).toEqual([
      202,
      { id: "f1", status: "RUNNING", redriveDate: "2026-11-22T11:00:00.000Z" },
      [{ op: "redrive", id: "f1" }],
    ]);
  });

  it("answers 409 when the engine refuses", async () => {
    // Prepare
    const { deps, engine } = fakeDeps();
    await failed(deps, "f2");
    engine.failures.set("redrive", engineError("not-redrivable", "past the 14-day window"));

    // Act
    const response = await call(deps, restEvent("POST", "/executions/f2/redrive"));

    // Assess
    expect([response.status, response.body?.detail]).toEqual([
      409,
      "Execution f2 cannot be redriven: past the 14-day window",
    ]);
  });

  it("refuses with 409 to redrive an execution whose steps were compensated, saying why", async () => {
    // Prepare
    const { deps, engine, executions } = fakeDeps();
    await failed(deps, "f3");
    await executions.merge("f3", {
      id: "f3",
      steps: {
        charge: {
          run: { k: [0, at(10), 1, 1], v: { status: "SUCCEEDED" } },
          compensation: { k: [0, at(90), 1, 1], v: { status: "COMPENSATED" } },
          attempts: 1,
        },
      },
      compensation: { k: [0, 1], v: "COMPLETED" },
    });

    // Act
    const response = await call(deps, restEvent("POST", "/executions/f3/redrive"));

    // Assess
    expect([response.status, response.body?.detail, engine.calls]).toEqual([
      409,
      "Execution f3 cannot be redriven: step charge was compensated. Running it again under the same Idempotency-Key would return the stored answer of the undone effect; start a new execution with the same input instead (POST /workflows/order-fulfillment/executions).",
      [],
    ]);
  });

  it("refuses with 409 while a cancelled execution's compensation is running", async () => {
    // Prepare
    const { deps, engine, executions } = fakeDeps();
    await failed(deps, "f4");
    await executions.merge("f4", { id: "f4", compensation: { k: [0, 0], v: "RUNNING" } });

    // Act
    const response = await call(deps, restEvent("POST", "/executions/f4/redrive"));

    // Assess
    expect([response.status, response.body?.detail, engine.calls]).toEqual([
      409,
      "Execution f4 cannot be redriven: its compensation is RUNNING; wait for it to end.",
      [],
    ]);
  });

  it("answers 409 for running and express executions", async () => {
    // Prepare
    const { deps, engine } = fakeDeps();
    await started(deps, 2);
    await failed(deps, "x1", "quick-check");

    // Act
    const running = await call(deps, restEvent("POST", "/executions/run-1/redrive"));
    const express = await call(deps, restEvent("POST", "/executions/x1/redrive"));

    // Assess
    expect([running.status, express.status, engine.calls]).toEqual([409, 409, []]);
  });
});

describe("POST /executions/{id}/signals/{name}", () => {
  async function approval(deps: ApiDeps, id: string, status: "RUNNING" | "SUCCEEDED" = "RUNNING") {
    await deps.executions.merge(id, {
      id,
      workflow: "approval",
      version: { k: [2], v: 1 },
      startedAt: at(0),
      run: { k: [0, status === "RUNNING" ? 0 : 1, 0], v: { status } },
    });
  }

  it("resumes the waiting step with the body", async () => {
    // Prepare
    const { deps, engine, signals } = fakeDeps();
    await approval(deps, "a1");
    await signals.registerWaiter("a1", "approved", {
      taskToken: "tok-1",
      stepId: "wait_ok",
      timeoutSeconds: 60,
    });

    // Act
    const response = await call(
      deps,
      restEvent("POST", "/executions/a1/signals/approved", { body: { by: "ops" } }),
    );
    const again = await call(
      deps,
      restEvent("POST", "/executions/a1/signals/approved", { body: { by: "ops" } }),
    );

    // Assess
    expect([response.status, response.body, again.status]).toEqual([
      200,
      { executionId: "a1", signal: "approved", delivered: true, step: "wait_ok" },
      409,
    ]);
    expect(engine.calls).toEqual([{ op: "taskSuccess", token: "tok-1", output: { by: "ops" } }]);
  });

  it("keeps a signal that arrives before the step waits (202)", async () => {
    // Prepare
    const { deps, signals } = fakeDeps();
    await approval(deps, "a2");

    // Act
    const response = await call(
      deps,
      restEvent("POST", "/executions/a2/signals/approved", { body: 1 }),
    );
    const parked = await signals.registerWaiter("a2", "approved", {
      taskToken: "t",
      stepId: "wait_ok",
      timeoutSeconds: 5,
    });

    // Assess
    expect([response.status, parked]).toEqual([202, { kind: "early", payload: 1 }]);
  });

  it.each([
    ["a signal the workflow never awaits", "a3", "rejected", "RUNNING", 404],
    ["a finished execution", "a3", "approved", "SUCCEEDED", 404],
    ["an unknown execution", "zzz", "approved", "RUNNING", 404],
  ] as const)("answers 404 for %s", async (_what, id, signal, status, code) => {
    // Prepare
    const { deps } = fakeDeps();
    await approval(deps, "a3", status);

    // Act
    const response = await call(
      deps,
      restEvent("POST", `/executions/${id}/signals/${signal}`, { body: {} }),
    );

    // Assess
    expect(response.status).toEqual(code);
  });

  it("answers 409 when the step stopped waiting", async () => {
    // Prepare
    const { deps, engine, signals } = fakeDeps();
    await approval(deps, "a4");
    await signals.registerWaiter("a4", "approved", {
      taskToken: "tok-4",
      stepId: "wait_ok",
      timeoutSeconds: 60,
    });
    engine.failures.set("taskSuccess", engineError("task-gone", "Task Timed Out"));

    // Act
    const response = await call(
      deps,
      restEvent("POST", "/executions/a4/signals/approved", { body: {} }),
    );

    // Assess
    expect([response.status, signals.items.get("a4/approved")?.state]).toEqual([409, "EXPIRED"]);
  });

  it("gives the waiter back when resuming fails for another reason", async () => {
    // Prepare
    const { deps, engine, signals } = fakeDeps();
    await approval(deps, "a5");
    await signals.registerWaiter("a5", "approved", {
      taskToken: "tok-5",
      stepId: "wait_ok",
      timeoutSeconds: 60,
    });
    engine.failures.set(
      "taskSuccess",
      Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }),
    );

    // Act
    const response = await call(
      deps,
      restEvent("POST", "/executions/a5/signals/approved", { body: {} }),
    );

    // Assess
    expect([
      response.status,
      response.headers["retry-after"],
      signals.items.get("a5/approved")?.state,
    ]).toEqual([503, "1", "WAITING"]);
  });

  describe("to an await inside a map", () => {
    const approveEach: CatalogueWorkflow = {
      name: "approve-each",
      version: 1,
      type: "standard",
      definition: {},
      asl: {},
      mermaid: "",
      steps: [
        { id: "lines", kind: "map", scope: "/", dependsOn: [] },
        { id: "approve_line", kind: "await", scope: "lines/0", dependsOn: [], signal: "approved" },
      ],
    };
    async function running(deps: ApiDeps, id: string) {
      await deps.executions.merge(id, {
        id,
        workflow: "approve-each",
        version: { k: [2], v: 1 },
        startedAt: at(0),
        run: { k: [0, 0, 0], v: { status: "RUNNING" } },
      });
    }

    it("resumes only the addressed item's waiter with ?item=<index>", async () => {
      // Prepare: items 0 and 1 wait on the same signal name.
      const { deps, engine, signals } = fakeDeps({}, [approveEach]);
      await running(deps, "m1");
      for (const index of [0, 1]) {
        await signals.registerWaiter("m1", `approved#${index}`, {
          taskToken: `tok-${index}`,
          stepId: "approve_line",
          timeoutSeconds: 60,
        });
      }

      // Act
      const response = await call(
        deps,
        restEvent("POST", "/executions/m1/signals/approved", { body: 1, query: { item: "1" } }),
      );

      // Assess
      expect([response.status, response.body]).toEqual([
        200,
        { executionId: "m1", signal: "approved", item: "1", delivered: true, step: "approve_line" },
      ]);
      expect(engine.calls).toEqual([{ op: "taskSuccess", token: "tok-1", output: 1 }]);
      expect(signals.items.get("m1/approved#0")?.state).toEqual("WAITING");
    });

    it("keeps a signal for an item that does not wait yet (202)", async () => {
      // Prepare
      const { deps, signals } = fakeDeps({}, [approveEach]);
      await running(deps, "m2");

      // Act
      const response = await call(
        deps,
        restEvent("POST", "/executions/m2/signals/approved", { body: "ok", query: { item: "2" } }),
      );
      const other = await signals.registerWaiter("m2", "approved#0", {
        taskToken: "t0",
        stepId: "approve_line",
        timeoutSeconds: 5,
      });
      const addressed = await signals.registerWaiter("m2", "approved#2", {
        taskToken: "t2",
        stepId: "approve_line",
        timeoutSeconds: 5,
      });

      // Assess
      expect([response.status, other, addressed]).toEqual([
        202,
        { kind: "waiting" },
        { kind: "early", payload: "ok" },
      ]);
    });

    it("fails when the signal names no item: 400 saying which map waits", async () => {
      const { deps } = fakeDeps({}, [approveEach]);
      await running(deps, "m3");

      const response = await call(
        deps,
        restEvent("POST", "/executions/m3/signals/approved", { body: {} }),
      );

      expect([response.status, (response.body as { detail?: string }).detail]).toEqual([
        400,
        "Signal approved is awaited inside map lines, where each item waits on its own; address one item with ?item=<index> (e.g. ?item=0).",
      ]);
    });

    it.each(["-1", "a", "1..2", "lines[1]", ""])("fails when item is %j: 400", async (item) => {
      const { deps } = fakeDeps({}, [approveEach]);
      await running(deps, "m4");

      const response = await call(
        deps,
        restEvent("POST", "/executions/m4/signals/approved", { body: {}, query: { item } }),
      );

      expect(response.status).toEqual(400);
    });
  });
});

describe("redrivePlan", () => {
  const step = (id: string, status: StepStatus) => ({ id, status, attempts: 1 });
  const document = (steps: { id: string; status: StepStatus; attempts: number }[]) =>
    ({ id: "e1", steps }) as unknown as ExecutionDocument;

  it("resumes at the failed step and keeps the results of the steps that succeeded", () => {
    const plan = redrivePlan(
      document([step("a", "SUCCEEDED"), step("b", "FAILED"), step("c", "PENDING")]),
    );

    expect([plan.from, plan.keep("a"), plan.keep("b")]).toEqual(["b", true, false]);
  });

  it("starts over when the saga compensated: compensated steps run again", () => {
    const plan = redrivePlan(
      document([
        step("reserve", "COMPENSATED"),
        step("charge", "COMPENSATED"),
        step("ship", "FAILED"),
      ]),
    );

    expect([plan.from, plan.keep("reserve"), plan.keep("charge")]).toEqual([
      "reserve",
      false,
      false,
    ]);
  });

  it("skips steps that were skipped when looking for where to resume", () => {
    const plan = redrivePlan(
      document([step("a", "SUCCEEDED"), step("b", "SKIPPED"), step("c", "FAILED")]),
    );

    expect(plan.from).toBe("c");
  });
});

describe("cancel and redrive through the Step Functions engine adapter", () => {
  const sfn = mockClient(SFNClient);
  afterAll(() => sfn.restore());
  const MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:order-fulfillment";
  const sfnDeps = () =>
    fakeDeps({
      engine: new SfnExecutionEngine({
        client: new SFNClient({ region: "us-east-1" }),
        stateMachineArn: (workflow) => (workflow === "order-fulfillment" ? MACHINE : undefined),
        locate: async () => "order-fulfillment",
      }),
    });

  it("compensates the step a cancel found RUNNING as uncertain: the Lambda cannot be aborted", async () => {
    // Prepare
    sfn.reset();
    const { deps } = sfnDeps();
    await deps.executions.merge("s1", {
      id: "s1",
      workflow: "order-fulfillment",
      version: { k: [2], v: 3 },
      startedAt: at(0),
      run: { k: [0, 0, 0], v: { status: "RUNNING" } },
      steps: {
        reserve: { run: { k: [0, at(1), 1, 1], v: { status: "SUCCEEDED" } }, attempts: 1 },
        charge: { run: { k: [0, at(2), 1, 0], v: { status: "RUNNING" } }, attempts: 1 },
      },
    });
    sfn.on(StopExecutionCommand).resolves({});
    sfn
      .on(DescribeExecutionCommand)
      .rejects(new ExecutionDoesNotExist({ message: "no redrive", $metadata: {} }));
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 1,
          timestamp: new Date(0),
          type: "ExecutionStarted",
          executionStartedEventDetails: { input: JSON.stringify(validInput) },
        },
        {
          id: 2,
          timestamp: new Date(0),
          type: "TaskStateExited",
          stateExitedEventDetails: {
            name: "reserve",
            output: JSON.stringify({ steps: { reserve: { body: { id: "r-1" } } } }),
          },
        },
      ],
    });
    sfn.on(StartExecutionCommand).resolves({ executionArn: "x", startDate: new Date(0) });

    // Act
    const response = await call(
      deps,
      restEvent("POST", "/executions/s1/cancel", { body: { compensate: true } }),
    );

    // Assess
    const start = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect([
      response.status,
      start?.name,
      JSON.parse(start?.input ?? "{}").batonCompensate.steps,
    ]).toEqual([
      202,
      "s1--compensation",
      { reserve: { body: { id: "r-1" } }, charge: { uncertain: true } },
    ]);
  });

  it("refuses to redrive a compensated execution without starting anything", async () => {
    // Prepare
    sfn.reset();
    const { deps } = sfnDeps();
    await deps.executions.merge("s2", {
      id: "s2",
      workflow: "order-fulfillment",
      version: { k: [2], v: 3 },
      startedAt: at(0),
      run: {
        k: [0, 1, 1],
        v: { status: "ABORTED", error: { name: "Baton.Cancelled", message: "x" } },
      },
      cancel: { k: [1], v: { compensate: true } },
      compensation: { k: [0, 1], v: "COMPLETED" },
      steps: {
        reserve: {
          run: { k: [0, at(1), 1, 1], v: { status: "SUCCEEDED" } },
          compensation: { k: [0, at(9), 1, 1], v: { status: "COMPENSATED" } },
          attempts: 1,
        },
      },
    });

    // Act
    const response = await call(deps, restEvent("POST", "/executions/s2/redrive"));

    // Assess
    expect([response.status, sfn.commandCalls(StartExecutionCommand).length]).toEqual([409, 0]);
    expect(response.body?.detail).toContain("step reserve was compensated");
  });
});
