/**
 * Scenario 5: execution records and statistics through the API of the deployed stack: the list of
 * a workflow's executions (newest first, filtered, paginated), an execution's events, and the
 * workflow's stats over a window holding exactly this file's executions.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  api,
  type ExecutionDocument,
  reached,
  startExecution,
  waitForExecution,
} from "../fixtures/api.ts";
import { type Shop, startShop } from "../fixtures/shop.ts";

const WORKFLOW = "order-fulfillment";

const order = (amount: number) => ({
  orderId: `it-${randomUUID()}`,
  customerId: "c-2",
  sku: "sku-2",
  quantity: 1,
  amount,
  currency: "USD",
});

interface Page {
  readonly items: readonly ExecutionDocument[];
  readonly nextCursor?: string;
}

describe("execution records and stats on the deployed stack", () => {
  let shop: Shop;
  let since: string;
  let succeeded: ExecutionDocument;
  let declined: ExecutionDocument;

  beforeAll(async () => {
    shop = await startShop();
    since = new Date().toISOString();
    // One saga that succeeds, then one the payment service declines (402 above 10 000), which
    // compensates the reservation.
    const first = await startExecution(WORKFLOW, order(40));
    const second = await startExecution(WORKFLOW, order(20_000));
    succeeded = await waitForExecution(
      first.id,
      reached("SUCCEEDED", { reserve: "SUCCEEDED", charge: "SUCCEEDED", ship: "SUCCEEDED" }),
    );
    declined = await waitForExecution(
      second.id,
      reached("FAILED", { reserve: "COMPENSATED", charge: "FAILED" }),
    );
  });
  afterAll(async () => {
    await shop?.close();
  });

  it("lists a workflow's executions newest first, by status, one page at a time", async () => {
    // Act
    const all = await api<Page>(`workflows/${WORKFLOW}/executions?limit=100`);
    const failed = await api<Page>(`workflows/${WORKFLOW}/executions?status=FAILED&limit=100`);
    const first = await api<Page>(`workflows/${WORKFLOW}/executions?limit=1`);
    const second = await api<Page>(
      `workflows/${WORKFLOW}/executions?limit=1&cursor=${encodeURIComponent(first.body.nextCursor ?? "")}`,
    );
    // Assess
    expect(all.status).toEqual(200);
    expect(all.body.items.slice(0, 2).map((e) => [e.id, e.status])).toEqual([
      [declined.id, "FAILED"],
      [succeeded.id, "SUCCEEDED"],
    ]);
    expect(all.body.items[0]).toEqual(declined);
    const failedIds = failed.body.items.map((e) => e.id);
    expect([failedIds.includes(declined.id), failedIds.includes(succeeded.id)]).toEqual([
      true,
      false,
    ]);
    expect(failed.body.items.every((e) => e.status === "FAILED")).toEqual(true);
    expect([first.body.items.map((e) => e.id), second.body.items.map((e) => e.id)]).toEqual([
      [declined.id],
      [succeeded.id],
    ]);
  });

  it("reads an execution's orchestration events in order", async () => {
    // Act
    const { status, body } = await api<{ items: { type: string; stepId?: string }[] }>(
      `executions/${declined.id}/events`,
    );
    // Assess
    expect(status).toEqual(200);
    expect(
      body.items
        .filter((e) => e.type !== "Step Functions Execution Status Change")
        .map((e) => `${e.type}${e.stepId === undefined ? "" : ` ${e.stepId}`}`),
    ).toEqual([
      // The records log the `Execution *` events they publish, as baton dev lists them.
      "Execution Started",
      "Step Started reserve",
      "Step Succeeded reserve",
      "Step Started charge",
      "Step Failed charge",
      "Compensation Started",
      "Step Started reserve",
      "Step Compensated reserve",
      "Compensation Completed",
      "Execution Failed",
    ]);
  });

  it("computes the workflow's stats over a window", async () => {
    // Act
    const { status, body } = await api<Record<string, unknown>>(
      `workflows/${WORKFLOW}/stats?since=${encodeURIComponent(since)}`,
    );
    // Assess
    expect(status).toEqual(200);
    const [first, second] = [succeeded.durationMs ?? 0, declined.durationMs ?? 0];
    // A cold emulator Lambda can spend a first attempt's lookup budget before sending, and that
    // attempt is retried (nothing was sent): the expected rates come from the documents' attempts.
    const runs = [succeeded, declined];
    const retried = (id: string): number => {
      const ran = runs.filter((d) => d.steps.some((s) => s.id === id && s.attempts > 0));
      const again = ran.filter((d) => d.steps.some((s) => s.id === id && s.attempts > 1));
      return again.length / ran.length;
    };
    const anyRetried = runs.filter((d) => d.steps.some((s) => s.attempts > 1)).length / runs.length;
    expect(body).toEqual({
      workflow: WORKFLOW,
      since,
      count: 2,
      truncated: false,
      running: 0,
      successRate: 0.5,
      avgDurationMs: (first + second) / 2,
      p95DurationMs: Math.max(first, second),
      retryRate: anyRetried,
      compensationRate: 0.5,
      byStatus: { FAILED: 1, SUCCEEDED: 1 },
      bottleneck: expect.objectContaining({ step: expect.any(String) }),
      steps: [
        expect.objectContaining({
          id: "reserve",
          retryRate: retried("reserve"),
          runs: 2,
          failureRate: 0,
        }),
        expect.objectContaining({
          id: "charge",
          retryRate: retried("charge"),
          runs: 2,
          failureRate: 0.5,
        }),
        expect.objectContaining({
          id: "ship",
          retryRate: retried("ship"),
          runs: 1,
          failureRate: 0,
        }),
      ],
      suggestions: expect.any(Array),
    });
  });
});
