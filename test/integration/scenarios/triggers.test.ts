/**
 * Scenario 6: an event on the orchestration bus starts a workflow. `order-fulfillment.yaml` has the
 * trigger `{source: [shop.orders], detailType: [Order Placed]}` and no trigger `input`, so the
 * execution's input is the event's detail, as `baton dev` does and as its input schema expects.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  api,
  type ExecutionDocument,
  eventually,
  reached,
  waitForExecution,
} from "../fixtures/api.ts";
import { putBusEvent } from "../fixtures/aws.ts";
import { type Shop, startShop } from "../fixtures/shop.ts";

const WORKFLOW = "order-fulfillment";

describe("event triggers on the deployed stack", () => {
  let shop: Shop;

  beforeAll(async () => {
    shop = await startShop();
  });
  afterAll(async () => {
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
    expect([record.status, record.input]).toEqual(["SUCCEEDED", detail]);
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
});
