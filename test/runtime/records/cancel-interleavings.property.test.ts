/**
 * Records of cancelled executions over random scenarios (where the cancel lands, what the call in
 * flight does after it, compensation asked or not and whether an undo fails, a redrive or a
 * parked-await cancel instead) delivered in random order with duplicates: the document is the same
 * for every delivery, no step stays RUNNING, and `compensation` is terminal and truthful.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toDocument } from "../../../lib/runtime/records/derive.ts";
import type {
  CompensationStatus,
  ExecutionDocument,
  StepStatus,
} from "../../../lib/runtime/records/document.ts";
import { cancelDelta, observe } from "../../../lib/runtime/records/observe.ts";
import { merge, type RecordState } from "../../../lib/runtime/records/state.ts";
import { batonEvent, catalogue, orderWorkflow, sfnStatus, stepEvent } from "./fixtures.ts";

const STEPS = ["reserve", "charge", "ship"] as const;
const COMPENSABLE = new Set(["reserve", "charge"]);

interface Scenario {
  /** Index of the step in flight (or, for `parked`, the step after the await) when the cancel lands. */
  readonly at: 0 | 1 | 2;
  /** What the call in flight does: aborted by the stop, answers after it, never reports (AWS). */
  readonly inFlight: "aborted" | "late-success" | "silent" | "parked";
  readonly compensate: boolean;
  readonly undoFails: boolean;
  /** A plain cancel followed by a successful redrive. */
  readonly redrive: boolean;
}

const scenarios: fc.Arbitrary<Scenario> = fc.record({
  at: fc.constantFrom(0 as const, 1 as const, 2 as const),
  inFlight: fc.constantFrom(
    "aborted" as const,
    "late-success" as const,
    "silent" as const,
    "parked" as const,
  ),
  compensate: fc.boolean(),
  undoFails: fc.boolean(),
  redrive: fc.boolean(),
});

const ID = "exec-c";
const STOP = 1_000;

