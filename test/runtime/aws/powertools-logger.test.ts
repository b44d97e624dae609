import { afterEach, describe, expect, it, vi } from "vitest";
import { logger } from "../../../lib/runtime/aws/powertools-logger.ts";

describe("the Powertools logger behind the Logger port", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("writes structured JSON with Baton's service name and the attributes as top-level keys", () => {
    // Prepare
    const lines: string[] = [];
    const capture = (chunk: unknown): boolean => {
      lines.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, "write").mockImplementation(capture);
    vi.spyOn(process.stderr, "write").mockImplementation(capture);

    // Act
    logger.warn("health of inventory/a not stored", { error: "Throttled: slow down" });

    // Assess
    const entries = lines.flatMap((line) => line.split("\n")).filter((line) => line !== "");
    const entry = JSON.parse(entries[0] ?? "{}") as Record<string, unknown>;
    expect([entries.length, entry.level, entry.message, entry.service, entry.error]).toStrictEqual([
      1,
      "WARN",
      "health of inventory/a not stored",
      "baton",
      "Throttled: slow down",
    ]);
  });
});
