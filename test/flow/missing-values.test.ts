/**
 * Templates that read absent values (WORKFLOWS.md v2, "Defaults and missing values"): the step that
 * reads one fails with Baton.TemplateError, not retried, and compensation runs; `??` gives defaults.
 * The compiled ASL runs in the local engine; calls resolve their templates as the handler does.
 */
import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../../lib/core/compile.ts";
import type { ServiceCallRequest } from "../../lib/core/contract.ts";
import type { Workflow } from "../../lib/core/model.ts";
import { type FakeService, type FlowResult, runFlow } from "../support/flow.ts";
import { workflowFromYaml } from "../support/load-yaml.ts";

const TIMEOUT = 60_000;

function load(yaml: string): Workflow {
  return workflowFromYaml(yaml, "test.yaml");
}

const ok: FakeService = (req) => ({ body: { id: `${req.stepId}-1` } });
const trace = (calls: ServiceCallRequest[]) =>
  calls.map((c) => `${c.mode === "call" ? "" : "undo "}${c.stepId}`);
/** The Fail's cause, `{Error, Cause, step}`, as `{name, message, step}`. */
const failure = (result: FlowResult) => {
  const {
    Error: name,
    Cause: message,
    step,
  } = JSON.parse(result.cause ?? "{}") as Record<string, unknown>;
  return { name, message, step };
};

const saga = (third: string, extra = "") =>
  load(`
workflow: missing
input: { type: object, properties: { orderId: { type: string }, coupon: { type: string } } }
steps:
  - id: reserve
    call: inventory POST /reservations
    with: { orderId: "{{ input.orderId }}" }
    compensate: inventory DELETE /reservations/{{ steps.reserve.body.id }}
  - id: charge
    call: payments POST /charges
    compensate: payments POST /refunds
${third}
${extra}`);

