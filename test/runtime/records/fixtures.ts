/** Event envelopes and a catalogue entry shaped like the real ones, for record tests. */
import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { CatalogueWorkflow } from "../../../lib/core/project/catalogue.ts";
import { ensureTable, executionsTable } from "../../../lib/runtime/aws/table-schema.ts";
import { WorkflowCatalogue } from "../../../lib/runtime/workflow-catalogue.ts";

export const REGION_ACCOUNT = "us-east-1:123456789012";
export const STATE_MACHINE_ARN = `arn:aws:states:${REGION_ACCOUNT}:stateMachine:order-fulfillment`;
export const executionArn = (id: string): string =>
  `arn:aws:states:${REGION_ACCOUNT}:execution:order-fulfillment:${id}`;

/** 2026-11-22T10:00:00.000Z */
export const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
export const at = (ms: number): string => new Date(T0 + ms).toISOString();

export const orderWorkflow: CatalogueWorkflow = {
  name: "order-fulfillment",
  version: 3,
  type: "standard",
  description: "Reserve stock, charge, ship; undo on failure",
  definition: { workflow: "order-fulfillment", version: 3 },
  inputSchema: {
    type: "object",
    required: ["orderId", "amount"],
    properties: {
      orderId: { type: "string", minLength: 1 },
      amount: { type: "number", exclusiveMinimum: 0 },
    },
  },
  asl: { StartAt: "reserve", States: {} },
  mermaid: "flowchart TD",
  stateMachineArn: STATE_MACHINE_ARN,
  steps: [
    {
      id: "reserve",
      kind: "call",
      scope: "/",
      dependsOn: [],
      explicitDependsOn: false,
      reads: [],
      call: { service: "inventory", method: "POST", path: "/reservations" },
      idempotent: false,
      compensable: true,
    },
    {
      id: "charge",
      kind: "call",
      scope: "/",
      dependsOn: ["reserve"],
      explicitDependsOn: false,
      reads: [],
      call: { service: "payments", method: "POST", path: "/charges" },
      idempotent: false,
      compensable: true,
    },
    {
      id: "ship",
      kind: "call",
      scope: "/",
      dependsOn: ["charge"],
      explicitDependsOn: false,
      reads: ["charge"],
      call: { service: "shipping", method: "POST", path: "/shipments" },
      idempotent: false,
      compensable: false,
    },
  ],
};

export const catalogue = new WorkflowCatalogue([orderWorkflow]);

let eventCounter = 0;
const nextId = (): string => `evt-${++eventCounter}`;

export interface SfnStatusOptions {
  readonly status: "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";
  readonly startMs?: number;
  readonly stopMs?: number;
  readonly error?: string;
  readonly cause?: string;
  readonly input?: unknown;
  readonly output?: unknown;
  readonly redriveCount?: number;
  readonly eventId?: string;
}

/** A "Step Functions Execution Status Change" event as EventBridge delivers it. */
export function sfnStatus(id: string, o: SfnStatusOptions) {
  const stopped = o.status === "RUNNING" ? null : T0 + (o.stopMs ?? 5123);
  return {
    version: "0",
    id: o.eventId ?? nextId(),
    "detail-type": "Step Functions Execution Status Change",
    source: "aws.states",
    account: "123456789012",
    time: new Date(stopped ?? T0 + (o.startMs ?? 0)).toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: "us-east-1",
    resources: [executionArn(id)],
    detail: {
      executionArn: executionArn(id),
      stateMachineArn: STATE_MACHINE_ARN,
      name: id,
      status: o.status,
      startDate: T0 + (o.startMs ?? 0),
      stopDate: stopped,
      input: JSON.stringify(o.input ?? { orderId: "o-1", amount: 42 }),
      inputDetails: { included: true },
      output: o.output === undefined ? null : JSON.stringify(o.output),
      outputDetails: o.output === undefined ? null : { included: true },
      error: o.error ?? null,
      cause: o.cause ?? null,
      redriveCount: o.redriveCount ?? 0,
      redriveStatus: "NOT_REDRIVABLE",
    },
  };
}

export interface StepOptions {
  readonly stepId: string;
  readonly attempt?: number;
  readonly mode?: "call" | "compensate";
  readonly startMs: number;
  readonly endMs?: number;
  readonly instance?: string | null;
  readonly error?: { name: string; message: string; retryable: boolean } | null;
  readonly eventId?: string;
  /** Set by calls of a redrive run. */
  readonly redriveCount?: number;
  /** The trace id the attempt sent (`traceparent`), on end events. */
  readonly traceId?: string;
}

/** Trace ids of the saga's calls: its first attempt's, and the one every later attempt sent. */
export const SAGA_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
export const LATER_TRACE_ID = "0af7651916cd43dd8448eb211c80319c";

