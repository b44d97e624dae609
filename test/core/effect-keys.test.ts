import { describe, expect, it } from "vitest";
import { ITEM_ADDRESS, idempotencyKey, itemAddress } from "../../lib/core/effect-keys.ts";

describe("idempotencyKey", () => {
  it("names the execution and step at the top level, and the undo with :undo", () => {
    const ref = { executionId: "e-1", stepId: "charge" } as const;
    expect(idempotencyKey({ ...ref, mode: "call" })).toBe("e-1:charge");
    expect(idempotencyKey({ ...ref, mode: "compensate" })).toBe("e-1:charge:undo");
  });

  it("names the map item a call runs in, through nested maps", () => {
    const ref = { executionId: "e-1", stepId: "reserve", mode: "call" } as const;
    expect(idempotencyKey({ ...ref, itemPath: "lines[2]" })).toBe("e-1:lines[2].reserve");
    expect(idempotencyKey({ ...ref, itemPath: "orders[0].lines[1]", mode: "compensate" })).toBe(
      "e-1:orders[0].lines[1].reserve:undo",
    );
  });
});

describe("itemAddress", () => {
  it("joins a map item's indices with dots", () => {
    expect(itemAddress("lines[2]")).toBe("2");
    expect(itemAddress("orders[10].lines[0]")).toBe("10.0");
    expect(itemAddress(undefined)).toBeUndefined();
  });

  it("fails when an address is not indices joined by dots", () => {
    expect(["0", "1.2", "10.0.3"].every((a) => ITEM_ADDRESS.test(a))).toBe(true);
    expect(["", "-1", "1.", ".1", "a", "1..2", "lines[1]"].some((a) => ITEM_ADDRESS.test(a))).toBe(
      false,
    );
  });
});
