/**
 * The bus history in DynamoDB (the events table in AWS, dynalite in `baton dev`). One item per
 * event, partitioned by UTC day (`EVENTS#2026-12-04`) and sorted by `<time>#<id>`, so a window is
 * one Query per day, newest or oldest first, and a type filter is a FilterExpression on those
 * reads. Items expire with the table's TTL (`expiresAt`, the retention days after the event).
 *
 * Why a day partition: one Query reads a window without a scan or an index; a partition takes
 * 1,000 writes a second, far above what one stack's bus carries (see docs/events.md).
 */
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  QueryCommand,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import type { Json } from "../../core/model.ts";
import { TABLE_KEYS, TTL_ATTRIBUTE } from "../../core/wire.ts";
import type {
  EventHistoryStore,
  HistoryEvent,
  HistoryPage,
  HistoryQuery,
} from "../history/bus-history.ts";
import { InvalidCursorError } from "../records/execution-store.ts";
import { DEFAULT_RETENTION_DAYS } from "../records/keys.ts";
import { realSleep } from "../throttling.ts";
import { type Item, N, readS, S } from "./dynamo-attributes.ts";

const { partitionKey: PK, sortKey: SK } = TABLE_KEYS;
const DAY_MS = 86_400_000;
/** BatchWriteItem takes 25 requests at most. */
const BATCH = 25;
/** Queries one page may make (a 31-day window is 32 partitions); the rest is behind the cursor. */
const MAX_QUERIES_PER_PAGE = 40;
/** Evaluated items per Query when filtering by type (DynamoDB's Limit counts before the filter). */
const FILTERED_READ = 200;

export interface DynamoEventHistoryOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Days an event is kept. @default 30 */
  readonly retentionDays?: number;
  /** Pause before re-sending unprocessed writes (injected by tests). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export const dayPartition = (time: string): string => `EVENTS#${time.slice(0, 10)}`;
const sortKey = (event: Pick<HistoryEvent, "time" | "id">): string => `${event.time}#${event.id}`;

export class DynamoEventHistory implements EventHistoryStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #retentionDays: number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: DynamoEventHistoryOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#retentionDays = options.retentionDays ?? DEFAULT_RETENTION_DAYS;
    this.#sleep = options.sleep ?? realSleep;
  }

  async append(events: readonly HistoryEvent[]): Promise<void> {
    // One item per key in a batch: DynamoDB refuses a batch that writes one key twice.
    const unique = [...new Map(events.map((e) => [sortKey(e), e])).values()];
    for (let i = 0; i < unique.length; i += BATCH) {
      let pending: WriteRequest[] = unique
        .slice(i, i + BATCH)
        .map((event) => ({ PutRequest: { Item: this.#toItem(event) } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt === 8)
          throw new Error(
            `DynamoDB left ${pending.length} history write(s) unprocessed after ${attempt} attempts (throttled); they will be redelivered`,
          );
        if (attempt > 0) await this.#sleep(Math.min(1000, 25 * 2 ** attempt));
        const result = await this.#client.send(
          new BatchWriteItemCommand({ RequestItems: { [this.#table]: pending } }),
        );
        pending = result.UnprocessedItems?.[this.#table] ?? [];
      }
    }
  }

  async list(query: HistoryQuery): Promise<HistoryPage> {
    const newestFirst = query.order !== "oldest";
    const low = `${query.since}#`;
    const high = `${query.until}#\uffff`;
    const days = daysBetween(query.since, query.until, newestFirst);
    let start: Item | undefined;
    if (query.cursor !== undefined) {
      const position = decodePosition(query.cursor, days, low, high);
      days.splice(0, days.indexOf(position.day));
      if (position.after !== undefined) start = { [PK]: S(position.day), [SK]: S(position.after) };
    }
    const items: HistoryEvent[] = [];
    for (let queries = 0; days.length > 0; queries++) {
      const day = days[0] as string;
      if (queries === MAX_QUERIES_PER_PAGE) return { items, cursor: encodePosition(day, start) };
      const remaining = query.limit - items.length;
      const result = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: "#pk = :pk AND #sk BETWEEN :low AND :high",
          ExpressionAttributeNames: {
            "#pk": PK,
            "#sk": SK,
            ...(query.type === undefined ? {} : { "#type": "detailType" }),
          },
          ExpressionAttributeValues: {
            ":pk": S(day),
            ":low": S(low),
            ":high": S(high),
            ...(query.type === undefined ? {} : { ":type": S(query.type) }),
          },
          ...(query.type === undefined ? {} : { FilterExpression: "#type = :type" }),
          ScanIndexForward: !newestFirst,
          Limit: query.type === undefined ? remaining : FILTERED_READ,
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      );
      const found = result.Items ?? [];
      const taken = found.slice(0, remaining);
      items.push(...taken.map(fromItem));
      const last = taken.at(-1);
      start = result.LastEvaluatedKey;
      if (items.length === query.limit) {
        // Cut inside this page: resume after the last item returned; otherwise after the page.
        if (taken.length < found.length && last !== undefined)
          return { items, cursor: encodePosition(day, last) };
        if (start !== undefined) return { items, cursor: encodePosition(day, start) };
        const next = days[1];
        return next === undefined ? { items } : { items, cursor: encodePosition(next, undefined) };
      }
      if (start === undefined) days.shift();
    }
    return { items };
  }

  #toItem(event: HistoryEvent): Item {
    const expires = Math.floor(Date.parse(event.time) / 1000) + this.#retentionDays * 86_400;
    return {
      [PK]: S(dayPartition(event.time)),
      [SK]: S(sortKey(event)),
      id: S(event.id),
      time: S(event.time),
      source: S(event.source),
      detailType: S(event.detailType),
      detail: S(JSON.stringify(event.detail)),
      resources: S(JSON.stringify(event.resources)),
      [TTL_ATTRIBUTE]: N(expires),
    };
  }
}

function fromItem(item: Record<string, AttributeValue>): HistoryEvent {
  return {
    id: readS(item, "id", ""),
    time: readS(item, "time", ""),
    source: readS(item, "source", ""),
    detailType: readS(item, "detailType", ""),
    detail: parse(readS(item, "detail", "{}"), {}),
    resources: parse(readS(item, "resources", "[]"), []) as string[],
  };
}

function parse(text: string, fallback: Json): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return fallback;
  }
}

/**
 * The day partitions of a window, in reading order. Nothing is stored after tomorrow, so the window
 * ends there at the latest (`until=9999-12-31` is not three million empty partitions).
 */
