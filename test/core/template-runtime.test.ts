/**
 * Runs compiled payloads through aws-local-stepfunctions (with its ASL validation on) to check that
 * what the template compiler emits is accepted and evaluates to what the template means.
 */
import { StateMachine } from "aws-local-stepfunctions";
import { describe, expect, it } from "vitest";
import type { Json, JsonObject } from "../../lib/core/model.ts";
import { compilePayload } from "../../lib/core/template.ts";

const ctx = { workflowName: "orders", workflowVersion: 2 };

const state = {
  input: {
    orderId: "o-1",
    amount: 12.5,
    tags: ["a", "b"],
    customer: { name: "Ann O'Neil {x}" },
    "order-no": 7,
  },
  context: { executionId: "exec-1", startedAt: "2030-01-01T00:00:00Z" },
  steps: { reserve: { status: 201, body: { id: "r-9", lines: [{ sku: "s1" }] } } },
  item: { sku: "s2", qty: 3 },
  index: 4,
};

async function evaluate(template: JsonObject): Promise<unknown> {
  const machine = new StateMachine({
    StartAt: "P",
    States: { P: { Type: "Pass", Parameters: compilePayload(template, ctx), End: true } },
  } as never);
  return machine.run(state as never).result;
}

describe("compiled templates at runtime", () => {
  it.each<[string, Json, Json]>([
    ["a path keeps numbers", "{{ input.amount }}", 12.5],
    ["a path keeps objects", "{{ steps.reserve.body }}", { id: "r-9", lines: [{ sku: "s1" }] }],
    ["a hyphenated key", "{{ input.order-no }}", 7],
    ["a quoted key", "{{ input['order-no'] }}", 7],
    [
      "context values",
      "{{ execution.id }} at {{ execution.startedAt }}",
      "exec-1 at 2030-01-01T00:00:00Z",
    ],
    ["map bindings", "{{ item.sku }}#{{ index }}", "s2#4"],
    [
      "mixed text with reserved characters",
      "it's {{ input.orderId }} {ok} (#{{ index }})",
      "it's o-1 {ok} (#4)",
    ],
    ["values with reserved characters", "to {{ input.customer.name }}", "to Ann O'Neil {x}"],
    [
      "constants",
      "{{ workflow.name }} v{{ workflow.version }} {{ input.orderId }}",
      "orders v2 o-1",
    ],
    [
      "arrays of paths and literals",
      ["{{ input.orderId }}", "n-{{ index }}", "it's", 1, -2, true, null, 2.5],
      ["o-1", "n-4", "it's", 1, -2, true, null, 2.5],
    ],
    [
      "arrays with JSON literals",
      ["{{ index }}", { k: [1, "x"] }, [1, 2]],
      [4, { k: [1, "x"] }, [1, 2]],
    ],
    ["nested arrays", [["{{ input.tags }}"], "{{ item }}"], [[["a", "b"]], { sku: "s2", qty: 3 }]],
    [
      "arrays of objects",
      [{ sku: "{{ item.sku }}", qty: "{{ item.qty }}" }, { sku: "x" }],
      [{ sku: "s2", qty: 3 }, { sku: "x" }],
    ],
  ])("evaluates %s", async (_name, template, expected) => {
    // Act
    const result = await evaluate({ value: template, nested: { value: template } });

    // Assess
    expect(result).toEqual({ value: expected, nested: { value: expected } });
  });
});
