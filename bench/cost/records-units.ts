/**
 * DynamoDB units of the execution records, measured: a workflow runs in the test harness (the
 * real handlers), the events the records function would be invoked with in AWS (Step Functions
 * status changes and Baton's `Step *` / `Compensation *` events, as the records rules match them)
 * are replayed one invocation each through the records updater on the real DynamoDB store, backed
 * by dynalite, and every request's units are counted from the items it reads and writes
 * (DynamoDB's item-size rules: 1 KB per write unit, 4 KB per read unit, half for eventually
 * consistent reads, the `byWorkflow` index (projection ALL) written with the record).
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { BY_WORKFLOW_INDEX, STEP_FUNCTIONS_SOURCE } from "../../lib/core/wire.ts";
import { startLocalDynamo } from "../../lib/local/dynamo.ts";
import type { BusEvent } from "../../lib/local/event-bus.ts";
import { createHarness } from "../../lib/local/harness.ts";
import { DynamoExecutionStore } from "../../lib/runtime/aws/dynamo-execution-store.ts";
import { applyEvent } from "../../lib/runtime/records/updater.ts";

export interface MeasuredRecords {
  /** Records function invocations (one per event). */
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
  failAt?: string,
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
  try {
    await harness.run(input as never, {
      ...(failAt === undefined ? {} : { faults: [{ step: failAt, error: "Baton.ClientError" }] }),
    });
  } finally {
    await harness.close();
  }
  const dynamo = await startLocalDynamo({
    tables: { registry: "registry", executions: "executions" },
  });
  const units = { writeUnits: 0, readUnits: 0, requests: 0 };
  const sizes = new Map<string, number>();
  dynamo.client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      count(
        context.commandName ?? "",
        args.input as Request,
        result.output as Response,
        units,
        sizes,
      );
      return result;
    },
    { step: "initialize", name: "countUnits" },
  );
  try {
    const store = new DynamoExecutionStore({
      client: dynamo.client,
      tableName: "executions",
      catalogue: harness.compiled.catalogue,
    });
    for (const event of events)
      await applyEvent(event, { store, catalogue: harness.compiled.catalogue });
  } finally {
    await dynamo.close();
  }
  return { invocations: events.length, ...units };
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

function count(
  command: string,
  input: Request,
  output: Response,
  units: { writeUnits: number; readUnits: number; requests: number },
  sizes: Map<string, number>,
): void {
  units.requests++;
  const readFactor = input.ConsistentRead === true ? 1 : 0.5;
  if (command === "PutItemCommand" && input.Item !== undefined) {
    const key = `${input.Item.pk?.S}|${input.Item.sk?.S}`;
    const size = itemSize(input.Item);
    const billed = Math.max(size, sizes.get(key) ?? 0);
    sizes.set(key, size);
    const copies = input.Item[BY_WORKFLOW_INDEX.partitionKey] === undefined ? 1 : 2;
    units.writeUnits += Math.max(1, Math.ceil(billed / 1024)) * copies;
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