function daysBetween(since: string, until: string, newestFirst: boolean): string[] {
  const days: string[] = [];
  const first = Date.parse(`${since.slice(0, 10)}T00:00:00.000Z`);
  const last = Math.min(Date.parse(until), Date.now() + DAY_MS);
  for (let t = first; t <= last; t += DAY_MS) days.push(dayPartition(new Date(t).toISOString()));
  return newestFirst ? days.reverse() : days;
}

/**
 * Cursors are opaque to callers: base64url JSON of the day partition to read next and the sort key
 * to continue after (none: the day from its start). Checked against the query's window on the way
 * back in, so a forged or foreign cursor is a 400, never a DynamoDB error.
 */
function encodePosition(day: string, after: Item | undefined): string {
  const key = after === undefined ? undefined : readS(after, SK, "");
  return Buffer.from(JSON.stringify(key === undefined ? { d: day } : { d: day, k: key })).toString(
    "base64url",
  );
}

function decodePosition(
  cursor: string,
  days: readonly string[],
  low: string,
  high: string,
): { readonly day: string; readonly after?: string } {
  const invalid = new InvalidCursorError(
    "The cursor is not one GET /events returned for this window; start again without it.",
  );
  if (cursor.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid;
  }
  const { d, k, ...rest } = (parsed ?? {}) as { d?: unknown; k?: unknown };
  if (typeof d !== "string" || !days.includes(d) || Object.keys(rest).length > 0) throw invalid;
  if (k === undefined) return { day: d };
  if (typeof k !== "string" || k < low || k > high || dayPartition(k) !== d) throw invalid;
  return { day: d, after: k };
}
