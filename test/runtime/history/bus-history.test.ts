import { describe, expect, it } from "vitest";
import { toHistoryEvent } from "../../../lib/runtime/history/bus-history.ts";

describe("toHistoryEvent", () => {
  it("reads an EventBridge envelope, normalising the time to milliseconds", () => {
    expect(
      toHistoryEvent({
        version: "0",
        id: "abc",
        "detail-type": "Circuit Opened",
        source: "baton",
        account: "123456789012",
        time: "2026-12-04T08:00:00Z",
        region: "eu-west-1",
        resources: ["arn:x", 3],
        detail: { service: "payments" },
      }),
    ).toEqual({
      id: "abc",
      time: "2026-12-04T08:00:00.000Z",
      source: "baton",
      detailType: "Circuit Opened",
      detail: { service: "payments" },
      resources: ["arn:x"],
    });
  });

  it("refuses replayed events and envelopes missing a field, saying which", () => {
    const base = { id: "a", source: "s", "detail-type": "T", time: "2026-12-04T08:00:00Z" };
    expect(toHistoryEvent({ ...base, "replay-name": "r1" })).toBe("a replayed event (r1)");
    expect(toHistoryEvent({ ...base, id: "" })).toBe("no id");
    expect(toHistoryEvent({ ...base, source: undefined })).toBe("no source");
    expect(toHistoryEvent({ ...base, "detail-type": 1 })).toBe("no detail-type");
    expect(toHistoryEvent({ ...base, time: "soon" })).toBe("no valid time (soon)");
    expect(toHistoryEvent([base])).toBe("not a JSON object");
  });
});