/** Every event the scenario produces, plus the API's cancel delta, and the expected outcome. */
function play(s: Scenario): {
  readonly events: unknown[];
  readonly deltas: RecordState[];
  readonly status: ExecutionDocument["status"];
  readonly compensation: CompensationStatus;
  readonly steps: readonly StepStatus[];
} {
  const events: unknown[] = [sfnStatus(ID, { status: "RUNNING" })];
  const ran = s.at;
  STEPS.slice(0, ran).forEach((stepId, i) => {
    events.push(stepEvent("Step Started", ID, { stepId, startMs: 10 + i * 100 }));
    events.push(
      stepEvent("Step Succeeded", ID, { stepId, startMs: 10 + i * 100, endMs: 60 + i * 100 }),
    );
  });
  const steps: StepStatus[] = STEPS.map((_, i) => (i < ran ? "SUCCEEDED" : "PENDING"));
  const inFlight = s.inFlight === "parked" ? undefined : STEPS[s.at];
  if (inFlight !== undefined) {
    events.push(stepEvent("Step Started", ID, { stepId: inFlight, startMs: 500 }));
    if (s.inFlight === "aborted") {
      events.push(
        stepEvent("Step Failed", ID, {
          stepId: inFlight,
          startMs: 500,
          endMs: STOP + 5,
          error: { name: "Baton.Cancelled", message: "aborted", retryable: false },
        }),
      );
    } else if (s.inFlight === "late-success") {
      events.push(
        stepEvent("Step Succeeded", ID, { stepId: inFlight, startMs: 500, endMs: STOP + 5 }),
      );
    }
    steps[s.at] = s.inFlight === "late-success" ? "SUCCEEDED" : "FAILED";
  }
  const parked = s.inFlight === "parked";
  const compensating = s.compensate && !s.redrive;
  // (A plain cancel whose every step finished has nothing to redrive.)
  // A parked execution is failed with Baton.Cancelled and runs its own saga; otherwise it is
  // stopped, and the compensation run undoes the succeeded steps and the one in flight.
  // A saga whose undo failed ends with Baton.CompensationFailed (COMPENSATION_FAILED).
  const undo = STEPS.filter(
    (id, i) => COMPENSABLE.has(id) && (i < ran || (id === inFlight && i === s.at)),
  ).reverse();
  const selfFailed = parked && compensating && s.undoFails && undo.length > 0;
  events.push(
    parked && compensating
      ? sfnStatus(ID, {
          status: "FAILED",
          error: selfFailed ? "Baton.CompensationFailed" : "Baton.Cancelled",
          stopMs: STOP + 500,
        })
      : sfnStatus(ID, { status: "ABORTED", error: "Baton.Cancelled", stopMs: STOP }),
  );
  const deltas = [cancelDelta(ID, compensating)];
  let compensation: CompensationStatus = "NONE";
  let status: ExecutionDocument["status"] = selfFailed ? "COMPENSATION_FAILED" : "CANCELLED";
  if (compensating) {
    events.push(batonEvent("Compensation Started", ID, {}, STOP + 10));
    undo.forEach((stepId, n) => {
      const fails = s.undoFails && n === 0;
      const startMs = STOP + 20 + n * 10;
      events.push(stepEvent("Step Started", ID, { stepId, mode: "compensate", startMs }));
      events.push(
        fails
          ? stepEvent("Step Failed", ID, {
              stepId,
              mode: "compensate",
              attempt: 5,
              startMs,
              endMs: startMs + 5,
              error: { name: "Baton.ServiceError", message: "HTTP 500", retryable: true },
            })
          : stepEvent("Step Compensated", ID, {
              stepId,
              mode: "compensate",
              startMs,
              endMs: startMs + 5,
            }),
      );
      steps[STEPS.indexOf(stepId)] = fails ? "COMPENSATION_FAILED" : "COMPENSATED";
    });
    const failed = s.undoFails && undo.length > 0;
    events.push(
      failed
        ? batonEvent("Compensation Failed", ID, { stepId: undo[0] }, STOP + 90)
        : batonEvent("Compensation Completed", ID, {}, STOP + 90),
    );
    const leftUncertain =
      inFlight !== undefined && s.inFlight !== "late-success" && !COMPENSABLE.has(inFlight);
    compensation = failed ? "FAILED" : leftUncertain ? "UNCERTAIN" : "COMPLETED";
  }
  // The redrive resumes at the first step that did not succeed and runs to the end.
  const from = steps.findIndex((x) => x !== "SUCCEEDED");
  if (s.redrive && from >= 0) {
    events.push(sfnStatus(`${ID}--redrive-1`, { status: "RUNNING", startMs: 3_000 }));
    STEPS.slice(from).forEach((stepId, i) => {
      const startMs = 3_010 + i * 100;
      events.push(stepEvent("Step Started", ID, { stepId, startMs, redriveCount: 1 }));
      events.push(
        stepEvent("Step Succeeded", ID, { stepId, startMs, endMs: startMs + 50, redriveCount: 1 }),
      );
      steps[from + i] = "SUCCEEDED";
    });
    events.push(
      sfnStatus(`${ID}--redrive-1`, { status: "SUCCEEDED", startMs: 3_000, stopMs: 4_000 }),
    );
    status = "SUCCEEDED";
    compensation = "NONE";
  }
  return { events, deltas, status, compensation, steps };
}

function replay(events: readonly unknown[], deltas: readonly RecordState[]): ExecutionDocument {
  let state: RecordState = { id: ID };
  for (const delta of deltas) state = merge(state, delta);
  for (const event of events) {
    const observation = observe(event, catalogue);
    if (observation.kind === "observed") state = merge(state, observation.delta);
  }
  return toDocument(state, orderWorkflow);
}

/** The events in a random order, some delivered twice. */
const delivered = (events: readonly unknown[]) =>
  fc
    .tuple(
      fc.array(fc.nat(events.length - 1), { maxLength: events.length }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), {
        minLength: events.length * 2,
        maxLength: events.length * 2,
      }),
    )
    .map(([duplicates, keys]) =>
      [...events, ...duplicates.map((i) => events[i])]
        .map((event, i) => ({ event, key: keys[i] ?? 0 }))
        .sort((a, b) => a.key - b.key)
        .map((x) => x.event),
    );

