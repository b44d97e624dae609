/**
 * `WorkflowStore` on DynamoDB (table `BATON_WORKFLOWS_TABLE`, keys `pk`/`sk`): heads in one
 * partition (`pk = WORKFLOWS`, `sk = <name>`) so the catalogue reads them with one Query, and each
 * workflow's versions in its own (`pk = WORKFLOW#<name>`, `sk = VERSION#<10 digits>`) so the
 * newest is one Query in reverse; its audit entries in the same partition
 * (`sk = AUDIT#<time>#<random>`), read newest first the same way. A version's source and catalogue entry are stored gzipped:
 * compiled ASL compresses about tenfold, which keeps large workflows under the 400 KB item limit.
 * No transactions (dynalite has none): a version is claimed by a conditional put, so two
 * publishers racing for one number cannot both win.
 */
import { randomUUID } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import type { CatalogueWorkflow } from "../../core/project/catalogue.ts";
import { isConditionalCheckFailed } from "../throttling.ts";
import type { AuditEntry, AuditPage } from "../workflows/audit.ts";
import {
  WorkflowConflictError,
  type WorkflowHead,
  type WorkflowStore,
  type WorkflowVersionRecord,
} from "../workflows/workflow-store.ts";
import { allItems } from "./dynamo-pages.ts";

type Item = Record<string, AttributeValue>;

const HEADS_PK = "WORKFLOWS";
const versionsPk = (name: string): string => `WORKFLOW#${name}`;
const VERSION_PREFIX = "VERSION#";
const versionSk = (version: number): string =>
  `${VERSION_PREFIX}${String(version).padStart(10, "0")}`;
const AUDIT_PREFIX = "AUDIT#";

export interface DynamoWorkflowStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /**
   * Every head is written through this instance (`baton dev`): a head read once is kept and
   * answered from memory until this instance writes it, so starting an execution does not read
   * the head again. Never in AWS (the publish Lambda writes heads the API must see). @default false
   */
  readonly soleWriter?: boolean;
}

export class DynamoWorkflowStore implements WorkflowStore {
  readonly #o: DynamoWorkflowStoreOptions;
  /** Sole writer only: heads read or written, by name (`null`: none stored). */
  readonly #heads = new Map<string, WorkflowHead | null>();
  /** Sole writer only: head writes started, by name (a read that raced one is not kept). */
  readonly #headWrites = new Map<string, number>();

  constructor(options: DynamoWorkflowStoreOptions) {
    this.#o = options;
  }