/** A Baton step event with the `StepEventDetail` shape the service-call handler publishes. */
export function stepEvent(
  type: "Step Started" | "Step Retried" | "Step Succeeded" | "Step Failed" | "Step Compensated",
  id: string,
  o: StepOptions,
) {
  const ended = o.endMs === undefined ? null : T0 + o.endMs;
  return {
    version: "0",
    id: o.eventId ?? nextId(),
    "detail-type": type,
    source: "baton",
    account: "123456789012",
    time: new Date(ended ?? T0 + o.startMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: "us-east-1",
    resources: [],
    detail: {
      executionId: executionArn(id),
      workflow: "order-fulfillment",
      version: 3,
      stepId: o.stepId,
      mode: o.mode ?? "call",
      attempt: o.attempt ?? 1,
      service: "svc",
      instance: o.instance ?? null,
      startedAt: at(o.startMs),
      endedAt: ended === null ? null : new Date(ended).toISOString(),
      durationMs: ended === null ? null : ended - (T0 + o.startMs),
      status: ended === null ? null : 200,
      error: o.error ?? null,
      ...(o.redriveCount === undefined ? {} : { redriveCount: o.redriveCount }),
      ...(o.traceId === undefined ? {} : { traceId: o.traceId }),
    },
  };
}

/** Any other Baton event (`Compensation *`, `Execution *`). */
export function batonEvent(
  type: string,
  id: string,
  detail: Record<string, unknown>,
  timeMs: number,
) {
  return {
    version: "0",
    id: nextId(),
    "detail-type": type,
    source: "baton",
    time: new Date(T0 + timeMs).toISOString(),
    detail: { executionId: id, workflow: "order-fulfillment", version: 3, ...detail },
  };
}

const failure = (name: string, message: string, retryable: boolean) => ({
  name,
  message,
  retryable,
});

/**
 * A saga that fails: reserve succeeds on attempt 2 (first attempt 503), charge succeeds, ship fails
 * with a 400, reserve and charge are compensated. Every event of it, in delivery order.
 */
export function failedSagaEvents(id: string) {
  return [
    sfnStatus(id, { status: "RUNNING" }),
    stepEvent("Step Started", id, { stepId: "reserve", attempt: 1, startMs: 10 }),
    stepEvent("Step Failed", id, {
      stepId: "reserve",
      attempt: 1,
      startMs: 10,
      endMs: 40,
      instance: "inventory-a",
      error: failure("Baton.ServiceError", "HTTP 503", true),
      traceId: SAGA_TRACE_ID,
    }),
    stepEvent("Step Started", id, { stepId: "reserve", attempt: 2, startMs: 1040 }),
    stepEvent("Step Retried", id, { stepId: "reserve", attempt: 2, startMs: 1040 }),
    stepEvent("Step Succeeded", id, {
      stepId: "reserve",
      attempt: 2,
      startMs: 1040,
      endMs: 1081,
      instance: "inventory-b",
      traceId: LATER_TRACE_ID,
    }),
    stepEvent("Step Started", id, { stepId: "charge", startMs: 1100 }),
    stepEvent("Step Succeeded", id, {
      stepId: "charge",
      startMs: 1100,
      endMs: 1300,
      instance: "payments-a",
      traceId: LATER_TRACE_ID,
    }),
    stepEvent("Step Started", id, { stepId: "ship", startMs: 1310 }),
    stepEvent("Step Failed", id, {
      stepId: "ship",
      startMs: 1310,
      endMs: 1400,
      instance: "shipping-a",
      error: failure("Baton.ClientError", "HTTP 400: bad address", false),
    }),
    batonEvent("Compensation Started", id, {}, 1410),
    stepEvent("Step Started", id, { stepId: "charge", mode: "compensate", startMs: 1420 }),
    stepEvent("Step Compensated", id, {
      stepId: "charge",
      mode: "compensate",
      startMs: 1420,
      endMs: 1500,
    }),
    stepEvent("Step Started", id, { stepId: "reserve", mode: "compensate", startMs: 1510 }),
    stepEvent("Step Failed", id, {
      stepId: "reserve",
      mode: "compensate",
      startMs: 1510,
      endMs: 1520,
      error: failure("Baton.ServiceError", "HTTP 502", true),
    }),
    stepEvent("Step Started", id, {
      stepId: "reserve",
      mode: "compensate",
      attempt: 2,
      startMs: 2520,
    }),
    stepEvent("Step Compensated", id, {
      stepId: "reserve",
      mode: "compensate",
      attempt: 2,
      startMs: 2520,
      endMs: 2600,
    }),
    batonEvent("Compensation Completed", id, {}, 2610),
    sfnStatus(id, {
      status: "FAILED",
      stopMs: 5123,
      error: "Baton.ClientError",
      cause: JSON.stringify({
        message: "HTTP 400: bad address",
        step: "ship",
        status: 400,
        instance: "shipping-a",
      }),
    }),
  ];
}

/** A real dynalite server on a random port with the executions table and its index. */
export async function startDynalite(
  tableName: string,
): Promise<{ client: DynamoDBClient; close(): Promise<void> }> {
  const require = createRequire(import.meta.url);
  const dynalite = require("dynalite") as (options: { createTableMs: number }) => Server;
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  await ensureTable(client, executionsTable(tableName));
  return {
    client,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
