/**
 * The workflow test harness: compiled ASL and the real service-call handler in process, scripted
 * services, faults and signals, virtual clock.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createHarness,
  type Harness,
  HarnessLoadError,
  type ServiceHandler,
} from "../../lib/local/harness.ts";

const FIXTURES = join(import.meta.dirname, "fixtures", "workflows");

let counter = 0;
const created: ServiceHandler = (request) => ({
  status: 201,
  body: { id: `${request.path.split("/")[1]}-${++counter}`, status: "captured" },
});
const services = { inventory: created, payments: created, shipping: created, email: created };

describe("createHarness", () => {
  let saga: Harness;
  beforeAll(async () => {
    saga = await createHarness({ file: join(FIXTURES, "saga.yaml"), services });
  });
  afterAll(async () => {
    await saga.close();
  });

  it("runs a workflow file and reports the calls each service received", async () => {
    // Act
    const { execution, calls } = await saga.run({ orderId: "o-1", amount: 5 });
    // Assess
    expect(execution.status).toEqual("SUCCEEDED");
    expect([
      calls.inventory?.map((c) => `${c.method} ${c.path}`),
      calls.payments?.map((c) => c.body),
    ]).toEqual([["POST /reservations"], [{ orderId: "o-1", amount: 5 }]]);
  });

  it("retries after an injected 503 and counts the attempts", async () => {
    // Act
    const { execution, calls } = await saga.run(
      { orderId: "o-2", amount: 5 },
      { faults: [{ step: "charge", attempt: 1, status: 503 }] },
    );
    // Assess
    expect(execution.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([
      ["reserve", "SUCCEEDED", 1],
      ["charge", "SUCCEEDED", 2],
      ["ship", "SUCCEEDED", 1],
    ]);
    expect(calls.payments?.map((c) => c.attempt)).toEqual([2]);
  });

  it("compensates in reverse order after an injected non-retryable error", async () => {
    // Act
    const { execution, calls } = await saga.run(
      { orderId: "o-3", amount: 5 },
      { faults: [{ step: "ship", error: "Baton.ClientError" }] },
    );
    // Assess
    expect([execution.status, execution.compensation, execution.error?.name]).toEqual([
      "FAILED",
      "COMPLETED",
      "Baton.ClientError",
    ]);
    expect(calls.payments?.map((c) => `${c.mode} ${c.path}`)).toEqual([
      "call /charges",
      "compensate /refunds",
    ]);
    expect(calls.inventory?.map((c) => `${c.mode} ${c.method}`)).toEqual([
      "call POST",
      "compensate DELETE",
    ]);
    expect(calls.shipping).toEqual([]);
  });

  it("fails a step whose request is delayed past its timeout with Baton.Timeout", async () => {
    // Prepare
    const harness = await createHarness({
      workflow:
        "workflow: slow\nsteps:\n  - id: ping\n    call: email GET /ping\n    timeout: 1\n    retry: false\n",
      services,
    });
    // Act
    const { execution } = await harness.run({}, { faults: [{ step: "ping", delayMs: 1_500 }] });
    await harness.close();
    // Assess
    expect([execution.status, execution.error?.name]).toEqual(["FAILED", "Baton.Timeout"]);
  });

  it("resumes await steps with scripted signals and times them out at once otherwise", async () => {
    // Prepare
    const harness = await createHarness({ file: join(FIXTURES, "approval.yaml"), services });
    // Act
    const signalled = await harness.run({}, { signals: { approval: { amount: 9 } } });
    const unsignalled = await harness.run({});
    await harness.close();
    // Assess
    expect([signalled.execution.status, signalled.calls.payments?.[0]?.body]).toEqual([
      "SUCCEEDED",
      { amount: 9 },
    ]);
    expect([
      unsignalled.execution.status,
      unsignalled.execution.error?.name,
      unsignalled.execution.compensation,
    ]).toEqual(["FAILED", "Baton.SignalTimeout", "COMPLETED"]);
  });

  it("runs child workflows given as text", async () => {
    // Prepare
    const harness = await createHarness({
      workflow:
        "workflow: parent\nsteps:\n  - id: sub\n    workflow: { name: child, input: { n: 1 } }\n",
      children: ["workflow: child\nsteps:\n  - id: ping\n    call: email GET /ping\n"],
      services,
    });
    // Act
    const { execution, calls } = await harness.run({});
    await harness.close();
    // Assess
    expect([execution.status, calls.email?.map((c) => c.path)]).toEqual(["SUCCEEDED", ["/ping"]]);
  });

  it("fails when the workflow has errors, listing them", async () => {
    // Act
    const attempt = createHarness({ workflow: "workflow: broken\nsteps: []\n", services });
    // Assess
    await expect(attempt).rejects.toThrow(HarnessLoadError);
    await expect(attempt).rejects.toThrow(/workflow:2: E_STEPS_EMPTY/);
  });
});

describe("map items sending identical requests", () => {
  it("calls the service once per item, even when the items' requests are the same", async () => {
    // Prepare: the call does not depend on the item, and items run one at a time
    const harness = await createHarness({
      workflow: [
        "workflow: same-request-map",
        "steps:",
        "  - id: each",
        "    map:",
        '      items: "{{ input.lines }}"',
        "      maxConcurrency: 1",
        "      steps:",
        "        - id: price",
        "          call: pricing GET /prices",
      ].join("\n"),
      services: { pricing: () => ({ status: 200, body: { price: ++counter } }) },
    });

    // Act
    const { execution, calls } = await harness.run({ lines: [1, 2, 3] });
    await harness.close();

    // Assess
    expect(execution.status).toEqual("SUCCEEDED");
    expect(calls.pricing).toHaveLength(3);
  });
});