describe("records of cancel, redrive and signal interleavings", () => {
  it("derive one truthful document for every scenario, whatever the delivery order", () => {
    fc.assert(
      fc.property(
        scenarios.chain((s) => fc.tuple(fc.constant(s), delivered(play(s).events))),
        ([s, order]) => {
          // Prepare
          const expected = play(s);

          // Act
          const inOrder = replay(expected.events, expected.deltas);
          const shuffled = replay(order, expected.deltas);

          // Assess
          expect(shuffled).toEqual(inOrder);
          expect({
            status: inOrder.status,
            compensation: inOrder.compensation,
            steps: inOrder.steps.map((x) => x.status),
          }).toEqual({
            status: expected.status,
            compensation: expected.compensation,
            steps: expected.steps,
          });
          expect(inOrder.steps.some((x) => x.status === "RUNNING")).toBe(false);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("names the cancel on a call that was in flight when the execution stopped", () => {
    // Prepare
    const { events, deltas } = play({
      at: 1,
      inFlight: "silent",
      compensate: false,
      undoFails: false,
      redrive: false,
    });

    // Act
    const document = replay(events, deltas);

    // Assess
    expect([document.compensation, document.steps[1]]).toEqual([
      "NONE",
      {
        id: "charge",
        status: "FAILED",
        attempts: 1,
        startedAt: "2026-11-22T10:00:00.500Z",
        error: {
          name: "Baton.Cancelled",
          message:
            "The call was in flight when the execution stopped (CANCELLED); its outcome is unknown.",
        },
      },
    ]);
  });

  it("ends compensation NONE for a parked execution cancelled with compensation that had nothing to undo", () => {
    // Prepare: the await failed with Baton.Cancelled; the workflow's own saga had nothing to run
    const events = [
      sfnStatus(ID, { status: "RUNNING" }),
      sfnStatus(ID, { status: "FAILED", error: "Baton.Cancelled", stopMs: STOP }),
    ];

    // Act
    const document = replay(events, [cancelDelta(ID, true)]);

    // Assess
    expect([document.status, document.compensation]).toEqual(["CANCELLED", "NONE"]);
  });

  it("keeps compensation PENDING while a stopped execution's compensation run has not reported", () => {
    // Prepare
    const events = [
      sfnStatus(ID, { status: "RUNNING" }),
      sfnStatus(ID, { status: "ABORTED", error: "Baton.Cancelled", stopMs: STOP }),
    ];

    // Act
    const document = replay(events, [cancelDelta(ID, true)]);

    // Assess
    expect([document.status, document.compensation]).toEqual(["CANCELLED", "PENDING"]);
  });
});

describe("records of map items", () => {
  const itemEvent = (
    type: "Step Started" | "Step Succeeded" | "Step Failed" | "Step Compensated",
    itemPath: string,
    startMs: number,
    mode: "call" | "compensate" = "call",
  ) => {
    const event = stepEvent(type, ID, {
      stepId: "charge",
      mode,
      startMs,
      ...(type === "Step Started" ? {} : { endMs: startMs + 10 }),
      ...(type === "Step Failed"
        ? { error: { name: "Baton.ClientError", message: "HTTP 400", retryable: false } }
        : {}),
    });
    return { ...event, detail: { ...event.detail, itemPath } };
  };

  it("gives each item its own entry after its step, and the step the items' worst outcome", () => {
    // Prepare: item 0 succeeded then was compensated, item 1 failed
    const events = [
      sfnStatus(ID, { status: "RUNNING" }),
      itemEvent("Step Started", "lines[0]", 10),
      itemEvent("Step Succeeded", "lines[0]", 10),
      itemEvent("Step Started", "lines[1]", 20),
      itemEvent("Step Failed", "lines[1]", 20),
      itemEvent("Step Compensated", "lines[0]", 40, "compensate"),
      batonEvent("Compensation Completed", ID, {}, 60),
      sfnStatus(ID, { status: "FAILED", error: "Baton.ClientError", stopMs: 70 }),
    ];

    // Act
    const document = replay(events, []);

    // Assess
    expect(document.steps.map((s) => `${s.id}:${s.status}`)).toEqual([
      "reserve:PENDING",
      "charge:FAILED",
      "lines[0].charge:COMPENSATED",
      "lines[1].charge:FAILED",
      "ship:PENDING",
    ]);
    expect([document.totalSteps, document.stepsCompleted]).toEqual([3, 0]);
  });
});
