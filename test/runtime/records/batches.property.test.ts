import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoExecutionStore } from "../../../lib/runtime/aws/dynamo-execution-store.ts";
import { RecordingPublisher } from "../../../lib/runtime/events.ts";
import { toDocument } from "../../../lib/runtime/records/derive.ts";
import type { ExecutionStore } from "../../../lib/runtime/records/execution-store.ts";
import { observe } from "../../../lib/runtime/records/observe.ts";
import { merge, type RecordState } from "../../../lib/runtime/records/state.ts";
import { applyBatch } from "../../../lib/runtime/records/updater.ts";
import { MemoryExecutionStore } from "../fakes.ts";
import { catalogue, failedSagaEvents, orderWorkflow, startDynalite } from "./fixtures.ts";

/** The document every delivery must converge to: all events merged once, in order. */
function expected(id: string, events: readonly unknown[]) {
  let state: RecordState = { id };
  for (const event of events) {
    const o = observe(event, catalogue);
    if (o.kind === "observed") state = merge(state, o.delta);
  }
  return toDocument(state, orderWorkflow);
}

/**
 * Deliveries as a queue makes them: the events shuffled, some duplicated, cut into batches of 1 to
 * 5 messages, the batches delivered concurrently in waves of `parallel`.
 */
const batchedDeliveries = (events: readonly unknown[]) =>
  fc
    .record({
      duplicates: fc.array(fc.integer({ min: 0, max: events.length - 1 }), { maxLength: 6 }),
      keys: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), {
        minLength: events.length + 6,
        maxLength: events.length + 6,
      }),
      sizes: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: events.length + 6 }),
      parallel: fc.integer({ min: 1, max: 4 }),
    })
    .map(({ duplicates, keys, sizes, parallel }) => {
      const all = [...events, ...duplicates.map((i) => events[i])]
        .map((event, i) => ({ event, key: keys[i] ?? 0 }))
        .sort((a, b) => a.key - b.key)
        .map((x) => x.event);
      const batches: unknown[][] = [];
      for (let i = 0, b = 0; i < all.length; b++) {
        const size = sizes[b] ?? 1;
        batches.push(all.slice(i, i + size));
        i += size;
      }
      return { batches, parallel };
    });

async function deliver(
  store: ExecutionStore,
  publisher: RecordingPublisher,
  batches: readonly unknown[][],
  parallel: number,
): Promise<void> {
  for (let i = 0; i < batches.length; i += parallel) {
    const results = await Promise.all(
      batches
        .slice(i, i + parallel)
        .map((batch) => applyBatch(batch, { store, catalogue, publisher })),
    );
    const failed = results.flat().find((r) => r.outcome === "failed");
    if (failed !== undefined) throw new Error(`a batch failed: ${String(failed)}`);
  }
}

describe("batched records (head + log) under reordering and duplication", () => {
  it("converges to the document of the events merged once, and publishes Started and Failed whatever arrives first", async () => {
    await fc.assert(
      fc.asyncProperty(
        batchedDeliveries(failedSagaEvents("b-1")),
        async ({ batches, parallel }) => {
          // Prepare
          const store = new MemoryExecutionStore(catalogue);
          const publisher = new RecordingPublisher();

          // Act
          await deliver(store, publisher, batches, parallel);

          // Assess
          expect(await store.get("b-1")).toStrictEqual(expected("b-1", failedSagaEvents("b-1")));
          expect([...new Set(publisher.events.map((e) => e.detailType))].sort()).toStrictEqual([
            "Execution Failed",
            "Execution Started",
          ]);
        },
      ),
      { numRuns: 150 },
    );
  });

  describe("on dynalite (the DynamoDB store, conditional writes only)", () => {
    let db: Awaited<ReturnType<typeof startDynalite>>;
    let store: DynamoExecutionStore;
    const TABLE = "batches";
    beforeAll(async () => {
      db = await startDynalite(TABLE);
      store = new DynamoExecutionStore({
        client: db.client,
        tableName: TABLE,
        catalogue,
        retry: { maxAttempts: 60, baseDelayMs: 2 },
      });
    });
    afterAll(async () => {
      await db.close();
    });

    it("converges, lists every event once in order, and publishes each status event", async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          batchedDeliveries(failedSagaEvents("x").map((_, i) => i)),
          async ({ batches, parallel }) => {
            // Prepare: each run is its own execution
            const id = `d-${run++}`;
            const events = failedSagaEvents(id);
            const publisher = new RecordingPublisher();
            const rebatched = batches.map((batch) => batch.map((i) => events[i as number]));

            // Act
            await deliver(store, publisher, rebatched, parallel);

            // Assess
            expect(await store.get(id)).toStrictEqual(expected(id, events));
            const listed = await store.listEvents(id, { limit: 500 });
            // The events delivered, in order, and the two the records published, logged once each.
            const types = listed.items.map((e) => e.type);
            expect(types.filter((t) => !t.startsWith("Execution "))).toStrictEqual(
              events.map((e) => e["detail-type"]),
            );
            expect(types.filter((t) => t.startsWith("Execution ")).sort()).toStrictEqual([
              "Execution Failed",
              "Execution Started",
            ]);
            expect([...new Set(publisher.events.map((e) => e.detailType))].sort()).toStrictEqual([
              "Execution Failed",
              "Execution Started",
            ]);
          },
        ),
        { numRuns: 15 },
      );
    }, 120_000);
  });
});
