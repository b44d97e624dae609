import { afterEach, describe, expect, it, vi } from "vitest";
import { consoleLogger, describeError, quietLogger } from "../../lib/runtime/logger.ts";

describe("consoleLogger", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("writes one JSON line per entry, level and message first, attributes after", () => {
    // Prepare
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const error = vi.spyOn(console, "error").mockImplementation(() => {});

    // Act
    consoleLogger.warn("circuit of payments unreadable", { error: "Throttled: slow down" });
    consoleLogger.error("API request failed");

    // Assess
    expect([...warn.mock.calls, ...error.mock.calls]).toStrictEqual([
      [
        '{"level":"WARN","message":"circuit of payments unreadable","error":"Throttled: slow down"}',
      ],
      ['{"level":"ERROR","message":"API request failed"}'],
    ]);
  });

  it("quietLogger writes nothing", () => {
    // Prepare
    const spies = (["info", "warn", "error"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation(() => {}),
    );

    // Act
    quietLogger.info("a");
    quietLogger.warn("b", { c: 1 });
    quietLogger.error("d");

    // Assess
    expect(spies.map((spy) => spy.mock.calls.length)).toStrictEqual([0, 0, 0]);
  });

  it("describes an error by name and message, anything else as a string", () => {
    expect([describeError(new TypeError("bad")), describeError(42)]).toStrictEqual([
      "TypeError: bad",
      "42",
    ]);
  });
});
