/** The bus history store over a real dynalite: day partitions, both orders, cursors, type filter. */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEventHistory } from "../../../lib/runtime/aws/dynamo-event-history.ts";
import type { HistoryEvent, HistoryQuery } from "../../../lib/runtime/history/bus-history.ts";
import { InvalidCursorError } from "../../../lib/runtime/records/execution-store.ts";
import { type Dynalite, startDynalite } from "./dynalite.ts";

let db: Dynalite;
let table = 0;

beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db.close();
});

async function freshStore(): Promise<DynamoEventHistory> {
  table += 1;
  const tableName = `events-${table}`;
  await db.createTable(tableName);
  return new DynamoEventHistory({ client: db.client, tableName });
}

const event = (n: number, time: string, detailType = "Step Started"): HistoryEvent => ({
  id: `e${String(n).padStart(3, "0")}`,
  time,
  source: "baton",
  detailType,
  detail: { n },
  resources: [],
});

/** 30 events over three days, every third a circuit event. */
const EVENTS = Array.from({ length: 30 }, (_, n) =>
  event(
    n,
    new Date(Date.parse("2026-12-01T22:00:00.000Z") + n * 7_200_000).toISOString(),
    n % 3 === 0 ? "Circuit Opened" : "Step Started",
  ),
);

async function readAll(
  store: DynamoEventHistory,
  query: Omit<HistoryQuery, "cursor">,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await store.list({ ...query, ...(cursor === undefined ? {} : { cursor }) });
    ids.push(...page.items.map((e) => e.id));
    cursor = page.cursor;
    pages += 1;
  } while (cursor !== undefined && pages < 100);
  return { ids, pages };
}

const WINDOW = { since: "2026-12-01T00:00:00.000Z", until: "2026-12-05T00:00:00.000Z" };

describe("DynamoEventHistory", () => {
  it("lists a window across day partitions newest first, page by page, without gaps or repeats", async () => {
    // Prepare
    const store = await freshStore();
    await store.append(EVENTS);
    // Act
    const all = await readAll(store, { ...WINDOW, limit: 7 });
    // Assess
    expect(all.ids).toEqual(EVENTS.map((e) => e.id).reverse());
    expect(all.pages).toBeGreaterThanOrEqual(5);
  });

  it("lists oldest first, within since and until inclusive", async () => {
    const store = await freshStore();
    await store.append(EVENTS);
    const since = EVENTS[4]?.time as string;
    const until = EVENTS[20]?.time as string;
    const page = await readAll(store, { since, until, limit: 4, order: "oldest" });
    expect(page.ids).toEqual(EVENTS.slice(4, 21).map((e) => e.id));
  });

  it("filters by detail type and pages through the filtered reads", async () => {
    const store = await freshStore();
    await store.append(EVENTS);
    const circuits = await readAll(store, { ...WINDOW, limit: 3, type: "Circuit Opened" });
    expect(circuits.ids).toEqual(
      EVENTS.filter((e) => e.detailType === "Circuit Opened")
        .map((e) => e.id)
        .reverse(),
    );
    const none = await store.list({ ...WINDOW, limit: 10, type: "Service Registered" });
    expect(none).toEqual({ items: [] });
  });

  it("keeps an event once when it is stored twice (redelivery) and round-trips its fields", async () => {
    const store = await freshStore();
    const one: HistoryEvent = {
      id: "x1",
      time: "2026-12-04T08:00:00.000Z",
      source: "shop.orders",
      detailType: "Order Placed",
      detail: { orderId: "o-1", nested: { list: [1, "two", null] } },
      resources: ["arn:aws:states:::x"],
    };
    await store.append([one, one]);
    await store.append([one]);
    const page = await store.list({ ...WINDOW, limit: 10 });
    expect(page).toEqual({ items: [one] });
  });

  it("stores more than one batch (25 writes) at once", async () => {
    const store = await freshStore();
    const many = Array.from({ length: 60 }, (_, n) =>
      event(n, new Date(Date.parse("2026-12-03T00:00:00.000Z") + n * 1000).toISOString()),
    );
    await store.append(many);
    expect((await readAll(store, { ...WINDOW, limit: 100 })).ids).toHaveLength(60);
  });

  it("reads no partition past tomorrow, however far until reaches", async () => {
    const store = await freshStore();
    await store.append(EVENTS);
    const far = await readAll(store, {
      since: "2026-12-01T00:00:00.000Z",
      until: "9999-12-31T00:00:00.000Z",
      limit: 100,
    });
    const future = await store.list({
      since: "9999-01-01T00:00:00.000Z",
      until: "9999-12-31T00:00:00.000Z",
      limit: 10,
    });
    expect(far.ids).toEqual(EVENTS.map((e) => e.id).reverse());
    expect(future).toEqual({ items: [] });
  });

  it("fails when a cursor is forged or belongs to another window", async () => {
    const store = await freshStore();
    await store.append(EVENTS);
    const first = await store.list({ ...WINDOW, limit: 2 });
    const other = { since: "2027-01-01T00:00:00.000Z", until: "2027-01-02T00:00:00.000Z" };
    await expect(
      store.list({ ...other, limit: 2, cursor: first.cursor as string }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(store.list({ ...WINDOW, limit: 2, cursor: "bm9wZQ" })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
    await expect(store.list({ ...WINDOW, limit: 2, cursor: "a b" })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
  });

  it("re-sends writes DynamoDB left unprocessed, and fails after repeated throttling", async () => {
    // Prepare: a client that leaves the first item unprocessed twice, then one that never stops.
    const sent: number[] = [];
    let refusals = 2;
    const flaky = {
      send: async (command: { input: { RequestItems: Record<string, unknown[]> } }) => {
        const items = command.input.RequestItems.t ?? [];
        sent.push(items.length);
        if (refusals-- > 0) return { UnprocessedItems: { t: items.slice(0, 1) } };
        return {};
      },
    } as unknown as DynamoDBClient;
    const sleep = async () => {};
    const store = new DynamoEventHistory({ client: flaky, tableName: "t", sleep });
    const stuck = new DynamoEventHistory({
      client: {
        send: async (command: { input: { RequestItems: Record<string, unknown[]> } }) => ({
          UnprocessedItems: command.input.RequestItems,
        }),
      } as unknown as DynamoDBClient,
      tableName: "t",
      sleep,
    });
    // Act
    await store.append(EVENTS.slice(0, 3));
    // Assess
    expect(sent).toEqual([3, 1, 1]);
    await expect(stuck.append(EVENTS.slice(0, 1))).rejects.toThrow(/unprocessed after 8 attempts/);
  });
});
