import { describe, expect, it } from "vitest";
import { validateWorkflow } from "../../lib/core/validate.ts";

const withInput = (input: unknown, body: unknown) => ({
  workflow: "w",
  ...(input === undefined ? {} : { input }),
  steps: [{ id: "a", call: "s GET /a", with: body }],
});
const codes = (value: unknown) =>
  validateWorkflow(value).problems.map((p) => [p.code, p.severity, p.path]);

describe("W_OPTIONAL_READ", () => {
  it("fails when a template reads an input field the schema does not require, without ??", () => {
    const input = { type: "object", properties: { coupon: { type: "string" } } };

    expect(codes(withInput(input, { c: "{{ input.coupon }}" }))).toEqual([
      ["W_OPTIONAL_READ", "warning", "/steps/0/with/c"],
    ]);
  });

  it("fails when a nested field is optional although its parent is required", () => {
    const input = {
      type: "object",
      required: ["order"],
      properties: { order: { type: "object", properties: { note: { type: "string" } } } },
    };

    expect(codes(withInput(input, { n: "x {{ input.order.note }}" }))).toEqual([
      ["W_OPTIONAL_READ", "warning", "/steps/0/with/n"],
    ]);
  });

  it("says nothing when the workflow declares no input schema", () => {
    expect(codes(withInput(undefined, { n: "{{ input.n }}" }))).toEqual([]);
  });

  it("accepts required fields, schema defaults, ?? defaults, the whole input, and conditions", () => {
    const input = {
      type: "object",
      required: ["id"],
      properties: { id: { type: "string" }, tier: { type: "string", default: "basic" } },
    };
    const file = {
      ...withInput(input, {
        id: "{{ input.id }}",
        tier: "{{ input.tier }}",
        c: "{{ input.coupon ?? 'none' }}",
        all: "{{ input }}",
      }),
    };
    file.steps = [{ ...file.steps[0], when: "input.vip == true" } as never];

    expect(codes(file)).toEqual([]);
  });

  it("fails when map items have a ?? default (absent items fail the step)", () => {
    const file = {
      workflow: "w",
      input: { type: "object", required: ["lines"] },
      steps: [
        {
          id: "m",
          map: { items: "{{ input.lines ?? null }}", steps: [{ id: "p", call: "s GET /p" }] },
        },
      ],
    };

    expect(codes(file)).toEqual([["E_MAP_ITEMS", "error", "/steps/0/map/items"]]);
  });
});
