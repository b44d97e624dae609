import { describe, expect, it } from "vitest";
import { observe, parseCause } from "../../../lib/runtime/records/observe.ts";
import { batonEvent, catalogue } from "./fixtures.ts";

describe("parseCause", () => {
  it("unwraps a Baton failure whose message is a Lambda error envelope of a service-call failure", () => {
    // Prepare: what a compiled workflow's Fail state reports after a call failed in AWS
    const failure = JSON.stringify({ message: "service returned 404", step: "ship", status: 404 });
    const envelope = JSON.stringify({
      errorType: "Baton.ClientError",
      errorMessage: failure,
      trace: ["at x"],
    });
    const cause = JSON.stringify({ name: "Baton.ClientError", message: envelope, step: "ship" });

    // Act
    const parsed = parseCause(cause);

    // Assess
    expect(parsed).toEqual({ message: "service returned 404", step: "ship" });
  });

  it("reads the step and the message of a failure recorded from a caught error", () => {
    // Prepare: the cause a compiled failure record builds, {Error, Cause, step}
    const envelope = JSON.stringify({
      errorType: "Baton.Timeout",
      errorMessage: JSON.stringify({ message: "no answer in 5 s {x}", step: "last" }),
      trace: [],
    });
    const timedOut = { Error: "States.Timeout", Cause: "Task timed out", step: "pay" };

    // Act / Assess
    expect(
      parseCause(JSON.stringify({ Error: "Baton.Timeout", Cause: envelope, step: "last" })),
    ).toEqual({ message: "no answer in 5 s {x}", step: "last" });
    expect(parseCause(JSON.stringify(timedOut))).toEqual({
      message: "Task timed out",
      step: "pay",
    });
  });

  it("keeps plain text causes as the message", () => {
    expect(parseCause("boom")).toEqual({ message: "boom" });
    expect(
      parseCause(JSON.stringify({ name: "Order.Rejected", message: "too big", step: "stop" })),
    ).toEqual({
      message: "too big",
      step: "stop",
    });
  });
});

describe("compensation events", () => {
  it("are recorded and listed with the failure's message decoded, not its raw cause", () => {
    // Prepare: the recorded failure as a compiled workflow publishes it (message = caught Cause)
    const failure = JSON.stringify({
      message: 'HTTP 400: no "address"',
      step: "ship",
      status: 400,
    });
    const cause = JSON.stringify({
      errorType: "Baton.ClientError",
      errorMessage: failure,
      trace: [],
    });
    const event = batonEvent(
      "Compensation Started",
      "exec-1",
      { error: { name: "Baton.ClientError", message: cause, step: "ship" } },
      100,
    );

    // Act
    const observed = observe(event, catalogue);

    // Assess
    if (observed.kind !== "observed") throw new Error(`not observed: ${JSON.stringify(observed)}`);
    expect((observed.event.detail as { error: unknown }).error).toEqual({
      name: "Baton.ClientError",
      message: 'HTTP 400: no "address"',
      step: "ship",
    });
  });
});
