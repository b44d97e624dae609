/**
 * DynamoDB units of the execution records, measured: a workflow runs in the test harness (the
 * real handlers), the events the records queue would carry in AWS (Step Functions status changes
 * and Baton's `Step *` / `Compensation *` events, as the records rules match them) are replayed
 * through the records function's batch path (`applyBatch`) on the real DynamoDB store, backed by
 * dynalite, and every request's units are counted from the items it reads and writes (DynamoDB's
 * rules: 1 KB per write unit of the larger of the old and new item, a failed conditional write
 * included; 4 KB per read unit of the items a Query returns, summed, half for eventually
 * consistent reads; the `byWorkflow` index written when an item enters it or its projected
 * `status` changes: one unit, two when its keys change). The API's start write is included.
 *
 * Two deliveries: `batched`, every event of the execution in one queue batch (the queue's 1 s
 * batching window holds a short execution whole); `per event`, each event its own invocation
 * (the worst case: an idle queue that polls faster than events arrive).
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { BY_WORKFLOW_INDEX, STEP_FUNCTIONS_SOURCE } from "../../lib/core/wire.ts";
import { startLocalDynamo } from "../../lib/local/dynamo.ts";
import type { BusEvent } from "../../lib/local/event-bus.ts";
import { createHarness } from "../../lib/local/harness.ts";
import { DynamoExecutionStore } from "../../lib/runtime/aws/dynamo-execution-store.ts";
import { startDelta } from "../../lib/runtime/records/observe.ts";
import { applyBatch } from "../../lib/runtime/records/updater.ts";

export type Delivery = "batched" | "per event";

export interface MeasuredRecords {
  /** Events the records queue carries for the execution. */
  readonly events: number;
  /** Records function invocations (batches). */
  readonly invocations: number;
  readonly writeUnits: number;
  readonly readUnits: number;
  readonly requests: number;
}

const RECORDED = /^(Step |Compensation )/;

/** Runs `workflow` (YAML/JSON text) once and measures its records' DynamoDB units. */
export async function measureRecords(
  workflow: string,
  input: Record<string, unknown>,
  failAt: string | undefined,
  delivery: Delivery,
): Promise<MeasuredRecords> {
  const events: BusEvent[] = [];
  const harness = await createHarness({
    workflow,
    services: { svc: () => ({ status: 201, body: { id: "r-1", ok: true } }) },
    onRecordsEvent: (event) => {
      if (event.source === STEP_FUNCTIONS_SOURCE || RECORDED.test(event["detail-type"]))
        events.push(event);
    },
  });
  let run: Awaited<ReturnType<typeof harness.run>>;
  try {
    run = await harness.run(input as never, {
      ...(failAt === undefined ? {} : { faults: [{ step: failAt, error: "Baton.ClientError" }] }),
    });
  } finally {
    await harness.close();
  }
  const dynamo = await startLocalDynamo({
    tables: { registry: "registry", executions: "executions" },
  });
  const units = { writeUnits: 0, readUnits: 0, requests: 0 };
  const stored = new Map<string, StoredItem>();
  dynamo.client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        const result = await next(args);
        count(
          context.commandName ?? "",
          args.input as Request,
          result.output as Response,
          units,
          stored,
          true,
        );
        return result;
      } catch (error) {
        count(context.commandName ?? "", args.input as Request, {}, units, stored, false);
        throw error;
      }
    },
    { step: "initialize", name: "countUnits" },
  );
  const batches = delivery === "batched" ? [events] : events.map((e) => [e]);
  try {
    const catalogue = harness.compiled.catalogue;
    const store = new DynamoExecutionStore({
      client: dynamo.client,
      tableName: "executions",
      catalogue,
    });
    const workflowEntry = catalogue.list()[0];
    if (workflowEntry === undefined) throw new Error("the harness compiled no workflow");
    // The API records the start before Step Functions reports it.
    await store.merge(
      run.execution.id,
      // The API records the engine's start time (StartExecution's startDate).
      startDelta(run.execution.id, workflowEntry, input as never, run.execution.startedAt),
    );
    for (const batch of batches) {
      const results = await applyBatch(batch, { store, catalogue });
      const failed = results.find((r) => r.outcome === "failed");
      if (failed !== undefined) throw new Error(`recording failed: ${JSON.stringify(failed)}`);
    }
  } finally {
    await dynamo.close();
  }
  return { events: events.length, invocations: batches.length, ...units };
}

type Item = Record<string, AttributeValue>;
interface Request {
  readonly Item?: Item;
  readonly Key?: Item;
  readonly ConsistentRead?: boolean;
}
interface Response {
  readonly Item?: Item;
  readonly Items?: readonly Item[];
}
interface StoredItem {
  readonly size: number;
  /** The index keys and projected status, when the item is in the index. */
  readonly index?: { readonly keys: string; readonly status: string };
}

function count(
  command: string,
  input: Request,
  output: Response,
  units: { writeUnits: number; readUnits: number; requests: number },
  stored: Map<string, StoredItem>,
  succeeded: boolean,
): void {
  units.requests++;
  const readFactor = input.ConsistentRead === true ? 1 : 0.5;
  if (command === "PutItemCommand" && input.Item !== undefined) {
    const key = `${input.Item.pk?.S}|${input.Item.sk?.S}`;
    const before = stored.get(key);
    const size = itemSize(input.Item);
    // A failed conditional write consumes the units of the item it would have written.
    units.writeUnits += Math.max(1, Math.ceil(Math.max(size, before?.size ?? 0) / 1024));
    if (!succeeded) return;
    const gsiPk = input.Item[BY_WORKFLOW_INDEX.partitionKey]?.S;
    const gsiSk = input.Item[BY_WORKFLOW_INDEX.sortKey]?.S;
    const index =
      gsiPk === undefined || gsiSk === undefined
        ? undefined
        : { keys: `${gsiPk}|${gsiSk}`, status: input.Item.status?.S ?? "" };
    if (index !== undefined) {
      if (before?.index === undefined) units.writeUnits += 1;
      else if (before.index.keys !== index.keys) units.writeUnits += 2;
      else if (before.index.status !== index.status) units.writeUnits += 1;
    } else if (before?.index !== undefined) units.writeUnits += 1;
    stored.set(key, { size, ...(index === undefined ? {} : { index }) });
  } else if (command === "GetItemCommand") {
    const size = output.Item === undefined ? 0 : itemSize(output.Item);
    units.readUnits += Math.max(1, Math.ceil(size / 4096)) * readFactor;
  } else if (command === "QueryCommand") {
    const size = (output.Items ?? []).reduce((t, i) => t + itemSize(i), 0);
    units.readUnits += Math.max(1, Math.ceil(size / 4096)) * readFactor;
  }
}

/** DynamoDB item size: attribute names plus values (numbers about one byte per two digits). */
function itemSize(item: Item): number {
  return Object.entries(item).reduce((t, [name, value]) => t + utf8(name) + valueSize(value), 0);
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\./g, "").length / 2) + 1;
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.M !== undefined) return 3 + itemSize(value.M);
  if (value.L !== undefined) return 3 + value.L.reduce((t, v) => t + 1 + valueSize(v), 0);
  if (value.SS !== undefined) return value.SS.reduce((t, s) => t + utf8(s), 0);
  return 0;
}

const utf8 = (text: string): number => Buffer.byteLength(text, "utf8");
