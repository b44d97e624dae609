import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { initialState } from "../../../lib/core/execution-state.ts";
import { toDocument } from "../../../lib/runtime/records/derive.ts";
import type { ExecutionDocument } from "../../../lib/runtime/records/document.ts";
import { observe, startDelta } from "../../../lib/runtime/records/observe.ts";
import { canonicalJson, merge, type RecordState } from "../../../lib/runtime/records/state.ts";
import { traceDelta } from "../../../lib/runtime/records/trace.ts";
import {
  at,
  batonEvent,
  catalogue,
  failedSagaEvents,
  orderWorkflow,
  SAGA_TRACE_ID,
  sfnStatus,
  stepEvent,
} from "./fixtures.ts";

/** Folds events through the updater's pure path: observe, merge, derive. */
function replay(events: readonly unknown[], id: string): ExecutionDocument {
  let state: RecordState = { id };
  for (const event of events) {
    const observation = observe(event, catalogue);
    if (observation.kind === "observed") state = merge(state, observation.delta);
  }
  return toDocument(state, orderWorkflow);
}

/** A permutation of `events` with some of them delivered more than once. */
const deliveries = (events: readonly unknown[]) =>
  fc
    .tuple(
      fc.array(fc.integer({ min: 0, max: events.length - 1 }), { maxLength: events.length }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), {
        minLength: events.length * 2,
        maxLength: events.length * 2,
      }),
    )
    .map(([duplicates, keys]) => {
      const all = [...events, ...duplicates.map((i) => events[i])];
      return all
        .map((event, i) => ({ event, key: keys[i] ?? 0 }))
        .sort((a, b) => a.key - b.key)
        .map((x) => x.event);
    });

const FAILED_SAGA: ExecutionDocument = {
  id: "exec-1",
  workflow: "order-fulfillment",
  version: 3,
  status: "FAILED",
  startedAt: at(0),
  stoppedAt: at(5123),
  durationMs: 5123,
  startedBy: "unknown",
  versionPinned: false,
  // The first attempt's (the latest run's earliest call), whatever order the events arrive in.
  traceId: SAGA_TRACE_ID,
  stepsCompleted: 2,
  totalSteps: 3,
  input: { orderId: "o-1", amount: 42 },
  output: null,
  error: { name: "Baton.ClientError", message: "HTTP 400: bad address", step: "ship" },
  compensation: "COMPLETED",
  steps: [
    {
      id: "reserve",
      status: "COMPENSATED",
      attempts: 2,
      startedAt: at(10),
      endedAt: at(1081),
      durationMs: 71,
      instance: "inventory-b",
    },
    {
      id: "charge",
      status: "COMPENSATED",
      attempts: 1,
      startedAt: at(1100),
      endedAt: at(1300),
      durationMs: 200,
      instance: "payments-a",
    },
    {
      id: "ship",
      status: "FAILED",
      attempts: 1,
      startedAt: at(1310),
      endedAt: at(1400),
      durationMs: 90,
      instance: "shipping-a",
      error: { name: "Baton.ClientError", message: "HTTP 400: bad address" },
    },
  ],
};

