/**
 * The bus history and replay on the deployed stack: events put with `POST /events` and the
 * registry's own events reach `GET /events` through the events rule, queue, history function and
 * table; `POST /events/replay` is an EventBridge replay from the bus's archive, whose events carry
 * `replay-name`, start no second execution of a trigger that already ran, and are not stored again.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HistoryEvent } from "../../../lib/runtime/history/bus-history.ts";
import {
  api,
  type ExecutionDocument,
  eventually,
  reached,
  sleep,
  waitForExecution,
} from "../fixtures/api.ts";
import { tapBus } from "../fixtures/aws.ts";
import { type Shop, startShop } from "../fixtures/shop.ts";

const WORKFLOW = "order-fulfillment";

interface EventsPage {
  readonly items: HistoryEvent[];
  readonly nextCursor?: string;
}

async function history(query: string): Promise<HistoryEvent[]> {
  const items: HistoryEvent[] = [];
  let cursor: string | undefined;
  do {
    const suffix = cursor === undefined ? "" : `&cursor=${cursor}`;
    const page = await api<EventsPage>(`events?${query}${suffix}`);
    if (page.status !== 200)
      throw new Error(`GET /events answered ${page.status}: ${JSON.stringify(page.body)}`);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor !== undefined);
  return items;
}

const idsOf = (events: HistoryEvent[]): string =>
  events
    .map((e) => e.id)
    .sort()
    .join();

/** The window's events once two reads 3 s apart agree: deliveries through the queue have landed. */
async function settledHistory(query: string): Promise<HistoryEvent[]> {
  let previous = await history(query);
  for (let round = 0; round < 20; round += 1) {
    await sleep(3_000);
    const current = await history(query);
    const same = idsOf(current) === idsOf(previous);
    if (same) return current;
    previous = current;
  }
  throw new Error(`GET /events?${query} kept growing for 60 s: ${previous.length} events`);
}

const runsOf = async (orderId: string): Promise<ExecutionDocument[]> => {
  const { body } = await api<{ items: ExecutionDocument[] }>(
    `workflows/${WORKFLOW}/executions?limit=50`,
  );
  return body.items.filter((e) => JSON.stringify(e.input).includes(orderId));
};

describe("bus history and replay on the deployed stack", () => {
  let shop: Shop;
  const from = new Date(Date.now() - 1000).toISOString();
  const orderId = `it-${randomUUID()}`;
  const marker = `it-${randomUUID()}`;

  beforeAll(async () => {
    shop = await startShop();
  });
  afterAll(async () => {
    await shop?.close();
  });

  it("lists caller events and the registry's events in GET /events, by type", async () => {
    // Prepare: a caller event no trigger matches, and the registry's own event.
    const put = await api<{ entries: { eventId: string }[] }>("events", {
      method: "POST",
      body: { source: "shop.history-it", detailType: "Stock Counted", detail: { marker } },
    });
    const registered = await api(`services/history-it-${marker.slice(3, 11)}`, {
      method: "PUT",
      body: { instances: [{ id: "a", url: shop.services.inventory.url }] },
    });
    // Act
    const found = await eventually(
      "the caller event and Service Registered in GET /events",
      async () => {
        const events = await history(`since=${from}`);
        const caller = events.find((e) => e.id === put.body.entries[0]?.eventId);
        const registry = events.find((e) => e.detailType === "Service Registered");
        return caller !== undefined && registry !== undefined ? { caller, events } : undefined;
      },
    );
    const typed = await history(`since=${from}&type=Stock%20Counted`);
    // Assess
    expect([put.status, registered.status < 300]).toEqual([202, true]);
    expect(found.caller).toMatchObject({
      source: "shop.history-it",
      detailType: "Stock Counted",
      detail: { marker },
    });
    expect(typed.map((e) => e.id)).toEqual([put.body.entries[0]?.eventId]);
  });

  it("replays a window from the archive: events carry replay-name, no trigger starts twice, nothing is stored twice", async () => {
    // Prepare: an Order Placed event starts one execution, which finishes.
    const order = {
      orderId,
      customerId: "c-h",
      sku: "sku-h",
      quantity: 1,
      amount: 3,
      currency: "EUR",
    };
    const put = await api<{ entries: { eventId: string }[] }>("events", {
      method: "POST",
      body: { source: "shop.orders", detailType: "Order Placed", detail: order },
    });
    const started = await eventually(`an execution for ${orderId}`, async () => {
      const runs = await runsOf(orderId);
      return runs.length > 0 ? runs[0] : undefined;
    });
    await waitForExecution(
      started.id,
      reached("SUCCEEDED", { reserve: "SUCCEEDED", charge: "SUCCEEDED", ship: "SUCCEEDED" }),
    );
    const stored = await eventually("the Order Placed event in the history", async () => {
      const events = await history(`since=${from}`);
      return events.some((e) => e.id === put.body.entries[0]?.eventId) ? events : undefined;
    });
    const to = new Date().toISOString();
    // The saga's own events (steps, execution) reach the history after the order event does, through
    // the queue: compare against the window once it has stopped growing, not against a snapshot
    // that may still be filling.
    const before = await settledHistory(`since=${from}&until=${to}`);
    const replayed = await tapBus({
      source: ["shop.orders", "shop.history-it"],
      "replay-name": [{ exists: true }],
    });
    try {
      // Act
      const replay = await api<{ name: string; state: string }>("events/replay", {
        method: "POST",
        body: { from, to },
      });
      const seen = await replayed.waitFor(
        (events) => events.some((e) => e.id === put.body.entries[0]?.eventId),
        60_000,
      );
      await sleep(5_000); // a second start or a second history item would show by now
      // Assess
      expect(replay.status).toBe(202);
      expect(replay.body.state).toBe("STARTING");
      expect(replay.body.name).toMatch(/-replay-/);
      const again = seen.find((e) => e.id === put.body.entries[0]?.eventId) as unknown as Record<
        string,
        unknown
      >;
      expect(again?.["replay-name"]).toBe(replay.body.name);
      expect(await runsOf(orderId)).toHaveLength(1);
      const after = await history(`since=${from}&until=${to}`);
      const ids = after.map((e) => e.id).sort();
      expect(ids).toEqual(before.map((e) => e.id).sort());
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(
        expect.arrayContaining(stored.filter((e) => e.time <= to).map((e) => e.id)),
      );
      const typed = await api<{ errors: { path: string }[] }>("events/replay", {
        method: "POST",
        body: { from, to, type: "Order Placed" },
      });
      expect([typed.status, typed.body.errors[0]?.path]).toEqual([400, "/type"]);
    } finally {
      await replayed.close();
    }
  }, 240_000);
});
