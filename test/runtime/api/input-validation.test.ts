import { describe, expect, it } from "vitest";
import { InputValidator } from "../../../lib/runtime/api/input-validation.ts";

const schema = {
  type: "object",
  required: ["orderId"],
  properties: {
    orderId: { type: "string" },
    tier: { type: "string", default: "basic" },
    options: {
      type: "object",
      default: {},
      properties: { gift: { type: "boolean", default: false } },
    },
  },
};

describe("InputValidator", () => {
  it("fills absent fields with the schema's defaults in the input that is started", () => {
    // Prepare
    const input = { orderId: "o-1" };

    // Act
    const problems = new InputValidator().validate("w@1", schema, input);

    // Assess: nested defaults too, and the caller's object is the one filled in.
    expect([problems, input]).toEqual([
      [],
      { orderId: "o-1", tier: "basic", options: { gift: false } },
    ]);
  });

  it("keeps values that are present", () => {
    const input = { orderId: "o-1", tier: "gold", options: { gift: true } };

    new InputValidator().validate(
      "w@1",
      { ...schema, properties: { ...schema.properties } },
      input,
    );

    expect(input).toEqual({ orderId: "o-1", tier: "gold", options: { gift: true } });
  });
});
