import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../../lib/core/compile.ts";
import { stringifyKeys } from "../../lib/local/engine.ts";
import { prepareMachine } from "../../lib/local/machine.ts";
import { call, sequential, workflow } from "../support/workflows.ts";

describe("the local States.JsonToString stand-in", () => {
  it("takes over failure records whose cause is JsonToString of an intrinsic, nested keys included", () => {
    // Prepare: a compensable call (its uncertain record builds the failure inside the state)
    const asl = compileWorkflow(workflow(sequential([call("a", { compensate: {} }), call("b")])));

    // Act
    const prepared = prepareMachine("json-to-string", asl);

    // Assess
    expect(prepared.tasks.get("b#failed")).toMatchObject({
      kind: "jsonToString",
      stringify: [["Cause"]],
    });
    expect(prepared.tasks.get("a#uncertain")).toMatchObject({
      kind: "jsonToString",
      stringify: [["failure", "Cause"]],
    });
  });

  it("writes the values at the given paths as exact JSON text, backslashes kept", () => {
    // Prepare: what the library evaluated the inner expressions to
    const cause = {
      Error: "Baton.Timeout",
      Cause: '{"errorMessage":"{\\"step\\":\\"a\\"}"}',
      step: "a",
    };
    const input = { steps: { a: { uncertain: true } }, failure: { name: "Baton.Timeout", cause } };

    // Act
    const result = stringifyKeys(input, [["failure", "cause"]]);

    // Assess
    expect(JSON.parse(String((result.failure as { cause: unknown }).cause))).toStrictEqual(cause);
    expect(input.failure.cause).toBe(cause);
  });
});