describe("templates reading absent values", () => {
  it(
    "fails the step with Baton.TemplateError naming the step and path, once, and compensates",
    async () => {
      // Prepare: the input has no coupon.
      const wf = saga(`  - id: apply
    call: coupons POST /apply
    with: { coupon: "{{ input.coupon }}" }`);

      // Act
      const result = await runFlow(
        compileWorkflow(wf),
        { orderId: "o-1" },
        { services: { inventory: ok, payments: ok, coupons: ok } },
      );

      // Assess
      expect(result.status).toBe("FAILED");
      expect(result.error).toBe("Baton.TemplateError");
      expect(failure(result)).toMatchObject({ name: "Baton.TemplateError", step: "apply" });
      expect(String(failure(result).message)).toContain("input.coupon");
      // The service never saw a request from apply; the earlier steps were undone in reverse.
      expect(trace(result.calls)).toEqual(["reserve", "charge", "undo charge", "undo reserve"]);
      expect(result.calls.find((c) => c.mode === "compensate")?.path).toBe("/refunds");
      expect(result.calls.at(-1)?.path).toBe("/reservations/reserve-1");
    },
    TIMEOUT,
  );

  it(
    "fails the step that reads a response field the service did not return, and compensates",
    async () => {
      const wf = saga(`  - id: ship
    call: shipping POST /shipments
    with: { charge: "{{ steps.charge.body.chargeId }}" }`);

      const result = await runFlow(
        compileWorkflow(wf),
        { orderId: "o-1" },
        { services: { inventory: ok, payments: ok, shipping: ok } },
      );

      expect(result.error).toBe("Baton.TemplateError");
      expect(failure(result)).toMatchObject({ step: "ship" });
      expect(String(failure(result).message)).toContain("steps.charge.body.chargeId");
      expect(trace(result.calls)).toEqual(["reserve", "charge", "undo charge", "undo reserve"]);
    },
    TIMEOUT,
  );

  it(
    "uses ?? defaults in calls, emits, and the output; mixed text too",
    async () => {
      const wf = saga(
        `  - id: apply
    call: coupons POST /apply/{{ input.region ?? 'eu' }}
    with: { coupon: "{{ input.coupon ?? 'none' }}", n: "{{ input.n ?? 0 }}", x: "{{ input.x ?? null }}" }
  - id: tell
    emit: { detailType: Applied, detail: { coupon: "{{ input.coupon ?? 'none' }}", gift: "{{ input.gift ?? false }}" } }`,
        `output: { coupon: "{{ input.coupon ?? 'none' }}", reserved: "{{ steps.reserve.body.id }}" }`,
      );

      const result = await runFlow(
        compileWorkflow(wf),
        { orderId: "o-1" },
        { services: { inventory: ok, payments: ok, coupons: ok } },
      );

      expect(result.status).toBe("SUCCEEDED");
      const apply = result.calls.find((c) => c.stepId === "apply");
      expect([apply?.path, apply?.body]).toEqual(["/apply/eu", { coupon: "none", n: 0, x: null }]);
      expect(result.events.find((e) => e.detailType === "Applied")?.detail).toMatchObject({
        coupon: "none",
        gift: false,
      });
      expect(result.output).toEqual({ coupon: "none", reserved: "reserve-1" });
    },
    TIMEOUT,
  );

  it(
    "uses the value, not the default, when it is present (null included)",
    async () => {
      const wf = saga(
        `  - id: tell
    emit: { detailType: Applied, detail: { coupon: "{{ input.coupon ?? 'none' }}" } }`,
        `output: { coupon: "{{ input.coupon ?? 'none' }}" }`,
      );

      const present = await runFlow(
        compileWorkflow(wf),
        { orderId: "o-1", coupon: "SAVE" },
        { services: { inventory: ok, payments: ok } },
      );
      const isNull = await runFlow(
        compileWorkflow(wf),
        { orderId: "o-1", coupon: null },
        { services: { inventory: ok, payments: ok } },
      );

      expect([present.output, isNull.output]).toEqual([{ coupon: "SAVE" }, { coupon: null }]);
      expect(present.events.find((e) => e.detailType === "Applied")?.detail).toMatchObject({
        coupon: "SAVE",
      });
    },
    TIMEOUT,
  );

  it(
    "uses the input schema's defaults for absent fields, in calls and elsewhere",
    async () => {
      const wf = load(`
workflow: defaults
input: { type: object, properties: { tier: { type: string, default: basic }, n: { type: integer, default: 2 } } }
steps:
  - id: rate
    call: pricing GET /rates/{{ input.tier }}
    with: { n: "{{ input.n }}" }
output: { tier: "{{ input.tier }}" }
`);

      const result = await runFlow(compileWorkflow(wf), {}, { services: { pricing: ok } });

      expect([result.calls[0]?.path, result.calls[0]?.body, result.output]).toEqual([
        "/rates/basic",
        { n: 2 },
        { tier: "basic" },
      ]);
    },
    TIMEOUT,
  );

  it(
    "fails an emit step reading an absent value and compensates",
    async () => {
      const wf = saga(`  - id: tell
    emit: { detailType: Applied, detail: { coupon: "{{ input.coupon }}" } }`);

      const result = await runFlow(
        compileWorkflow(wf),
        { orderId: "o-1" },
        { services: { inventory: ok, payments: ok } },
      );

      expect(failure(result)).toMatchObject({ name: "Baton.TemplateError", step: "tell" });
      expect(result.events.map((e) => e.detailType)).not.toContain("Applied");
      expect(trace(result.calls)).toEqual(["reserve", "charge", "undo charge", "undo reserve"]);
    },
    TIMEOUT,
  );

  it(
    "fails the execution on an absent output value and compensates (output is part of the saga)",
    async () => {
      const wf = saga("", `output: { coupon: "{{ input.coupon }}" }`);

      const result = await runFlow(
        compileWorkflow(wf),
        { orderId: "o-1" },
        { services: { inventory: ok, payments: ok } },
      );

      expect(failure(result)).toMatchObject({ name: "Baton.TemplateError", step: "output" });
      expect(trace(result.calls)).toEqual(["reserve", "charge", "undo charge", "undo reserve"]);
    },
    TIMEOUT,
  );

  it(
    "fails a map whose items are absent, and a wait whose time is not a timestamp",
    async () => {
      const mapWf = saga(`  - id: each
    map: { items: "{{ input.lines }}", steps: [ { id: price, call: "pricing GET /prices/{{ item }}" } ] }`);
      const waitWf = saga(`  - id: pause
    wait: { until: "{{ input.at }}" }`);

      const map = await runFlow(
        compileWorkflow(mapWf),
        { orderId: "o-1" },
        { services: { inventory: ok, payments: ok, pricing: ok } },
      );
      const wait = await runFlow(
        compileWorkflow(waitWf),
        { orderId: "o-1", at: "tomorrow" },
        { services: { inventory: ok, payments: ok } },
      );

      expect([failure(map), failure(wait)]).toMatchObject([
        { name: "Baton.TemplateError", step: "each" },
        { name: "Baton.TemplateError", step: "pause" },
      ]);
      expect(trace(wait.calls)).toEqual(["reserve", "charge", "undo charge", "undo reserve"]);
    },
    TIMEOUT,
  );

  it(
    "fails a call whose select path is missing with Baton.OutputInvalid and undoes it too",
    async () => {
      const wf = load(`
workflow: selected
steps:
  - id: reserve
    call: inventory POST /reservations
    select: body.items
    compensate: inventory POST /releases
`);

      const result = await runFlow(compileWorkflow(wf), {}, { services: { inventory: ok } });

      expect(result.error).toBe("Baton.OutputInvalid");
      // The call took effect (the service answered 2xx), so it is compensated.
      expect(trace(result.calls)).toEqual(["reserve", "undo reserve"]);
    },
    TIMEOUT,
  );
});
