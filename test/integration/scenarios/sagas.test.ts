/**
 * Scenarios 1-3: `workflows/order-fulfillment.yaml` (reserve → charge → ship → announce) on the
 * deployed stack, started through API Gateway, calling demo services on this machine: a saga that
 * succeeds, one whose charge is retried, one whose shipment fails and is compensated.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { StepStatus } from "../../../lib/runtime/records/document.ts";
import {
  api,
  type ExecutionDocument,
  eventually,
  reached,
  type StepRecord,
  startExecution,
  waitForExecution,
  withAttempts,
} from "../fixtures/api.ts";
import { type BusTap, tapBus } from "../fixtures/aws.ts";
import { type Shop, startShop } from "../fixtures/shop.ts";

const WORKFLOW = "order-fulfillment";
/** The message of the service-call error for the demo service's forced failure. */
const SHIPPING_REFUSED = "HTTP 400: shipping failed on purpose (failNext)";
const order = (amount = 25) => ({
  orderId: `it-${randomUUID()}`,
  customerId: "c-1",
  sku: "sku-1",
  quantity: 2,
  amount,
  currency: "EUR",
});

const succeeded = withAttempts(
  reached("SUCCEEDED", { reserve: "SUCCEEDED", charge: "SUCCEEDED", ship: "SUCCEEDED" }),
  ["reserve", "charge", "ship"],
);

/** A call step's record once it ran. */
const ran = (id: string, status: StepStatus, attempts: number, instance: string): StepRecord => ({
  id,
  status,
  attempts,
  startedAt: expect.any(String),
  endedAt: expect.any(String),
  durationMs: expect.any(Number),
  instance,
});

/** The trace id in the `traceparent` of each request the shop received for one execution, in order. */
const sentTraceIds = (shop: Shop, executionId: string): string[] =>
  shop
    .received()
    .filter((c) => c.headers["x-baton-execution"] === executionId)
    .map((c) => c.headers.traceparent?.split("-")[1] ?? "");

/** The execution document's fields every scenario of this file expects alike. */
const execution = (shop: Shop, started: ExecutionDocument, input: ReturnType<typeof order>) => ({
  id: started.id,
  workflow: WORKFLOW,
  version: 3,
  startedAt: started.startedAt,
  // The caller as the API saw it (docs/auth.md): the signing principal's ARN.
  startedBy: expect.stringMatching(/^arn:aws:(iam|sts)::/),
  // Started without ?version= or ?alias=: the live alias chose.
  versionPinned: false,
  // What the services received: the first call's trace id. AWS sends every call of an execution
  // in its one X-Ray trace; MiniStack gives each Lambda invocation a trace of its own.
  traceId: (() => {
    const [first] = sentTraceIds(shop, started.id);
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    return first;
  })(),
  stoppedAt: expect.any(String),
  durationMs: expect.any(Number),
  totalSteps: 4,
  input,
});

