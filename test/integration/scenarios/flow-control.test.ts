/**
 * Flow control on the deployed stack (WORKFLOWS.md v2): `test/integration/workflows/flow-probe.yaml`
 * holds an effect, books one per loop iteration (each under its own Idempotency-Key), runs a
 * best-effort step the ledger refuses (`onError: continue`), and optionally fails at the end; the
 * ledger applies each key once and undoes `<key>:undo` once.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ExecutionDocument,
  reached,
  sleep,
  startExecution,
  waitForExecution,
} from "../fixtures/api.ts";
import { type Ledger, startLedger } from "../fixtures/ledger.ts";
import { REGISTRY_CACHE_MS, registerService } from "../fixtures/shop.ts";

const WORKFLOW = "flow-probe";

const statuses = (record: ExecutionDocument): [string, string][] =>
  record.steps.map((s) => [s.id, s.status]);

/** The ledger's calls of one execution, as `METHOD path key` with the execution id as `<id>`. */
const callsOf = (ledger: Ledger, id: string): string[] =>
  ledger
    .calls()
    .filter((c) => c.key.startsWith(`${id}:`))
    .map((c) => `${c.method} ${c.path} ${c.key.replace(id, "<id>")}`);

const appliedOf = (ledger: Ledger, id: string): string[] =>
  ledger
    .applied()
    .filter((e) => e.includes(`${id}:`))
    .map((e) => e.replace(id, "<id>"));

describe("flow control on the deployed stack", () => {
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

  it("a loop runs until its condition holds, each iteration with its own key and record; a refused best-effort step does not fail the execution", async () => {
    // Act
    const started = await startExecution(WORKFLOW, {});
    // Records take the step events and the output as they arrive (batched): wait for what is named.
    const record = await waitForExecution(
      started.id,
      (d) =>
        reached("SUCCEEDED", {
          hold: "SUCCEEDED",
          "batches[0].book": "SUCCEEDED",
          "batches[1].book": "SUCCEEDED",
          "batches[2].book": "SUCCEEDED",
          tidy: "FAILED",
        })(d) && d.output !== null,
      { timeoutMs: 120_000 },
    );
    // Assess
    expect([record.status, record.compensation, record.output]).toEqual([
      "SUCCEEDED",
      "NONE",
      { iterations: 3, tidy: "Baton.ClientError" },
    ]);
    expect(statuses(record)).toEqual([
      ["hold", "SUCCEEDED"],
      ["batches", "SUCCEEDED"],
      ["book", "SUCCEEDED"],
      ["batches[0].book", "SUCCEEDED"],
      ["batches[1].book", "SUCCEEDED"],
      ["batches[2].book", "SUCCEEDED"],
      ["tidy", "FAILED"],
      ["finish", "SKIPPED"],
    ]);
    expect(appliedOf(ledger, started.id).sort()).toEqual([
      "book <id>:batches[0].book",
      "book <id>:batches[1].book",
      "book <id>:batches[2].book",
      "hold <id>:hold",
    ]);
  });

  it("a failure after the loop undoes every iteration, newest first, each with its own :undo key", async () => {
    // Act
    const started = await startExecution(WORKFLOW, { fail: true });
    const record = await waitForExecution(
      started.id,
      reached("FAILED", { hold: "COMPENSATED", finish: "FAILED" }),
      { timeoutMs: 180_000 },
    );
    await ledger.idle();
    // Assess
    expect([record.status, record.compensation, record.error?.name]).toEqual([
      "FAILED",
      "COMPLETED",
      "Baton.ClientError",
    ]);
    expect(callsOf(ledger, started.id).filter((c) => c.startsWith("DELETE"))).toEqual([
      "DELETE /effects/book <id>:batches[2].book:undo",
      "DELETE /effects/book <id>:batches[1].book:undo",
      "DELETE /effects/book <id>:batches[0].book:undo",
      "DELETE /effects/hold <id>:hold:undo",
    ]);
    expect(appliedOf(ledger, started.id)).toEqual([]);
  });
});
