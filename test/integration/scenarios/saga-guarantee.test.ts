/**
 * The saga guarantee on the deployed stack: whatever may have taken effect is undone, exactly
 * once. `test/integration/workflows/saga-probe.yaml` (hold → discount → book → ship) calls a
 * ledger service on this machine that applies each `Idempotency-Key` once and undoes `<key>:undo`
 * once; after every scenario the ledger must net to zero.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  api,
  type ExecutionDocument,
  reached,
  sleep,
  startExecution,
  waitForExecution,
} from "../fixtures/api.ts";
import { type Ledger, startLedger } from "../fixtures/ledger.ts";
import { REGISTRY_CACHE_MS, registerService } from "../fixtures/shop.ts";

const WORKFLOW = "saga-probe";

const statuses = (record: ExecutionDocument): Record<string, string> =>
  Object.fromEntries(record.steps.map((s) => [s.id, s.status]));

/** The ledger's calls of one execution, as `METHOD path key` with the execution id as `<id>`. */
const callsOf = (ledger: Ledger, id: string): string[] =>
  ledger
    .calls()
    .filter((c) => c.key.startsWith(`${id}:`))
    .map((c) => `${c.method} ${c.path} ${c.key.replace(id, "<id>")}`);

describe("saga guarantee on the deployed stack", () => {
  let ledger: Ledger;

  beforeAll(async () => {
    ledger = await startLedger();
    await registerService("ledger", [
      { id: `ledger-${randomUUID().slice(0, 8)}`, url: ledger.url },
    ]);
    await sleep(REGISTRY_CACHE_MS + 250);
  });
  afterAll(async () => {
    await ledger?.close();
  });

  it("a template reading an absent input field fails its step with Baton.TemplateError and compensates the earlier steps", async () => {
    // Prepare: no coupon, which the discount step reads without a default
    ledger.delayMs.clear();
    // Act
    const started = await startExecution(WORKFLOW, { orderId: `it-${randomUUID()}` });
    const record = await waitForExecution(
      started.id,
      reached("FAILED", { hold: "COMPENSATED", discount: "FAILED" }),
      { timeoutMs: 90_000 },
    );
    // Assess
    expect([record.status, record.compensation, statuses(record)]).toEqual([
      "FAILED",
      "COMPLETED",
      { hold: "COMPENSATED", discount: "FAILED", book: "PENDING", ship: "PENDING" },
    ]);
    expect(record.error).toEqual({
      name: "Baton.TemplateError",
      message: expect.stringMatching(/discount.*input\.coupon|input\.coupon.*discount/s),
      step: "discount",
    });
    // The discount was never sent: nothing of it to undo, and the hold is undone with its key.
    expect(callsOf(ledger, started.id)).toEqual([
      "POST /effects/hold <id>:hold",
      "DELETE /effects/hold <id>:hold:undo",
    ]);
    expect(ledger.applied()).toEqual([]);
  });

  it("a call that took effect but answered after the step timeout is compensated as uncertain with its :undo key", async () => {
    // Prepare: the booking is applied on arrival and answered 4 s later (step timeout 2 s)
    ledger.delayMs.clear();
    ledger.delayMs.set("book", 4_000);
    // Act
    const started = await startExecution(WORKFLOW, {
      orderId: `it-${randomUUID()}`,
      coupon: "SPRING",
    });
    const record = await waitForExecution(
      started.id,
      reached("FAILED", { hold: "COMPENSATED", discount: "COMPENSATED", book: "COMPENSATED" }),
      { timeoutMs: 120_000 },
    );
    await ledger.idle();
    // Assess
    expect([record.status, record.compensation, statuses(record)]).toEqual([
      "FAILED",
      "COMPLETED",
      { hold: "COMPENSATED", discount: "COMPENSATED", book: "COMPENSATED", ship: "PENDING" },
    ]);
    expect(record.error).toMatchObject({ name: "Baton.Timeout", step: "book" });
    const calls = callsOf(ledger, started.id);
    // Every booking attempt (retry policy: 2) sends the same key; the effect is applied once.
    const bookings = calls.filter((c) => c.startsWith("POST /effects/book"));
    expect(bookings).toEqual(["POST /effects/book <id>:book", "POST /effects/book <id>:book"]);
    expect(calls.filter((c) => c.startsWith("DELETE"))).toEqual([
      "DELETE /effects/book <id>:book:undo",
      "DELETE /effects/discount <id>:discount:undo",
      "DELETE /effects/hold <id>:hold:undo",
    ]);
    expect(ledger.applied()).toEqual([]);
  });

  it("cancel with compensation while a call is in flight: CANCELLED, the in-flight step undone as uncertain, the earlier ones undone", async () => {
    // Prepare: the shipment is applied on arrival and answered 8 s later (step timeout 30 s)
    ledger.delayMs.clear();
    ledger.delayMs.set("ship", 8_000);
    const started = await startExecution(WORKFLOW, {
      orderId: `it-${randomUUID()}`,
      coupon: "SPRING",
    });
    const inFlight = async (): Promise<boolean> => {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        if (callsOf(ledger, started.id).includes("POST /effects/ship <id>:ship")) return true;
        await sleep(50);
      }
      return false;
    };
    expect(await inFlight()).toBe(true);
    // Act
    const cancelled = await api(`executions/${started.id}/cancel`, {
      method: "POST",
      body: { compensate: true },
    });
    const record = await waitForExecution(
      started.id,
      reached("CANCELLED", {
        hold: "COMPENSATED",
        discount: "COMPENSATED",
        book: "COMPENSATED",
        ship: "COMPENSATED",
      }),
      { timeoutMs: 90_000 },
    );
    await ledger.idle();
    // Assess
    expect(cancelled.status).toBe(202);
    expect([record.status, record.compensation, statuses(record)]).toEqual([
      "CANCELLED",
      "COMPLETED",
      { hold: "COMPENSATED", discount: "COMPENSATED", book: "COMPENSATED", ship: "COMPENSATED" },
    ]);
    expect(record.steps.filter((s) => s.status === "RUNNING")).toEqual([]);
    const calls = callsOf(ledger, started.id);
    expect(calls.filter((c) => c.startsWith("DELETE"))).toEqual([
      "DELETE /effects/ship <id>:ship:undo",
      "DELETE /effects/book <id>:book:undo",
      "DELETE /effects/discount <id>:discount:undo",
      "DELETE /effects/hold <id>:hold:undo",
    ]);
    expect(ledger.applied()).toEqual([]);
  });
});