describe("execution record state", () => {
  it("derives the SERVICE.md document of a compensated saga from its events in order", () => {
    // Prepare
    const events = failedSagaEvents("exec-1");

    // Act
    const document = replay(events, "exec-1");

    // Assess
    expect(document).toEqual(FAILED_SAGA);
  });

  it("converges to the same document under shuffled and duplicated delivery", () => {
    // Prepare
    const events = failedSagaEvents("exec-1");

    // Act / Assess
    fc.assert(
      fc.property(deliveries(events), (delivered) => {
        expect(replay(delivered, "exec-1")).toEqual(FAILED_SAGA);
      }),
      { numRuns: 300 },
    );
  });

  it("converges for a redriven execution to the redriven run's outcome, step events without redriveCount", () => {
    // Prepare
    const id = "exec-2";
    const events = [
      sfnStatus(id, { status: "RUNNING" }),
      stepEvent("Step Started", id, { stepId: "reserve", startMs: 10 }),
      stepEvent("Step Succeeded", id, { stepId: "reserve", startMs: 10, endMs: 20 }),
      stepEvent("Step Started", id, { stepId: "charge", startMs: 30 }),
      stepEvent("Step Failed", id, {
        stepId: "charge",
        startMs: 30,
        endMs: 40,
        error: { name: "Baton.Timeout", message: "no answer", retryable: true },
      }),
      stepEvent("Step Started", id, { stepId: "charge", attempt: 2, startMs: 1040 }),
      stepEvent("Step Failed", id, {
        stepId: "charge",
        attempt: 2,
        startMs: 1040,
        endMs: 1050,
        error: { name: "Baton.Timeout", message: "no answer", retryable: true },
      }),
      sfnStatus(id, { status: "FAILED", stopMs: 1060, error: "Baton.Timeout", cause: "no answer" }),
      sfnStatus(id, { status: "RUNNING", redriveCount: 1 }),
      stepEvent("Step Started", id, { stepId: "charge", startMs: 60_000 }),
      stepEvent("Step Succeeded", id, { stepId: "charge", startMs: 60_000, endMs: 60_100 }),
      sfnStatus(id, {
        status: "SUCCEEDED",
        stopMs: 60_200,
        redriveCount: 1,
        output: { charge: "c-1" },
      }),
    ];
    const expected = replay(events, id);

    // Act / Assess
    expect(expected.status).toEqual("SUCCEEDED");
    expect(expected.output).toEqual({ charge: "c-1" });
    expect(expected.error).toEqual(null);
    expect(expected.steps.map((s) => [s.id, s.status])).toEqual([
      ["reserve", "SUCCEEDED"],
      ["charge", "SUCCEEDED"],
      ["ship", "SKIPPED"],
    ]);
    fc.assert(
      fc.property(deliveries(events), (delivered) => {
        expect(replay(delivered, id)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it("merges idempotently, commutatively and associatively", () => {
    // Prepare
    const deltas = [
      ...failedSagaEvents("exec-3"),
      sfnStatus("exec-3", { status: "ABORTED", stopMs: 99 }),
    ].flatMap((event) => {
      const o = observe(event, catalogue);
      return o.kind === "observed" ? [o.delta] : [];
    });
    const delta = fc.constantFrom(...deltas);

    // Act / Assess
    fc.assert(
      fc.property(delta, delta, delta, (a, b, c) => {
        expect(canonicalJson(merge(a, a))).toEqual(canonicalJson(a));
        expect(canonicalJson(merge(a, b))).toEqual(canonicalJson(merge(b, a)));
        expect(canonicalJson(merge(a, merge(b, c)))).toEqual(canonicalJson(merge(merge(a, b), c)));
      }),
      { numRuns: 300 },
    );
  });
});

describe("a finished run's trace and a call's own events, in either order", () => {
  // The integration flake "ship attempts 0": the status change (with the run's state trace)
  // reached the records before ship's Step events. The record converges once they arrive; a
  // reader that needs attempts waits for them (test/integration/fixtures/api.ts withAttempts).
  const id = "exec-t";
  const fold = (state: RecordState, events: readonly unknown[]): RecordState => {
    let next = state;
    for (const event of events) {
      const observation = observe(event, catalogue);
      if (observation.kind === "observed") next = merge(next, observation.delta);
    }
    return next;
  };
  const traced = traceDelta(
    id,
    0,
    new Map([
      ["reserve", "SUCCEEDED"],
      ["charge", "SUCCEEDED"],
      ["ship", "SUCCEEDED"],
    ] as const),
  );
  const finished = [
    sfnStatus(id, { status: "RUNNING" }),
    sfnStatus(id, { status: "SUCCEEDED", output: {} }),
  ];
  const shipEvents = [
    stepEvent("Step Started", id, { stepId: "ship", startMs: 5 }),
    stepEvent("Step Succeeded", id, { stepId: "ship", startMs: 5, endMs: 6, instance: "s-1" }),
  ];
  const ship = (state: RecordState) =>
    toDocument(state, orderWorkflow).steps.find((s) => s.id === "ship");

  it("shows the call SUCCEEDED with no attempts until its events arrive, then converges", () => {
    const early = fold(merge({ id }, traced), finished);
    expect(ship(early)).toMatchObject({ status: "SUCCEEDED", attempts: 0 });

    const late = fold(early, shipEvents);
    const first = merge(fold({ id }, shipEvents), fold(merge({ id }, traced), finished));
    expect(ship(late)).toMatchObject({ status: "SUCCEEDED", attempts: 1, instance: "s-1" });
    expect(canonicalJson(late)).toEqual(canonicalJson(first));
  });
});

describe("execution status mapping", () => {
  const id = "exec-s";
  const base = [sfnStatus(id, { status: "RUNNING" })];

  it("maps a failure named Baton.CompensationFailed to COMPENSATION_FAILED", () => {
    // Prepare
    const events = [
      ...base,
      sfnStatus(id, {
        status: "FAILED",
        error: "Baton.CompensationFailed",
        cause: "refund failed",
      }),
    ];

    // Act
    const document = replay(events, id);

    // Assess
    expect([document.status, document.compensation]).toEqual(["COMPENSATION_FAILED", "FAILED"]);
  });

  it("maps a failed compensation step to COMPENSATION_FAILED even when the final error is the step's", () => {
    // Prepare
    const events = [
      ...base,
      stepEvent("Step Succeeded", id, { stepId: "reserve", startMs: 1, endMs: 2 }),
      stepEvent("Step Failed", id, {
        stepId: "reserve",
        mode: "compensate",
        attempt: 5,
        startMs: 3,
        endMs: 4,
        error: { name: "Baton.ServiceError", message: "HTTP 500", retryable: true },
      }),
      batonEvent("Compensation Failed", id, { stepId: "reserve" }, 5),
      sfnStatus(id, { status: "FAILED", error: "Baton.ClientError", cause: "bad" }),
    ];

    // Act
    const document = replay(events, id);

    // Assess
    expect([document.status, document.compensation, document.steps[0]?.status]).toEqual([
      "COMPENSATION_FAILED",
      "FAILED",
      "COMPENSATION_FAILED",
    ]);
  });

  describe("an undo that may have taken effect is UNCERTAIN, not COMPENSATION_FAILED", () => {
    const timeout = { name: "Baton.Timeout", message: "took longer than 2 s", retryable: true };
    const http503 = { name: "Baton.ServiceError", message: "HTTP 503", retryable: true };
    const undo = (stepId: string, attempt: number, error: typeof timeout) =>
      stepEvent("Step Failed", id, {
        stepId,
        mode: "compensate",
        attempt,
        startMs: 10 + attempt * 2,
        endMs: 11 + attempt * 2,
        error,
      });
    /** reserve and charge succeeded, ship failed (HTTP 400); the saga's undo of `charge` did not confirm. */
    const saga = (undos: readonly unknown[]) => [
      ...base,
      stepEvent("Step Succeeded", id, { stepId: "reserve", startMs: 1, endMs: 2 }),
      stepEvent("Step Succeeded", id, { stepId: "charge", startMs: 3, endMs: 4 }),
      stepEvent("Step Failed", id, {
        stepId: "ship",
        startMs: 5,
        endMs: 6,
        error: { name: "Baton.ClientError", message: "HTTP 400", retryable: false },
      }),
      batonEvent("Compensation Started", id, {}, 7),
      ...undos,
      batonEvent("Compensation Failed", id, {}, 40),
      sfnStatus(id, {
        status: "FAILED",
        error: "Baton.CompensationFailed",
        cause: JSON.stringify({ name: "Baton.ClientError", message: "HTTP 400", step: "ship" }),
      }),
    ];

    it("reads FAILED, compensation UNCERTAIN, with the failure that started compensating", () => {
      const events = saga([undo("charge", 1, http503), undo("charge", 2, timeout)]);

      // In every order of delivery, duplicates included.
      fc.assert(
        fc.property(deliveries(events), (order) => {
          const document = replay(order, id);
          expect([document.status, document.compensation, document.error]).toEqual([
            "FAILED",
            "UNCERTAIN",
            { name: "Baton.ClientError", message: "HTTP 400", step: "ship" },
          ]);
        }),
        { numRuns: 100 },
      );
    });

    it("stays UNCERTAIN when attempts after the uncertain one were refused", () => {
      const document = replay(
        saga([undo("charge", 1, timeout), undo("charge", 2, http503), undo("charge", 3, http503)]),
        id,
      );
      expect([document.status, document.compensation]).toEqual(["FAILED", "UNCERTAIN"]);
    });

    it("is COMPENSATION_FAILED when another undo certainly did not happen", () => {
      const document = replay(
        saga([
          undo("charge", 1, timeout),
          undo("reserve", 1, http503),
          undo("reserve", 2, http503),
        ]),
        id,
      );
      expect([document.status, document.compensation]).toEqual(["COMPENSATION_FAILED", "FAILED"]);
    });

    it("is COMPENSATION_FAILED when every attempt of the undo was refused", () => {
      const document = replay(saga([undo("charge", 1, http503), undo("charge", 2, http503)]), id);
      expect([document.status, document.compensation]).toEqual(["COMPENSATION_FAILED", "FAILED"]);
    });
  });

  it("maps ABORTED to CANCELLED with a Baton.Cancelled error", () => {
    // Prepare
    const events = [
      ...base,
      sfnStatus(id, { status: "ABORTED", error: "Baton.Cancelled", cause: "by user" }),
    ];

    // Act
    const document = replay(events, id);

    // Assess
    expect([document.status, document.error]).toEqual([
      "CANCELLED",
      { name: "Baton.Cancelled", message: "by user" },
    ]);
  });

  it("reports compensation NONE for a failure where nothing was compensated", () => {
    // Prepare
    const events = [
      ...base,
      sfnStatus(id, {
        status: "FAILED",
        error: "Baton.ClientError",
        cause: '{"message":"HTTP 404","step":"reserve"}',
      }),
    ];

    // Act
    const document = replay(events, id);

    // Assess
    expect([document.status, document.compensation, document.error]).toEqual([
      "FAILED",
      "NONE",
      { name: "Baton.ClientError", message: "HTTP 404", step: "reserve" },
    ]);
  });

  it("never regresses a terminal status to RUNNING when the start arrives last", () => {
    // Prepare
    const events = [
      sfnStatus(id, { status: "TIMED_OUT", stopMs: 900 }),
      sfnStatus(id, { status: "RUNNING" }),
    ];

    // Act
    const document = replay(events, id);

    // Assess
    expect([document.status, document.stoppedAt, document.durationMs]).toEqual([
      "TIMED_OUT",
      at(900),
      900,
    ]);
  });

  it("records the execution's input from a status change whose input is the state built at the start", () => {
    // Prepare: the API starts executions with `{input, context, steps}` (execution-state.ts)
    const input = { orderId: "o-9", amount: 7 };
    const events = [
      sfnStatus("built-1", {
        status: "RUNNING",
        input: initialState("built-1", input, "2026-01-01T00:00:00.000Z"),
      }),
    ];

    // Act
    const document = replay(events, "built-1");

    // Assess
    expect(document.input).toStrictEqual(input);
  });

  it("keeps the trace the start joined until a call reports the trace it sent, whatever the order", () => {
    // Prepare
    const started = startDelta("tr-1", orderWorkflow, {}, at(0), {
      traceId: "11111111111111111111111111111111",
    });
    const call = observe(
      stepEvent("Step Succeeded", "tr-1", {
        stepId: "reserve",
        startMs: 10,
        endMs: 20,
        traceId: SAGA_TRACE_ID,
      }),
      catalogue,
    );
    if (call.kind !== "observed") throw new Error("step event not observed");

    // Act
    const before = toDocument(started, orderWorkflow).traceId;
    const after = [merge(started, call.delta), merge(call.delta, started)].map(
      (state) => toDocument(state, orderWorkflow).traceId,
    );

    // Assess
    expect([before, ...after]).toEqual([
      "11111111111111111111111111111111",
      SAGA_TRACE_ID,
      SAGA_TRACE_ID,
    ]);
  });

  it("records a child execution's parent as startedBy from the state its start names it in, not other claims", () => {
    // Prepare: a workflow step starts its child with the state the child-input task built
    const input = { orderId: "o-9", amount: 7 };
    const state = (startedBy: string) => {
      const built = initialState("kid-1", input, "2026-01-01T00:00:00.000Z");
      return { ...built, context: { ...built.context, startedBy } };
    };
    const child = [
      sfnStatus("kid-1", { status: "RUNNING", input: state("workflow:parent/exec-7") }),
      sfnStatus("kid-1", { status: "SUCCEEDED", input: state("workflow:parent/exec-7") }),
    ];
    // A start outside Baton's child step cannot claim to be an IAM principal that way.
    const forged = [
      sfnStatus("kid-2", { status: "RUNNING", input: state("arn:aws:iam::1:user/x") }),
    ];

    // Act
    const documents = [replay(child, "kid-1"), replay(forged, "kid-2")];

    // Assess
    expect(documents.map((d) => [d.startedBy, d.input])).toStrictEqual([
      ["workflow:parent/exec-7", input],
      ["unknown", input],
    ]);
  });

  it("unwraps a Lambda error envelope in the cause to find the failed step", () => {
    // Prepare
    const cause = JSON.stringify({
      errorType: "Baton.ServiceError",
      errorMessage: JSON.stringify({ message: "HTTP 503", step: "charge" }),
      trace: [],
    });
    const events = [
      ...base,
      sfnStatus(id, { status: "FAILED", error: "Baton.ServiceError", cause }),
    ];

    // Act
    const document = replay(events, id);

    // Assess
    expect(document.error).toEqual({
      name: "Baton.ServiceError",
      message: "HTTP 503",
      step: "charge",
    });
  });
});

describe("steps without step events", () => {
  it("marks unconditional non-call steps of a successful execution SUCCEEDED, conditional ones SKIPPED", () => {
    // Prepare: the order workflow plus an emit step that always runs and one behind a `when`
    const withEmits = {
      ...orderWorkflow,
      steps: [
        ...orderWorkflow.steps,
        {
          id: "announce",
          kind: "emit",
          scope: "/",
          dependsOn: ["ship"],
          reads: [],
          unconditional: true,
        },
        {
          id: "maybe",
          kind: "emit",
          scope: "/",
          dependsOn: ["announce"],
          reads: [],
          unconditional: false,
        },
      ],
    } as const;
    const id = "exec-emits";
    let state: RecordState = { id };
    for (const event of [
      sfnStatus(id, { status: "RUNNING" }),
      sfnStatus(id, { status: "SUCCEEDED", stopMs: 10 }),
    ]) {
      const observation = observe(event, catalogue);
      if (observation.kind === "observed") state = merge(state, observation.delta);
    }

    // Act
    const document = toDocument(state, withEmits as never);

    // Assess
    expect(document.steps.map((s) => [s.id, s.status])).toEqual([
      ["reserve", "SKIPPED"],
      ["charge", "SKIPPED"],
      ["ship", "SKIPPED"],
      ["announce", "SUCCEEDED"],
      ["maybe", "SKIPPED"],
    ]);
  });
});

describe("redrive runs on Step Functions", () => {
  it("folds the status of <id>--redrive-<n> into the original record, keeping its input", () => {
    // Prepare
    const id = "exec-redriven";
    const events = [
      sfnStatus(id, { status: "RUNNING", input: { orderId: "o-1", amount: 42 } }),
      sfnStatus(id, { status: "FAILED", stopMs: 100, error: "Baton.ServiceError", cause: "down" }),
      sfnStatus(`${id}--redrive-1700000000000`, {
        status: "RUNNING",
        startMs: 5_000,
        input: { batonResume: { executionId: id } },
      }),
      sfnStatus(`${id}--redrive-1700000000000`, {
        status: "SUCCEEDED",
        stopMs: 6_000,
        output: { charge: "c-1" },
      }),
    ];

    // Act
    const expected = replay(events, id);

    // Assess
    expect([expected.id, expected.status, expected.error, expected.output, expected.input]).toEqual(
      [id, "SUCCEEDED", null, { charge: "c-1" }, { orderId: "o-1", amount: 42 }],
    );
    fc.assert(
      fc.property(deliveries(events), (delivered) => {
        expect(replay(delivered, id)).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });
});

describe("steps re-run by a redrive", () => {
  it("shows a compensated step SUCCEEDED again once a later redrive ran it, in any delivery order", () => {
    // Prepare: reserve succeeded, was compensated, then ran again in redrive 7
    const id = "exec-rerun";
    const events = [
      sfnStatus(id, { status: "RUNNING" }),
      stepEvent("Step Started", id, { stepId: "reserve", startMs: 10 }),
      stepEvent("Step Succeeded", id, { stepId: "reserve", startMs: 10, endMs: 20 }),
      stepEvent("Step Compensated", id, {
        stepId: "reserve",
        mode: "compensate",
        startMs: 50,
        endMs: 60,
      }),
      sfnStatus(id, { status: "FAILED", stopMs: 100, error: "Baton.ClientError", cause: "no" }),
      stepEvent("Step Started", id, { stepId: "reserve", startMs: 1_000, redriveCount: 7 }),
      stepEvent("Step Succeeded", id, {
        stepId: "reserve",
        startMs: 1_000,
        endMs: 1_010,
        redriveCount: 7,
      }),
    ];

    // Act
    const expected = replay(events, id);

    // Assess
    expect(expected.steps.find((s) => s.id === "reserve")?.status).toBe("SUCCEEDED");
    fc.assert(
      fc.property(deliveries(events), (delivered) => {
        expect(replay(delivered, id)).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });
});

describe("compensation after a successful redrive", () => {
  it("shows no compensation once a redrive succeeded, whatever the order (the COMPLETED of the first run is stale)", () => {
    // Prepare: the first run failed and compensated; redrive 1 ran every step and succeeded
    const id = "exec-redriven-ok";
    const events = [
      ...failedSagaEvents(id),
      sfnStatus(id, { status: "RUNNING", redriveCount: 1, startMs: 10_000 }),
      ...["reserve", "charge", "ship"].flatMap((stepId, i) => [
        stepEvent("Step Started", id, { stepId, startMs: 10_100 + i * 100, redriveCount: 1 }),
        stepEvent("Step Succeeded", id, {
          stepId,
          startMs: 10_100 + i * 100,
          endMs: 10_150 + i * 100,
          redriveCount: 1,
        }),
      ]),
      sfnStatus(id, { status: "SUCCEEDED", redriveCount: 1, startMs: 10_000, stopMs: 11_000 }),
    ];

    // Act
    const expected = replay(events, id);

    // Assess
    expect([expected.status, expected.compensation, expected.stepsCompleted]).toEqual([
      "SUCCEEDED",
      "NONE",
      3,
    ]);
    fc.assert(
      fc.property(deliveries(events), (delivered) => {
        expect(replay(delivered, id)).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });
});
