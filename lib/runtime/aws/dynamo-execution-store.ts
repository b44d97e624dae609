/**
 * Execution records in DynamoDB: the `ExecutionStore` (`records/execution-store.ts`) implementation.
 *
 * Items (table keys `pk`/`sk`, index and TTL attributes: `TABLE_KEYS`, `BY_WORKFLOW_INDEX` and
 * `TTL_ATTRIBUTE` in `lib/core/wire.ts`):
 * - head     `pk=EXEC#<id>, sk=META`: `head` (JSON of the execution-level `RecordState`: no steps),
 *   `rev` (write counter every write is conditional on), `status`, and `gsi1pk=WORKFLOW#<name>`, `gsi1sk=<startedAt>#<id>` once both
 *   are known. Written at the start, at status changes and compensation phases: a few times per
 *   execution, whatever the number of steps. The index projects `status` only (the listing filter).
 * - log      `pk=EXEC#<id>, sk=EVENT#<first order>#<batch hash>`: `z` (gzipped JSON of the batch's
 *   `LoggedEvent`s; `events`, plain JSON, in items written before) and `extra` (a delta logged with them: a finished run's state trace). Appended,
 *   never rewritten; one item per batch, so a batch of events pays its bytes once.
 * - idempotency keys `pk=IDEMPOTENCY#<workflow>#<key>, sk=IDEMPOTENCY`.
 * Reading an execution is one Query of its partition (head and log). Conditional writes only (no
 * transactions): a lost race on the head re-reads and re-merges.
 */
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/client-dynamodb";
import type { Json } from "../../core/model.ts";
import { BY_WORKFLOW_INDEX, TABLE_KEYS, TTL_ATTRIBUTE } from "../../core/wire.ts";
import { assemble, inOrder } from "../records/assemble.ts";
import { executionStatus, toDocument } from "../records/derive.ts";
import type { ExecutionDocument, ExecutionEvent, Page } from "../records/document.ts";
import type {
  ClaimResult,
  ExecutionListOptions,
  ExecutionStore,
  IdempotencyClaim,
  ListOptions,
  LoggedEvent,
  MergeResult,
  StoredRecord,
} from "../records/execution-store.ts";
import {
  EVENT_PREFIX,
  eventSk,
  executionPk,
  expiresAt,
  IDEMPOTENCY_SK,
  idempotencyPk,
  META,
  workflowPk,
  workflowSk,
} from "../records/keys.ts";
import { canonicalJson, merge, type RecordState, sameState } from "../records/state.ts";
import { isConditionalCheckFailed, type RetryOptions, retrying } from "../throttling.ts";
import type { WorkflowCatalogue } from "../workflow-catalogue.ts";
import { decodeCursor, encodeCursor } from "./dynamo-cursor.ts";

export interface DynamoExecutionStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly catalogue: WorkflowCatalogue;
  /** @default 30 */
  readonly retentionDays?: number;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  readonly retry?: RetryOptions;
  /** Serialized head above this many bytes drops output, then input. @default 350_000 (items max 400 KB) */
  readonly maxStateBytes?: number;
  /** Executions assembled at once for a listing (one Query each). @default 16 */
  readonly listConcurrency?: number;
  /**
   * Every write to the execution records goes through this instance (`baton dev`: its API and its
   * records target share it). An execution read once is then kept in memory, with what this
   * instance writes after, and read from there: a finished run's batch does not query the record
   * its start's batch already read. A conditional write that loses, or any failed write, drops
   * the execution so the next read goes to the table. Never in AWS (many writers). @default false
   */
  readonly soleWriter?: boolean;
}

/** What a read of an execution returns before it is assembled (kept by a sole writer). */
interface RawRecord {
  head: RecordState | undefined;
  rev: number;
  readonly logged: LoggedEvent[];
  readonly extras: RecordState[];
}

/** Executions a sole writer keeps in memory at most (least recently used dropped first). */
const SOLE_WRITER_ENTRIES = 2_000;

/** Pages fetched at most per listing call when a status filter discards most items. */
const MAX_QUERY_PAGES = 25;
/** Bytes of events per log item (DynamoDB items hold at most 400 KB). */
const MAX_LOG_ITEM_BYTES = 300_000;

