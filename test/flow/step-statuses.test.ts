/**
 * True step statuses for every step kind (WORKFLOWS.md v2, "Execution statuses"): compiled ASL run
 * by the local engine with the real service-call handler and the records, through the harness.
 * Non-call steps publish no step events; their statuses come from the finished run's state trace.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness, type ServiceHandler } from "../../lib/local/harness.ts";

const ok: ServiceHandler = (request) => ({ status: 201, body: { id: request.path } });

const KINDS = `
workflow: every-kind
input:
  type: object
  properties: { tier: { type: string }, lines: { type: array }, ship: { type: boolean } }
steps:
  - id: first
    call: svc POST /first
  - id: route
    choice:
      cases:
        - when: "input.tier == 'gold'"
          steps:
            - { id: vip, call: svc POST /vip }
            - { id: vip_pause, wait: { seconds: 1 } }
      otherwise:
        - { id: normal, call: svc POST /normal }
  - id: pause
    wait: { seconds: 1 }
  - id: maybe_pause
    when: input.ship == true
    wait: { seconds: 1 }
  - id: maybe_call
    when: input.ship == true
    call: svc POST /ship
  - id: tell
    emit: { detailType: Order Told, detail: { n: 1 } }
  - id: fan
    parallel:
      - [ { id: left, call: svc POST /left } ]
      - [ { id: right, wait: { seconds: 1 } } ]
  - id: each
    map:
      items: "{{ input.lines }}"
      steps:
        - { id: price, call: "svc POST /price" }
  - id: approval
    await: { signal: approve, timeout: 60 }
  - id: done
    succeed: {}
`;

const FAILING = `
workflow: ends-failed
steps:
  - id: first
    call: svc POST /first
  - id: check
    choice:
      cases:
        - when: "input.reject == true"
          steps:
            - { id: reject, fail: { error: Order.Rejected, cause: too large } }
      otherwise:
        - { id: fine, wait: { seconds: 1 } }
  - id: after
    call: svc POST /after
`;

describe("flows: true step statuses", () => {
  let kinds: Harness;
  let failing: Harness;
  beforeAll(async () => {
    kinds = await createHarness({ workflow: KINDS, services: { svc: ok } });
    failing = await createHarness({ workflow: FAILING, services: { svc: ok } });
  });
  afterAll(async () => {
    await kinds?.close();
    await failing?.close();
  });

  it("gives every step of a successful execution SUCCEEDED or SKIPPED, map items their own entries, and reads 100 %", async () => {
    // Act
    const { execution } = await kinds.run(
      { tier: "gold", lines: [{ sku: "a" }, { sku: "b" }], ship: false },
      { signals: { approve: { ok: true } } },
    );

    // Assess
    expect(execution.status).toEqual("SUCCEEDED");
    expect(Object.fromEntries(execution.steps.map((s) => [s.id, s.status]))).toEqual({
      first: "SUCCEEDED",
      route: "SUCCEEDED",
      vip: "SUCCEEDED",
      vip_pause: "SUCCEEDED",
      normal: "SKIPPED",
      pause: "SUCCEEDED",
      maybe_pause: "SKIPPED",
      maybe_call: "SKIPPED",
      tell: "SUCCEEDED",
      fan: "SUCCEEDED",
      left: "SUCCEEDED",
      right: "SUCCEEDED",
      each: "SUCCEEDED",
      price: "SUCCEEDED",
      // Each map item has its own entry.
      "each[0].price": "SUCCEEDED",
      "each[1].price": "SUCCEEDED",
      approval: "SUCCEEDED",
      done: "SUCCEEDED",
    });
    expect([execution.stepsCompleted, execution.totalSteps]).toEqual([16, 16]);
  });

  it("skips the other case and the steps inside a map with no items", async () => {
    // Act
    const { execution } = await kinds.run(
      { tier: "basic", lines: [], ship: true },
      { signals: { approve: { ok: true } } },
    );

    // Assess
    const status = Object.fromEntries(execution.steps.map((s) => [s.id, s.status]));
    expect([
      status.vip,
      status.vip_pause,
      status.normal,
      status.maybe_pause,
      status.maybe_call,
      status.each,
      status.price,
    ]).toEqual([
      "SKIPPED",
      "SKIPPED",
      "SUCCEEDED",
      "SUCCEEDED",
      "SUCCEEDED",
      "SUCCEEDED",
      "SKIPPED",
    ]);
    expect(execution.stepsCompleted).toEqual(execution.totalSteps);
  });

  it("marks an await that timed out FAILED and leaves the steps after it PENDING", async () => {
    // Act: no signal is scripted, so the await times out at once
    const { execution } = await kinds.run({ tier: "gold", lines: [], ship: false });

    // Assess
    const status = Object.fromEntries(execution.steps.map((s) => [s.id, s.status]));
    expect([execution.status, status.approval, status.done, status.tell]).toEqual([
      "FAILED",
      "FAILED",
      "PENDING",
      "SUCCEEDED",
    ]);
  });

  it("marks a fail step FAILED, the choice holding it FAILED and what never ran PENDING", async () => {
    // Act
    const { execution } = await failing.run({ reject: true });

    // Assess
    expect([
      execution.status,
      execution.error?.name,
      execution.steps.map((s) => `${s.id}:${s.status}`),
    ]).toEqual([
      "FAILED",
      "Order.Rejected",
      ["first:SUCCEEDED", "check:FAILED", "reject:FAILED", "fine:SKIPPED", "after:PENDING"],
    ]);
  });
});
