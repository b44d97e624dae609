/**
 * Runs compiled conditions as Choice states in aws-local-stepfunctions to check the documented
 * semantics: guarded comparisons are false (not errors) on missing or wrongly-typed values.
 */
import { StateMachine } from "aws-local-stepfunctions";
import { describe, expect, it } from "vitest";
import { compileCondition, parseCondition } from "../../lib/core/condition.ts";

/** One machine per condition: building one validates it (asl-validator), the slow part. */
const machines = new Map<string, StateMachine>();

function machineFor(when: string): StateMachine {
  const built = machines.get(when);
  if (built !== undefined) return built;
  const parsed = parseCondition(when);
  if ("error" in parsed) throw new Error(parsed.error);
  const machine = new StateMachine({
    StartAt: "Test",
    States: {
      Test: {
        Type: "Choice",
        Choices: [{ ...compileCondition(parsed.condition), Next: "Yes" }],
        Default: "No",
      },
      Yes: { Type: "Pass", Result: "yes", End: true },
      No: { Type: "Pass", Result: "no", End: true },
    },
  } as never);
  machines.set(when, machine);
  return machine;
}

async function holds(when: string, input: Record<string, unknown>): Promise<boolean> {
  return (await machineFor(when).run({ input } as never).result) === "yes";
}

describe("compiled conditions at runtime", () => {
  it.each<[string, Record<string, unknown>, boolean]>([
    ["input.n < 100", { n: 5 }, true],
    ["input.n < 100", { n: 500 }, false],
    ["input.n < 100", {}, false],
    ["input.n < 100", { n: "5" }, false],
    ["input.n != 5", {}, true],
    ["input.n != 5", { n: 5 }, false],
    ["100 > input.n", { n: 5 }, true],
    ["input.s == 'it\\'s'", { s: "it's" }, true],
    ["input.s < 'b'", { s: "a" }, true],
    ["input.s < 'b'", { s: 1 }, false],
    ["input.b == true", { b: true }, true],
    ["input.b == true", { b: "true" }, false],
    ["input.x == null", {}, true],
    ["input.x == null", { x: null }, true],
    ["input.x == null", { x: 0 }, false],
    ["input.x != null", { x: 0 }, true],
    ["exists input.x", { x: false }, true],
    ["exists input.x", { x: null }, false],
    ["exists input.x", {}, false],
    ["exists input.a.b", { a: 1 }, false],
    ["input['order-no'] >= 7", { "order-no": 7 }, true],
    ["not exists input.a and input.n > 1 or input.s == 'x'", { n: 2 }, true],
    ["not exists input.a and input.n > 1 or input.s == 'x'", { a: 1, s: "x" }, true],
    ["not exists input.a and (input.n > 1 or input.s == 'x')", { a: 1, s: "x" }, false],
  ])("%s with %j is %s", async (when, input, expected) => {
    expect(await holds(when, input)).toBe(expected);
  });
});
