/**
 * A `workflow` step's child starts only with input its schema accepts, in the harness as in AWS
 * (the compiled child-input Task runs the start-execution handler's check). A refused child fails
 * the step with `Baton.ChildWorkflowFailed`, never runs, and the parent compensates.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness, type ServiceHandler } from "../../lib/local/harness.ts";

const ok: ServiceHandler = (request) => ({
  status: 201,
  body: { id: request.path, got: request.body ?? null },
});

const PARENT = `
workflow: gift-order
input:
  type: object
  required: [orderId]
  properties: { orderId: { type: string }, quantity: { type: integer } }
steps:
  - id: reserve
    call: svc POST /reservations
    compensate: { call: svc DELETE /reservations }
  - id: wrap
    workflow:
      name: gift-wrap
      input: { orderId: "{{ input.orderId }}", quantity: "{{ input.quantity ?? 1 }}" }
`;
const CHILD = `
workflow: gift-wrap
input:
  type: object
  required: [orderId, quantity]
  properties:
    orderId: { type: string }
    quantity: { type: integer, minimum: 1 }
    paper: { type: string, default: plain }
steps:
  - id: wrap_it
    call: svc POST /wraps
    with: { paper: "{{ input.paper }}", n: "{{ input.quantity }}" }
output: { paper: "{{ input.paper }}" }
`;

describe("flows: child-workflow input checked before the child starts", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await createHarness({ workflow: PARENT, children: [CHILD], services: { svc: ok } });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it("starts the child with the resolved input and its schema defaults", async () => {
    // Act
    const { execution, calls } = await harness.run({ orderId: "o-1" });
    // Assess
    expect(execution.status).toEqual("SUCCEEDED");
    expect(execution.steps.map((s) => `${s.id}:${s.status}`)).toEqual([
      "reserve:SUCCEEDED",
      "wrap:SUCCEEDED",
    ]);
    expect(calls.svc?.map((c) => `${c.method} ${c.path} ${JSON.stringify(c.body)}`)).toEqual([
      "POST /reservations undefined",
      'POST /wraps {"paper":"plain","n":1}',
    ]);
  });

  it("fails the step as Baton.ChildWorkflowFailed without starting the child, and compensates", async () => {
    // Act: quantity 0 violates the child's minimum
    const { execution, calls, events } = await harness.run({ orderId: "o-2", quantity: 0 });
    // Assess
    expect([execution.status, execution.compensation, execution.error?.name]).toEqual([
      "FAILED",
      "COMPLETED",
      "Baton.ChildWorkflowFailed",
    ]);
    expect(execution.error?.message).toContain(
      "The input does not match the input schema of gift-wrap: /input/quantity must be >= 1",
    );
    expect(execution.steps.map((s) => `${s.id}:${s.status}`)).toEqual([
      "reserve:COMPENSATED",
      "wrap:FAILED",
    ]);
    expect(calls.svc?.map((c) => `${c.method} ${c.path}`)).toEqual([
      "POST /reservations",
      "DELETE /reservations",
    ]);
    expect(events.map((e) => e.type)).toContain("Compensation Completed");
  });
});