  async heads(): Promise<WorkflowHead[]> {
    const items = await this.#queryAll({
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: HEADS_PK } },
    });
    return items.flatMap((item) => {
      const head = parseHead(item);
      return head === undefined ? [] : [head];
    });
  }

  async head(name: string): Promise<WorkflowHead | undefined> {
    const kept = this.#heads.get(name);
    if (kept !== undefined) return kept === null ? undefined : structuredClone(kept);
    const writes = this.#headWrites.get(name) ?? 0;
    const head = await this.#readHead(name);
    if (this.#o.soleWriter === true && (this.#headWrites.get(name) ?? 0) === writes)
      this.#heads.set(name, head === undefined ? null : structuredClone(head));
    return head;
  }

  async #readHead(name: string): Promise<WorkflowHead | undefined> {
    const result = await this.#o.client.send(
      new GetItemCommand({
        TableName: this.#o.tableName,
        Key: { pk: { S: HEADS_PK }, sk: { S: name } },
        ConsistentRead: true,
      }),
    );
    return result.Item === undefined ? undefined : parseHead(result.Item);
  }

  async putHead(head: WorkflowHead, expectedUpdatedAt: string | undefined): Promise<void> {
    // Counted as it starts and as it ends: a read overlapping it in any way is not kept.
    const counted = (): void => {
      this.#heads.delete(head.name);
      this.#headWrites.set(head.name, (this.#headWrites.get(head.name) ?? 0) + 1);
    };
    counted();
    try {
      await this.#o.client.send(
        new PutItemCommand({
          TableName: this.#o.tableName,
          // updatedAt is also its own attribute, for the optimistic condition below.
          Item: {
            pk: { S: HEADS_PK },
            sk: { S: head.name },
            updatedAt: { S: head.updatedAt },
            head: { S: JSON.stringify(head) },
          },
          ...(expectedUpdatedAt === undefined
            ? { ConditionExpression: "attribute_not_exists(pk)" }
            : {
                ConditionExpression: "updatedAt = :expected",
                ExpressionAttributeValues: { ":expected": { S: expectedUpdatedAt } },
              }),
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new WorkflowConflictError(
          `Workflow ${head.name} was changed by another request at the same time; retry.`,
          { cause: error },
        );
      }
      throw error;
    } finally {
      counted();
    }
  }

  async version(name: string, version: number): Promise<WorkflowVersionRecord | undefined> {
    const result = await this.#o.client.send(
      new GetItemCommand({
        TableName: this.#o.tableName,
        Key: { pk: { S: versionsPk(name) }, sk: { S: versionSk(version) } },
      }),
    );
    return result.Item === undefined ? undefined : parseVersion(result.Item);
  }

  async latest(name: string): Promise<WorkflowVersionRecord | undefined> {
    return (await this.versions(name, 1))[0];
  }

  async versions(name: string, limit: number): Promise<WorkflowVersionRecord[]> {
    const result = await this.#o.client.send(
      new QueryCommand({
        TableName: this.#o.tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: {
          ":pk": { S: versionsPk(name) },
          ":prefix": { S: VERSION_PREFIX },
        },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).flatMap((item) => {
      const record = parseVersion(item);
      return record === undefined ? [] : [record];
    });
  }

  async putVersion(record: WorkflowVersionRecord): Promise<void> {
    const { source, entry, ...meta } = record;
    try {
      await this.#o.client.send(
        new PutItemCommand({
          TableName: this.#o.tableName,
          Item: {
            pk: { S: versionsPk(record.name) },
            sk: { S: versionSk(record.version) },
            meta: { S: JSON.stringify(meta) },
            body: { B: gzipSync(JSON.stringify({ source, entry })) },
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new WorkflowConflictError(
          `Version ${record.version} of ${record.name} was published by another request at the same time; retry.`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.#o.client.send(
      new PutItemCommand({
        TableName: this.#o.tableName,
        Item: {
          pk: { S: versionsPk(entry.workflow) },
          sk: { S: `${AUDIT_PREFIX}${entry.at}#${randomUUID().slice(0, 8)}` },
          audit: { S: JSON.stringify(entry) },
        },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  async audit(name: string, limit: number, cursor?: string): Promise<AuditPage> {
    const result = await this.#o.client.send(
      new QueryCommand({
        TableName: this.#o.tableName,
        KeyConditionExpression:
          cursor === undefined
            ? "pk = :pk AND begins_with(sk, :prefix)"
            : "pk = :pk AND sk BETWEEN :prefix AND :before",
        ExpressionAttributeValues: {
          ":pk": { S: versionsPk(name) },
          ":prefix": { S: AUDIT_PREFIX },
          ...(cursor === undefined ? {} : { ":before": { S: cursor } }),
        },
        ScanIndexForward: false,
        Limit: limit + 1,
      }),
    );
    // BETWEEN is inclusive: the cursor's own entry comes back first and is dropped.
    const items = (result.Items ?? []).filter((item) => item.sk?.S !== cursor);
    const page = items.slice(0, limit);
    const last = page.at(-1)?.sk?.S;
    return {
      items: page.flatMap((item) => {
        try {
          return [JSON.parse(item.audit?.S ?? "") as AuditEntry];
        } catch {
          return [];
        }
      }),
      ...(items.length > limit && last !== undefined ? { cursor: last } : {}),
    };
  }

  async #queryAll(
    input: Pick<
      ConstructorParameters<typeof QueryCommand>[0],
      "KeyConditionExpression" | "ExpressionAttributeValues"
    >,
  ): Promise<Item[]> {
    return allItems((start) =>
      this.#o.client.send(
        new QueryCommand({
          TableName: this.#o.tableName,
          ...input,
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      ),
    );
  }
}

function parseHead(item: Item): WorkflowHead | undefined {
  const text = item.head?.S;
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as WorkflowHead;
  } catch {
    return undefined;
  }
}

function parseVersion(item: Item): WorkflowVersionRecord | undefined {
  const meta = item.meta?.S;
  const body = item.body?.B;
  if (meta === undefined || body === undefined) return undefined;
  try {
    const { source, entry } = JSON.parse(gunzipSync(body).toString("utf8")) as {
      source: string;
      entry: CatalogueWorkflow;
    };
    return {
      ...(JSON.parse(meta) as Omit<WorkflowVersionRecord, "source" | "entry">),
      source,
      entry,
    };
  } catch {
    return undefined;
  }
}
