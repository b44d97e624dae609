import { describe, expect, it } from "vitest";
import type { EventHistoryStore, HistoryEvent } from "../../../lib/runtime/history/bus-history.ts";
import { recordHistory } from "../../../lib/runtime/history/record-history.ts";
import { quietLogger } from "../../../lib/runtime/logger.ts";

class RecordingStore implements EventHistoryStore {
  readonly appended: HistoryEvent[][] = [];
  constructor(readonly failure?: Error) {}
  async append(events: readonly HistoryEvent[]): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    this.appended.push([...events]);
  }
  async list(): Promise<never> {
    throw new Error("not used");
  }
}

const envelope = (id: string, extra: object = {}) =>
  JSON.stringify({
    version: "0",
    id,
    "detail-type": "Service Registered",
    source: "baton",
    account: "123456789012",
    time: "2026-12-04T08:00:00Z",
    region: "eu-west-1",
    resources: [],
    detail: { service: "payments" },
    ...extra,
  });

const batch = (...bodies: string[]) => ({
  Records: bodies.map((body, i) => ({ messageId: `m-${i}`, body })),
});

describe("recordHistory", () => {
  it("stores every event of the batch at once", async () => {
    // Prepare
    const store = new RecordingStore();
    // Act
    const response = await recordHistory(batch(envelope("a"), envelope("b")), {
      store,
      logger: quietLogger,
    });
    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(store.appended.map((events) => events.map((e) => [e.id, e.detailType]))).toEqual([
      [
        ["a", "Service Registered"],
        ["b", "Service Registered"],
      ],
    ]);
  });

  it("drops what is not an event or is a replay, and stores the rest", async () => {
    const store = new RecordingStore();
    const response = await recordHistory(
      batch("not json", envelope("r", { "replay-name": "x" }), envelope("ok")),
      { store, logger: quietLogger },
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(store.appended[0]?.map((e) => e.id)).toEqual(["ok"]);
  });

  it("reports every stored message as failed when the table refused the batch, so it comes back", async () => {
    const store = new RecordingStore(new Error("throttled"));
    const response = await recordHistory(batch("not json", envelope("a"), envelope("b")), {
      store,
      logger: quietLogger,
    });
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: "m-1" }, { itemIdentifier: "m-2" }],
    });
  });

  it("fails on an event that is not an SQS batch", async () => {
    await expect(
      recordHistory({ detail: {} }, { store: new RecordingStore(), logger: quietLogger }),
    ).rejects.toThrow(/not an SQS batch/);
  });
});