export class DynamoExecutionStore implements ExecutionStore {
  readonly #o: Required<Omit<DynamoExecutionStoreOptions, "retry">> & { retry: RetryOptions };
  /** Sole writer only: executions read, as the table holds them. */
  readonly #kept = new Map<string, RawRecord>();
  /** Sole writer only: reads and writes under way, by execution (a read that raced a write is not kept). */
  readonly #reading = new Map<string, number>();
  readonly #writing = new Map<string, number>();
  readonly #raced = new Set<string>();

  constructor(options: DynamoExecutionStoreOptions) {
    this.#o = {
      retentionDays: 30,
      clock: () => new Date(),
      maxStateBytes: 350_000,
      listConcurrency: 16,
      retry: {},
      soleWriter: false,
      ...options,
    };
  }

  async get(id: string): Promise<ExecutionDocument | undefined> {
    const { state } = await this.read(id);
    return state === undefined ? undefined : this.#document(state);
  }

  async read(id: string): Promise<StoredRecord> {
    const kept = this.#kept.get(id);
    if (kept !== undefined) {
      // Most recently used last.
      this.#kept.delete(id);
      this.#kept.set(id, kept);
      return this.#assembled(id, kept);
    }
    const keep = this.#o.soleWriter && !this.#writing.has(id);
    if (keep) count(this.#reading, id, 1);
    const { items } = await this.#query(
      {
        // The head and the log (`EVENT#…` < `META`), not the signal items after them.
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
        ExpressionAttributeValues: {
          ":pk": { S: executionPk(id) },
          ":from": { S: EVENT_PREFIX },
          ":to": { S: META },
        },
        ConsistentRead: true,
      },
      Number.POSITIVE_INFINITY,
      undefined,
      Number.POSITIVE_INFINITY,
    ).finally(() => {
      if (keep && count(this.#reading, id, -1) === 0) this.#raced.delete(id);
    });
    const raced = this.#raced.has(id);
    const raw: RawRecord = { head: undefined, rev: 0, logged: [], extras: [] };
    for (const item of items) {
      if (item.sk?.S === META) {
        // `state`: an item written before the log existed (the whole record, steps included).
        raw.head = parseJson<RecordState>(item.head?.S ?? item.state?.S);
        if (raw.head === undefined)
          throw new Error(`Execution record ${id} has an unreadable head attribute.`);
        raw.rev = Number(item.rev?.N ?? "0");
        continue;
      }
      raw.logged.push(...logItemEvents(item));
      const extra = parseJson<RecordState>(item.extra?.S);
      if (extra !== undefined) raw.extras.push(extra);
    }
    if (keep && !raced) this.#keep(id, raw);
    return this.#assembled(id, raw);
  }

  /**
   * Sole writer only: `id` is an execution this process just created, so the table holds nothing
   * of it yet (its events and head come later, through this instance): kept as empty, it is never
   * queried.
   */
  created(id: string): void {
    if (this.#o.soleWriter && !this.#kept.has(id) && !this.#reading.has(id))
      this.#keep(id, { head: undefined, rev: 0, logged: [], extras: [] });
  }

  #assembled(id: string, raw: RawRecord): StoredRecord {
    const events = inOrder(raw.logged);
    return {
      head: raw.head,
      rev: raw.rev,
      orders: new Set(events.map((e) => e.order)),
      state: assemble(
        id,
        raw.head,
        events.map((e) => e.event),
        raw.extras,
        this.#o.catalogue,
      ),
    };
  }

  /** Runs a write of `id`'s record, so a read under way meanwhile is not kept. */
  async #write<T>(id: string, write: () => Promise<T>): Promise<T> {
    if (!this.#o.soleWriter) return write();
    count(this.#writing, id, 1);
    if (this.#reading.has(id)) this.#raced.add(id);
    try {
      return await write();
    } catch (error) {
      this.#kept.delete(id);
      throw error;
    } finally {
      count(this.#writing, id, -1);
    }
  }

  #keep(id: string, raw: RawRecord): void {
    this.#kept.delete(id);
    this.#kept.set(id, raw);
    if (this.#kept.size > SOLE_WRITER_ENTRIES) {
      const oldest = this.#kept.keys().next().value;
      if (oldest !== undefined) this.#kept.delete(oldest);
    }
  }

  async writeHead(id: string, head: RecordState, rev: number): Promise<boolean> {
    const state = limitSize({ ...head, id }, this.#o.maxStateBytes);
    const status = executionStatus(state);
    const startedAt = state.startedAt ?? state.firstSeen;
    const workflow = state.workflow;
    const item: Record<string, AttributeValue> = {
      pk: { S: executionPk(id) },
      sk: { S: META },
      rev: { N: String(rev + 1) },
      head: { S: JSON.stringify(state) },
      status: { S: status },
      [TTL_ATTRIBUTE]: { N: String(expiresAt(this.#o.clock(), this.#o.retentionDays)) },
      ...(workflow === undefined || startedAt === undefined
        ? {}
        : {
            [BY_WORKFLOW_INDEX.partitionKey]: { S: workflowPk(workflow) },
            [BY_WORKFLOW_INDEX.sortKey]: { S: workflowSk(startedAt, id) },
          }),
    };
    try {
      await this.#write(id, () =>
        retrying(
          `Writing execution record ${id}`,
          () =>
            this.#o.client.send(
              new PutItemCommand({
                TableName: this.#o.tableName,
                Item: item,
                ...(rev === 0
                  ? { ConditionExpression: "attribute_not_exists(pk)" }
                  : {
                      ConditionExpression: "rev = :rev",
                      ExpressionAttributeValues: { ":rev": { N: String(rev) } },
                    }),
              }),
            ),
          this.#o.retry,
        ),
      );
      const kept = this.#kept.get(id);
      if (kept !== undefined) {
        // As a read would parse it back.
        kept.head = JSON.parse(item.head?.S ?? "null") as RecordState;
        kept.rev = rev + 1;
      }
      return true;
    } catch (error) {
      this.#kept.delete(id);
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async merge(id: string, delta: RecordState): Promise<MergeResult> {
    // Most merges start an execution: try creating the head before reading anything.
    const fresh = merge({ id }, { ...delta, id });
    if (await this.writeHead(id, fresh, 0))
      return { document: this.#document(fresh), state: fresh, previous: undefined, changed: true };
    return retrying(
      `Merging into execution record ${id}`,
      async (): Promise<MergeResult | undefined> => {
        const record = await this.read(id);
        const head = merge(record.head ?? { id }, { ...delta, id });
        const state = merge(record.state ?? { id }, head);
        const changed = record.head === undefined || !sameState(record.head, head);
        if (changed && !(await this.writeHead(id, head, record.rev))) return undefined; // another writer won: re-read, re-merge
        return { document: this.#document(state), state, previous: record.state, changed };
      },
      this.#o.retry,
    );
  }

  async append(id: string, events: readonly LoggedEvent[], extra?: RecordState): Promise<void> {
    const expires = String(expiresAt(this.#o.clock(), this.#o.retentionDays));
    const chunks = chunkByBytes(events, MAX_LOG_ITEM_BYTES);
    if (chunks.length === 0 && extra !== undefined) chunks.push([]);
    for (const [index, chunk] of chunks.entries()) {
      const withExtra = index === 0 ? extra : undefined;
      const orders = chunk.map((e) => e.order).sort();
      const hash = createHash("sha256")
        .update(orders.join("\n"))
        .update(withExtra === undefined ? "" : canonicalJson(withExtra))
        .digest("hex")
        .slice(0, 16);
      const json = JSON.stringify(chunk);
      const extraJson = withExtra === undefined ? undefined : JSON.stringify(withExtra);
      await this.#write(id, () =>
        retrying(
          `Appending ${chunk.length} event(s) to execution record ${id}`,
          () =>
            this.#o.client.send(
              new PutItemCommand({
                TableName: this.#o.tableName,
                Item: {
                  pk: { S: executionPk(id) },
                  sk: { S: eventSk(`${orders[0] ?? "~extra"}#${hash}`) },
                  // Gzipped: a batch's events repeat their field names and ids, and units are bytes.
                  z: { B: gzipSync(json) },
                  ...(extraJson === undefined ? {} : { extra: { S: extraJson } }),
                  [TTL_ATTRIBUTE]: { N: expires },
                },
              }),
            ),
          this.#o.retry,
        ),
      );
      const kept = this.#kept.get(id);
      if (kept !== undefined) {
        // As a read would parse them back.
        kept.logged.push(...(JSON.parse(json) as LoggedEvent[]));
        if (extraJson !== undefined) kept.extras.push(JSON.parse(extraJson) as RecordState);
      }
    }
  }

  async listEvents(id: string, options: ListOptions): Promise<Page<ExecutionEvent>> {
    const pk = executionPk(id);
    const after =
      options.cursor === undefined
        ? undefined
        : decodeCursor(options.cursor, [TABLE_KEYS.partitionKey, "after"], (k) => k.pk === pk).after
            ?.S;
    // Log items hold batches whose events interleave: the whole log is read and ordered.
    const { items } = await this.#query(
      {
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": { S: pk }, ":prefix": { S: EVENT_PREFIX } },
      },
      Number.POSITIVE_INFINITY,
      undefined,
      Number.POSITIVE_INFINITY,
    );
    const all = inOrder(items.flatMap(logItemEvents));
    const rest = after === undefined ? all : all.filter((e) => e.order > after);
    const page = rest.slice(0, options.limit);
    const last = page.at(-1);
    const cursor =
      rest.length > page.length && last !== undefined
        ? encodeCursor({ [TABLE_KEYS.partitionKey]: { S: pk }, after: { S: last.order } })
        : undefined;
    return {
      items: page.map((e) => e.event),
      ...(cursor === undefined ? {} : { cursor }),
    };
  }

  async list(workflow: string, options: ExecutionListOptions): Promise<Page<ExecutionDocument>> {
    const gsi1pk = workflowPk(workflow);
    const start =
      options.cursor === undefined
        ? undefined
        : decodeCursor(
            options.cursor,
            [
              TABLE_KEYS.partitionKey,
              TABLE_KEYS.sortKey,
              BY_WORKFLOW_INDEX.partitionKey,
              BY_WORKFLOW_INDEX.sortKey,
            ],
            (k) => k[BY_WORKFLOW_INDEX.partitionKey] === gsi1pk && k[TABLE_KEYS.sortKey] === META,
          );
    const page = await this.#query(
      {
        IndexName: BY_WORKFLOW_INDEX.name,
        KeyConditionExpression: `${BY_WORKFLOW_INDEX.partitionKey} = :wf${
          options.before === undefined ? "" : ` AND ${BY_WORKFLOW_INDEX.sortKey} < :before`
        }`,
        ExpressionAttributeValues: {
          ":wf": { S: gsi1pk },
          ...(options.before === undefined ? {} : { ":before": { S: options.before } }),
          ...(options.status === undefined ? {} : { ":status": { S: options.status } }),
        },
        ...(options.status === undefined
          ? {}
          : {
              FilterExpression: "#status = :status",
              ExpressionAttributeNames: { "#status": "status" },
            }),
        ScanIndexForward: false,
      },
      options.limit,
      start,
    );
    return withCursor(await this.#documents(page.items), page.lastKey);
  }

  async listSince(
    workflow: string,
    since: string,
    max: number,
  ): Promise<{ items: ExecutionDocument[]; truncated: boolean }> {
    const page = await this.#query(
      {
        IndexName: BY_WORKFLOW_INDEX.name,
        KeyConditionExpression: `${BY_WORKFLOW_INDEX.partitionKey} = :wf AND ${BY_WORKFLOW_INDEX.sortKey} >= :since`,
        ExpressionAttributeValues: { ":wf": { S: workflowPk(workflow) }, ":since": { S: since } },
        ScanIndexForward: false,
      },
      max,
      undefined,
      Number.POSITIVE_INFINITY,
    );
    return { items: await this.#documents(page.items), truncated: page.lastKey !== undefined };
  }

  async claimIdempotencyKey(
    workflow: string,
    key: string,
    claim: IdempotencyClaim,
  ): Promise<ClaimResult> {
    const pk = idempotencyPk(workflow, key);
    return retrying(
      `Claiming idempotency key ${key}`,
      async (): Promise<ClaimResult | undefined> => {
        try {
          await this.#o.client.send(
            new PutItemCommand({
              TableName: this.#o.tableName,
              Item: {
                pk: { S: pk },
                sk: { S: IDEMPOTENCY_SK },
                executionId: { S: claim.executionId },
                requestHash: { S: claim.requestHash },
                createdAt: { S: this.#o.clock().toISOString() },
                [TTL_ATTRIBUTE]: { N: String(expiresAt(this.#o.clock(), this.#o.retentionDays)) },
              },
              ConditionExpression: "attribute_not_exists(pk)",
            }),
          );
          return { claimed: true };
        } catch (error) {
          if (!isConditionalCheckFailed(error)) throw error;
        }
        const existing = await this.#o.client.send(
          new GetItemCommand({
            TableName: this.#o.tableName,
            Key: { pk: { S: pk }, sk: { S: IDEMPOTENCY_SK } },
            ConsistentRead: true,
          }),
        );
        const executionId = existing.Item?.executionId?.S;
        if (executionId === undefined) return undefined; // expired between the two calls: claim again
        return { claimed: false, executionId, requestHash: existing.Item?.requestHash?.S ?? "" };
      },
      this.#o.retry,
    );
  }

  /** Queries up to `limit` items across pages (filters may return short pages). */
  async #query(
    input: Omit<QueryCommandInput, "TableName" | "Limit" | "ExclusiveStartKey">,
    limit: number,
    start: Record<string, AttributeValue> | undefined,
    maxPages = MAX_QUERY_PAGES,
  ): Promise<{
    items: Record<string, AttributeValue>[];
    lastKey: Record<string, AttributeValue> | undefined;
  }> {
    const items: Record<string, AttributeValue>[] = [];
    let lastKey = start;
    for (let page = 0; page < maxPages && items.length < limit; page++) {
      const result = await retrying(
        "Querying execution records",
        () =>
          this.#o.client.send(
            new QueryCommand({
              TableName: this.#o.tableName,
              ...input,
              ...(Number.isFinite(limit) ? { Limit: Math.min(1000, limit - items.length) } : {}),
              ...(lastKey === undefined ? {} : { ExclusiveStartKey: lastKey }),
            }),
          ),
        this.#o.retry,
      );
      items.push(...(result.Items ?? []));
      lastKey = result.LastEvaluatedKey;
      if (lastKey === undefined) break;
    }
    return { items, lastKey };
  }

  /** The documents of listed executions (index items hold keys and status): one read each. */
  async #documents(items: readonly Record<string, AttributeValue>[]): Promise<ExecutionDocument[]> {
    const ids = items.flatMap((item) => {
      const pk = item.pk?.S;
      return pk === undefined ? [] : [pk.slice(executionPk("").length)];
    });
    const documents: (ExecutionDocument | undefined)[] = new Array(ids.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ids.length) {
        const index = next++;
        documents[index] = await this.get(ids[index] ?? "");
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.#o.listConcurrency, ids.length) }, worker),
    );
    return documents.filter((d): d is ExecutionDocument => d !== undefined);
  }

  #document(state: RecordState): ExecutionDocument {
    return toDocument(
      state,
      state.workflow === undefined
        ? undefined
        : this.#o.catalogue.forRecord(state.workflow, state.version?.v),
    );
  }
}

/** Adds `by` to `key`'s count (removed at 0); the count after. */
function count(counts: Map<string, number>, key: string, by: number): number {
  const next = (counts.get(key) ?? 0) + by;
  if (next === 0) counts.delete(key);
  else counts.set(key, next);
  return next;
}

/** The events of a log item (or of an event item written before log items existed). */
function logItemEvents(item: Record<string, AttributeValue>): LoggedEvent[] {
  const zipped = item.z?.B;
  const batch = parseJson<LoggedEvent[]>(
    zipped === undefined ? item.events?.S : gunzipSync(zipped).toString("utf8"),
  );
  if (batch !== undefined) return batch;
  const single = parseJson<ExecutionEvent>(item.event?.S);
  const sk = item.sk?.S;
  return single === undefined || sk === undefined
    ? []
    : [{ order: sk.slice(EVENT_PREFIX.length), event: single }];
}

/** Splits events into runs of at most `maxBytes` of JSON (one event larger than that stays alone). */
function chunkByBytes(events: readonly LoggedEvent[], maxBytes: number): LoggedEvent[][] {
  const chunks: LoggedEvent[][] = [];
  let current: LoggedEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = Buffer.byteLength(JSON.stringify(event));
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function withCursor<T>(
  items: readonly T[],
  lastKey: Record<string, AttributeValue> | undefined,
): Page<T> {
  const cursor = encodeCursor(lastKey);
  return cursor === undefined ? { items } : { items, cursor };
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/**
 * Keeps a record under the DynamoDB item limit: Step Functions allows 256 KB of input and of output,
 * together more than an item holds. Output goes first, then input, replaced by a marker.
 */
function limitSize(state: RecordState, maxBytes: number): RecordState {
  let result = state;
  for (const field of ["output", "input"] as const) {
    if (Buffer.byteLength(JSON.stringify(result)) <= maxBytes) return result;
    const register = result[field];
    if (register === undefined) continue;
    const bytes = Buffer.byteLength(canonicalJson(register.v));
    const marker: Json = {
      truncated: true,
      bytes,
      reason: `${field} too large to keep in the execution record`,
    };
    result = { ...result, [field]: { k: register.k, v: marker } };
  }
  return result;
}
