/**
 * Scenario 6: an event on the orchestration bus starts a workflow. `order-fulfillment.yaml` has the
 * trigger `{source: [shop.orders], detailType: [Order Placed]}` and no trigger `input`, so the
 * execution's input is the event's detail, as `baton dev` does and as its input schema expects.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeadLetter } from "../../../lib/runtime/dead-letter-queue.ts";
import {
  api,
  type ExecutionDocument,
  eventually,
  reached,
  waitForExecution,
} from "../fixtures/api.ts";
import { type BusTap, putBusEvent, tapBus } from "../fixtures/aws.ts";
import { type Shop, startShop } from "../fixtures/shop.ts";

const WORKFLOW = "order-fulfillment";

describe("event triggers on the deployed stack", () => {
  let shop: Shop;
  let rejections: BusTap;

  beforeAll(async () => {
    shop = await startShop();
    rejections = await tapBus({ source: ["baton"], "detail-type": ["Execution Rejected"] });
  });
  afterAll(async () => {
    await rejections?.close();
    await shop?.close();
  });

  it("starts the workflow whose trigger pattern matches an event, with the event's detail as input", async () => {
    // Prepare
    const detail = {
      orderId: `it-${randomUUID()}`,
      customerId: "c-3",
      sku: "sku-3",
      quantity: 3,
      amount: 12.5,
      currency: "GBP",
    };
    // Act
    await putBusEvent("shop.orders", "Order Placed", detail);
    const started = await eventually(
      `an execution of ${WORKFLOW} for ${detail.orderId}`,
      async () => {
        const { body } = await api<{ items: ExecutionDocument[] }>(
          `workflows/${WORKFLOW}/executions?limit=20`,
        );
        // Found whatever the input holds, so a wrong input shows in the assertion below.
        return body.items.find((e) => JSON.stringify(e.input).includes(detail.orderId));
      },
    );
    const record = await waitForExecution(
      started.id,
      reached("SUCCEEDED", { reserve: "SUCCEEDED", charge: "SUCCEEDED", ship: "SUCCEEDED" }),
    );
    // Assess
    expect([record.status, record.input, record.startedBy]).toEqual([
      "SUCCEEDED",
      detail,
      "event:shop.orders",
    ]);
    expect(shop.services.inventory.calls().map((c) => c.body)).toEqual([
      { orderId: detail.orderId, sku: detail.sku, quantity: detail.quantity },
    ]);
    expect(shop.calls()).toEqual([
      "inventory POST /reservations 201",
      "payments POST /charges 201",
      "shipping POST /shipments 201",
    ]);
  });

  it("leaves events that match no trigger alone", async () => {
    // Prepare
    const orderId = `it-${randomUUID()}`;
    shop.reset();
    // Act
    await putBusEvent("shop.orders", "Order Cancelled", { orderId });
    await new Promise((r) => setTimeout(r, 3000));
    const { body } = await api<{ items: ExecutionDocument[] }>(
      `workflows/${WORKFLOW}/executions?limit=20`,
    );
    // Assess
    expect(body.items.filter((e) => JSON.stringify(e.input).includes(orderId))).toEqual([]);
    expect(shop.calls()).toEqual([]);
  });

  it("starts nothing for an event whose detail fails the input schema: Execution Rejected, and the event in the DLQ", async () => {
    // Prepare
    const orderId = `it-${randomUUID()}`;
    const detail = {
      orderId,
      customerId: "c-4",
      sku: "sku-4",
      quantity: 0,
      amount: 5,
      currency: "GBP",
    };
    shop.reset();
    // Act
    await putBusEvent("shop.orders", "Order Placed", detail);
    const announced = await rejections.waitFor(
      (events) =>
        events.some(
          (e) => e.detail.input !== undefined && JSON.stringify(e.detail.input).includes(orderId),
        ),
      60_000,
    );
    const letter = await eventually(`the refused event for ${orderId} in GET /dlq`, async () => {
      const { body } = await api<{ items: DeadLetter[] }>("dlq?limit=100");
      return body.items.find((l) => JSON.stringify(l.detail).includes(orderId));
    });
    const { body } = await api<{ items: ExecutionDocument[] }>(
      `workflows/${WORKFLOW}/executions?limit=20`,
    );
    // Assess
    const reason =
      "The input does not match the input schema of order-fulfillment: /input/quantity must be >= 1.";
    expect(
      announced
        .filter((e) => JSON.stringify(e.detail.input).includes(orderId))
        .map((e) => e.detail),
    ).toEqual([
      {
        workflow: WORKFLOW,
        version: 3,
        source: "trigger",
        reason,
        errors: [{ path: "/input/quantity", message: "must be >= 1" }],
        input: detail,
      },
    ]);
    expect([letter.source, letter.detailType, letter.detail, letter.reason]).toEqual([
      "shop.orders",
      "Order Placed",
      detail,
      `Baton.InvalidInput: ${reason}`,
    ]);
    expect(body.items.filter((e) => JSON.stringify(e.input).includes(orderId))).toEqual([]);
    expect(shop.calls()).toEqual([]);
  });
});