describe("order-fulfillment saga on the deployed stack", () => {
  let shop: Shop;
  let tap: BusTap;

  beforeAll(async () => {
    shop = await startShop();
    tap = await tapBus({ source: ["baton"], "detail-type": ["Order Fulfilled"] });
  });
  afterAll(async () => {
    await tap?.close();
    await shop?.close();
  });
  beforeEach(() => shop.reset());

  it("runs a saga to SUCCEEDED with its steps and output recorded and its event on the bus", async () => {
    // Prepare
    const input = order();
    // Act
    const started = await startExecution(WORKFLOW, input);
    const record = await waitForExecution(started.id, succeeded);
    const events = await tap.waitFor((all) => all.some((e) => e.detail.orderId === input.orderId));
    // Assess
    expect(record).toEqual({
      ...execution(shop, started, input),
      status: "SUCCEEDED",
      stepsCompleted: 4,
      output: {
        reservation: expect.stringMatching(/^inventory-\d+$/),
        charge: expect.stringMatching(/^payments-\d+$/),
      },
      error: null,
      compensation: "NONE",
      steps: [
        ran("reserve", "SUCCEEDED", 1, shop.instances.inventory),
        ran("charge", "SUCCEEDED", 1, shop.instances.payments),
        ran("ship", "SUCCEEDED", 1, shop.instances.shipping),
        { id: "announce", status: "SUCCEEDED", attempts: 0 },
      ],
    });
    expect(shop.calls()).toEqual([
      "inventory POST /reservations 201",
      "payments POST /charges 201",
      "shipping POST /shipments 201",
    ]);
    const output = record.output as { charge: string };
    expect(
      events
        .filter((e) => e.detail.orderId === input.orderId)
        .map((e) => ({ source: e.source, type: e["detail-type"], detail: e.detail })),
    ).toEqual([
      {
        source: "baton",
        type: "Order Fulfilled",
        detail: {
          orderId: input.orderId,
          chargeId: output.charge,
          executionId: started.id,
          workflow: WORKFLOW,
          version: 3,
          stepId: "announce",
        },
      },
    ]);
  });

  it("retries a step that answers 503 and records every attempt", async () => {
    // Prepare
    const input = order();
    shop.services.payments.settings.failNext = 2;
    // Act
    const started = await startExecution(WORKFLOW, input);
    const record = await waitForExecution(started.id, succeeded);
    // Assess
    expect([record.status, record.steps]).toEqual([
      "SUCCEEDED",
      [
        ran("reserve", "SUCCEEDED", 1, shop.instances.inventory),
        ran("charge", "SUCCEEDED", 3, shop.instances.payments),
        ran("ship", "SUCCEEDED", 1, shop.instances.shipping),
        { id: "announce", status: "SUCCEEDED", attempts: 0 },
      ],
    ]);
    expect(shop.calls()).toEqual([
      "inventory POST /reservations 201",
      "payments POST /charges 503",
      "payments POST /charges 503",
      "payments POST /charges 201",
      "shipping POST /shipments 201",
    ]);
  });

  it("sends the step's own Idempotency-Key header on every attempt", async () => {
    // Prepare: the charge step sets `Idempotency-Key: charge-{{ input.orderId }}`
    const input = order();
    shop.services.payments.settings.failNext = 1;
    // Act
    const started = await startExecution(WORKFLOW, input);
    await waitForExecution(started.id, succeeded);
    // Assess
    expect(
      shop.services.payments.calls().map((c) => `${c.status} ${c.headers["idempotency-key"]}`),
    ).toEqual([`503 charge-${input.orderId}`, `201 charge-${input.orderId}`]);
  });

  it("compensates the succeeded steps in reverse order when a step fails", async () => {
    // Prepare
    const input = order();
    Object.assign(shop.services.shipping.settings, { failNext: 1, failStatus: 400 });
    // Act
    const started = await startExecution(WORKFLOW, input);
    const record = await waitForExecution(
      started.id,
      withAttempts(
        reached("FAILED", { reserve: "COMPENSATED", charge: "COMPENSATED", ship: "FAILED" }),
        ["reserve", "charge", "ship"],
      ),
    );
    // Assess
    const error = { name: "Baton.ClientError", message: SHIPPING_REFUSED };
    expect(record).toEqual({
      ...execution(shop, started, input),
      status: "FAILED",
      stepsCompleted: 2,
      output: null,
      error: { ...error, step: "ship" },
      compensation: "COMPLETED",
      steps: [
        ran("reserve", "COMPENSATED", 1, shop.instances.inventory),
        ran("charge", "COMPENSATED", 1, shop.instances.payments),
        { ...ran("ship", "FAILED", 1, shop.instances.shipping), error },
        { id: "announce", status: "PENDING", attempts: 0 },
      ],
    });
    expect(shop.calls()).toEqual([
      "inventory POST /reservations 201",
      "payments POST /charges 201",
      "shipping POST /shipments 400",
      "payments POST /refunds 201",
      expect.stringMatching(/^inventory DELETE \/reservations\/inventory-\d+ 200$/),
    ]);
    expect(shop.services.payments.calls()[1]?.body).toEqual({
      chargeId: expect.stringMatching(/^payments-\d+$/),
      amount: input.amount,
      reason: "Baton.ClientError",
    });
  });

  it("cancels a running saga with compensation: succeeded steps are undone in reverse order, the call in flight reported", async () => {
    // Prepare: the shipment hangs long enough to cancel while it runs
    const input = order();
    Object.assign(shop.services.shipping.settings, { latencyMs: 4_000 });
    const started = await startExecution(WORKFLOW, input);
    await waitForExecution(
      started.id,
      (d) => d.steps.find((s) => s.id === "ship")?.status === "RUNNING",
      { timeoutMs: 30_000 },
    );
    // Act
    const cancelled = await api(`executions/${started.id}/cancel`, {
      method: "POST",
      body: { compensate: true },
    });
    const record = await waitForExecution(
      started.id,
      reached("CANCELLED", { reserve: "COMPENSATED", charge: "COMPENSATED" }),
    );
    // Assess
    expect(cancelled.status).toBe(202);
    // The shipment in flight cannot be recalled in AWS, and its undo needs the shipment id the stop
    // lost: it is not confirmed undone, so compensation is UNCERTAIN (reserve and charge are undone).
    expect([record.status, record.compensation]).toEqual(["CANCELLED", "UNCERTAIN"]);
    const undo = shop
      .calls()
      .filter((c) => c.startsWith("payments POST /refunds") || c.includes("DELETE"));
    expect(undo).toEqual([
      "payments POST /refunds 201",
      expect.stringMatching(/^inventory DELETE \/reservations\/inventory-\d+ 200$/),
    ]);
    // The shipment already sent still completes (a stop cannot recall a request in flight); let it
    // land here rather than in the next file's services, which reuse the demo ports.
    await eventually(
      "the in-flight shipment to finish",
      async () => (shop.calls().some((c) => c.startsWith("shipping POST")) ? true : undefined),
      { timeoutMs: 20_000 },
    );
  });

  it("refuses to redrive a compensated saga (409): its undone steps would reuse their keys", async () => {
    // Prepare: shipping refuses once, so the saga fails and compensates
    const input = order();
    Object.assign(shop.services.shipping.settings, { failNext: 1, failStatus: 400 });
    const started = await startExecution(WORKFLOW, input);
    await waitForExecution(
      started.id,
      reached("FAILED", { reserve: "COMPENSATED", charge: "COMPENSATED" }),
    );
    shop.reset();
    // Act
    const redriven = await api(`executions/${started.id}/redrive`, { method: "POST" });
    // Assess
    expect(redriven.status).toBe(409);
    expect(String((redriven.body as { detail?: unknown }).detail)).toContain(
      "steps reserve, charge were compensated",
    );
    expect(shop.calls()).toEqual([]);
  });
});
