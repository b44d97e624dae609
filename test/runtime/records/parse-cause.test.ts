import { describe, expect, it } from "vitest";
import { parseCause } from "../../../lib/runtime/records/observe.ts";

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
