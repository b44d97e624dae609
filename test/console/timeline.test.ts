/** Attempts and compensation order from an execution's events (shapes as `baton dev` records them). */
import { describe, expect, it } from "vitest";
import { attemptsOf, barPosition, compensationOrder } from "../../lib/console/web/timeline.ts";
import type { ExecutionEvent } from "../../lib/runtime/records/document.ts";

let n = 0;
function step(
  type: string,
  stepId: string,
  attempt: number,
  mode: "call" | "compensate",
  startedAt: string,
  endedAt: string | null,
  extra: Record<string, unknown> = {},
): ExecutionEvent {
  n += 1;
  return {
    id: `e${n}`,
    time: endedAt ?? startedAt,
    source: "baton",
    type,
    stepId,
    attempt,
    detail: { stepId, mode, attempt, startedAt, endedAt, instance: null, status: null, ...extra },
  };
}

const T = (ms: number) => new Date(Date.UTC(2026, 11, 4, 8, 0, 0, ms)).toISOString();

/** A saga whose `charge` is retried once and whose `ship` fails, so charge and reserve are undone. */
const EVENTS: ExecutionEvent[] = [
  step("Step Started", "reserve", 1, "call", T(0), null),
  step("Step Succeeded", "reserve", 1, "call", T(0), T(10), { instance: "inv-a", status: 201 }),
  step("Step Started", "charge", 1, "call", T(11), null),
  step("Step Failed", "charge", 1, "call", T(11), T(30), {
    status: 503,
    error: { name: "Baton.ServiceError", message: "HTTP 503" },
  }),
  step("Step Started", "charge", 2, "call", T(400), null),
  step("Step Retried", "charge", 2, "call", T(400), null),
  step("Step Succeeded", "charge", 2, "call", T(400), T(420), { status: 201 }),
  step("Step Started", "ship", 1, "call", T(421), null),
  step("Step Failed", "ship", 1, "call", T(421), T(440), { status: 400 }),
  { id: "c1", time: T(441), source: "baton", type: "Compensation Started", detail: {} },
  step("Step Started", "charge", 1, "compensate", T(442), null),
  step("Step Compensated", "charge", 1, "compensate", T(442), T(450)),
  step("Step Started", "reserve", 1, "compensate", T(451), null),
  step("Step Compensated", "reserve", 1, "compensate", T(451), T(460)),
];

describe("attemptsOf", () => {
  it("pairs each start with its outcome per step, mode and attempt", () => {
    // Act: events arrive in any order
    const attempts = attemptsOf([...EVENTS].reverse());

    // Assess
    expect(attempts.map((a) => [a.stepId, a.mode, a.attempt, a.outcome, a.httpStatus])).toEqual([
      ["reserve", "call", 1, "succeeded", 201],
      ["charge", "call", 1, "failed", 503],
      ["charge", "call", 2, "succeeded", 201],
      ["ship", "call", 1, "failed", 400],
      ["charge", "compensate", 1, "compensated", undefined],
      ["reserve", "compensate", 1, "compensated", undefined],
    ]);
    expect(attempts[1]?.error).toBe("Baton.ServiceError: HTTP 503");
    expect(attempts[0]?.instance).toBe("inv-a");
  });

  it("keeps an attempt with no outcome yet as running", () => {
    const [only] = attemptsOf([step("Step Started", "ship", 1, "call", T(0), null)]);

    expect(only).toEqual({
      stepId: "ship",
      mode: "call",
      attempt: 1,
      startedAt: T(0),
      outcome: "running",
    });
  });
});

describe("compensationOrder", () => {
  it("lists undone steps in the order they finished", () => {
    expect(compensationOrder(EVENTS)).toEqual(["charge", "reserve"]);
    expect(compensationOrder(EVENTS.slice(0, 9))).toEqual([]);
  });
});

describe("barPosition", () => {
  const axis = { start: Date.parse(T(0)), end: Date.parse(T(1000)) };

  it("places an attempt in percent of the execution's span", () => {
    expect(barPosition(T(250), T(500), axis)).toEqual({ left: 25, width: 25 });
  });

  it("runs an unfinished attempt to the end and keeps a zero-length one visible", () => {
    expect(barPosition(T(900), undefined, axis)).toEqual({ left: 90, width: 10 });
    expect(barPosition(T(1000), T(1000), axis).width).toBeGreaterThan(0);
  });
});
