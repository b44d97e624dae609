/**
 * Execution records in DynamoDB: the `ExecutionStore` (`records/execution-store.ts`) implementation.
 *
 * Items (table keys `pk`/`sk`, index and TTL attributes: `TABLE_KEYS`, `BY_WORKFLOW_INDEX` and
 * `TTL_ATTRIBUTE` in `lib/core/wire.ts`):
 * - record   `pk=EXEC#<id>, sk=META`: `state` (JSON of the merged `RecordState`), `rev` (write
 *   counter every write is conditional on), `status`, and `gsi1pk=WORKFLOW#<name>`,
 *   `gsi1sk=<startedAt>#<id>` once both are known;
 * - events   `pk=EXEC#<id>, sk=EVENT#<time>#<rank>#<attempt>#<event id>`: one per distinct event;
 * - idempotency keys `pk=IDEMPOTENCY#<workflow>#<key>, sk=IDEMPOTENCY`.
 * Conditional writes only (no transactions): a lost race re-reads and re-merges.
 */
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
import { toDocument } from "../records/derive.ts";
import type { ExecutionDocument, ExecutionEvent, Page } from "../records/document.ts";
import type {
  ClaimResult,
  ExecutionListOptions,
  ExecutionStore,
  IdempotencyClaim,
  ListOptions,
  MergeResult,
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
  /** Serialized state above this many bytes drops output, then input. @default 350_000 (items max 400 KB) */
  readonly maxStateBytes?: number;
}

/** Pages fetched at most per listing call when a status filter discards most items. */
const MAX_QUERY_PAGES = 25;

export class DynamoExecutionStore implements ExecutionStore {
  readonly #o: Required<Omit<DynamoExecutionStoreOptions, "retry">> & { retry: RetryOptions };

  constructor(options: DynamoExecutionStoreOptions) {
    this.#o = {
      retentionDays: 30,
      clock: () => new Date(),
      maxStateBytes: 350_000,
      retry: {},
      ...options,
    };
  }

  async get(id: string): Promise<ExecutionDocument | undefined> {
    const item = await this.#getMeta(id);
    return item === undefined ? undefined : this.#document(item.state);
  }

  async merge(id: string, delta: RecordState): Promise<MergeResult> {
    return retrying(
      `Merging into execution record ${id}`,
      () => this.#tryMerge(id, delta),
      this.#o.retry,
    );
  }

  async #tryMerge(id: string, delta: RecordState): Promise<MergeResult | undefined> {
    const current = await this.#getMeta(id);
    const previous = current?.state;
    const next = limitSize(merge(previous ?? { id }, { ...delta, id }), this.#o.maxStateBytes);
    if (previous !== undefined && sameState(previous, next)) {
      return { document: this.#document(previous), state: previous, previous, changed: false };
    }
    const document = this.#document(next);
    const rev = (current?.rev ?? 0) + 1;
    const item: Record<string, AttributeValue> = {
      pk: { S: executionPk(id) },
      sk: { S: META },
      rev: { N: String(rev) },
      state: { S: JSON.stringify(next) },
      status: { S: document.status },
      [TTL_ATTRIBUTE]: { N: String(expiresAt(this.#o.clock(), this.#o.retentionDays)) },
      ...(document.workflow === "" ? {} : { workflow: { S: document.workflow } }),
      ...(document.startedAt === "" ? {} : { startedAt: { S: document.startedAt } }),
      ...(document.workflow === "" || document.startedAt === ""
        ? {}
        : {
            [BY_WORKFLOW_INDEX.partitionKey]: { S: workflowPk(document.workflow) },
            [BY_WORKFLOW_INDEX.sortKey]: { S: workflowSk(document.startedAt, id) },
          }),
    };
    try {
      await this.#o.client.send(
        new PutItemCommand({
          TableName: this.#o.tableName,
          Item: item,
          ...(current === undefined
            ? { ConditionExpression: "attribute_not_exists(pk)" }
            : {
                ConditionExpression: "rev = :rev",
                ExpressionAttributeValues: { ":rev": { N: String(current.rev) } },
              }),
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined; // another writer won: re-read, re-merge
      throw error;
    }
    return { document, state: next, previous, changed: true };
  }

  async putEvent(id: string, order: string, event: ExecutionEvent): Promise<boolean> {
    return retrying(
      `Storing event ${event.id}`,
      async () => {
        try {
          await this.#o.client.send(
            new PutItemCommand({
              TableName: this.#o.tableName,
              Item: {
                pk: { S: executionPk(id) },
                sk: { S: eventSk(order) },
                event: { S: JSON.stringify(event) },
                [TTL_ATTRIBUTE]: { N: String(expiresAt(this.#o.clock(), this.#o.retentionDays)) },
              },
              ConditionExpression: "attribute_not_exists(pk)",
            }),
          );
          return true;
        } catch (error) {
          if (isConditionalCheckFailed(error)) return false;
          throw error;
        }
      },
      this.#o.retry,
    );
  }

  async listEvents(id: string, options: ListOptions): Promise<Page<ExecutionEvent>> {
    const pk = executionPk(id);
    const start =
      options.cursor === undefined
        ? undefined
        : decodeCursor(
            options.cursor,
            [TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey],
            (k) => k.pk === pk && (k.sk ?? "").startsWith(EVENT_PREFIX),
          );
    const page = await this.#query(
      {
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": { S: pk }, ":prefix": { S: EVENT_PREFIX } },
        ScanIndexForward: true,
      },
      options.limit,
      start,
    );
    const items = page.items.flatMap((item) => {
      const event = parseJson<ExecutionEvent>(item.event?.S);
      return event === undefined ? [] : [event];
    });
    return withCursor(items, page.lastKey);
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
        KeyConditionExpression: `${BY_WORKFLOW_INDEX.partitionKey} = :wf`,
        ExpressionAttributeValues: {
          ":wf": { S: gsi1pk },
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
    return withCursor(this.#documents(page.items), page.lastKey);
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
    return { items: this.#documents(page.items), truncated: page.lastKey !== undefined };
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

  async #getMeta(id: string): Promise<{ state: RecordState; rev: number } | undefined> {
    const result = await this.#o.client.send(
      new GetItemCommand({
        TableName: this.#o.tableName,
        Key: { pk: { S: executionPk(id) }, sk: { S: META } },
        ConsistentRead: true,
      }),
    );
    const item = result.Item;
    if (item === undefined) return undefined;
    const state = parseJson<RecordState>(item.state?.S);
    if (state === undefined)
      throw new Error(`Execution record ${id} has an unreadable state attribute.`);
    return { state, rev: Number(item.rev?.N ?? "0") };
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
              Limit: Math.min(1000, limit - items.length),
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

  #documents(items: readonly Record<string, AttributeValue>[]): ExecutionDocument[] {
    return items.flatMap((item) => {
      const state = parseJson<RecordState>(item.state?.S);
      return state === undefined ? [] : [this.#document(state)];
    });
  }

  #document(state: RecordState): ExecutionDocument {
    return toDocument(
      state,
      state.workflow === undefined ? undefined : this.#o.catalogue.get(state.workflow),
    );
  }
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
