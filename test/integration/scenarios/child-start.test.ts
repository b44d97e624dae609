/**
 * Child-workflow starts are validated on the deployed stack as every other start is:
 * `test/integration/workflows/child-probe-parent.yaml` holds an effect on the ledger, then its
 * `workflow` step starts `child-probe.yaml`. The step's child-input Task (the start-execution
 * Lambda) resolves the child's input and checks it against the child's schema before
 * `startExecution.sync:2`; a refused input starts nothing, is announced as `Execution Rejected`
 * (source `workflow`) and fails the step as `Baton.ChildWorkflowFailed`, so the hold is undone.
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
import { type BusTap, tapBus } from "../fixtures/aws.ts";
import { type Ledger, startLedger } from "../fixtures/ledger.ts";
import { REGISTRY_CACHE_MS, registerService } from "../fixtures/shop.ts";

const PARENT = "child-probe-parent";

describe("child-workflow starts on the deployed stack", () => {
  let ledger: Ledger;
  let rejections: BusTap;

  beforeAll(async () => {
    ledger = await startLedger();
    await registerService("ledger", [
      { id: `ledger-${randomUUID().slice(0, 8)}`, url: ledger.url },
    ]);
    rejections = await tapBus({ source: ["baton"], "detail-type": ["Execution Rejected"] });
    await sleep(REGISTRY_CACHE_MS + 250);
  });
  afterAll(async () => {
    await rejections?.close();
    await ledger?.close();
  });

  /** The ledger's effect calls for one order (the parent's key is its execution id, the child's its own). */
  const effectsOf = (id: string): string[] =>
    ledger
      .calls()
      .filter((c) => c.key.startsWith(`${id}:`) || c.path === "/effects/wrap")
      .map((c) => `${c.method} ${c.path}`);

  it("starts the child with the input the check resolved, schema defaults applied", async () => {
    // Prepare
    const orderId = `it-${randomUUID()}`;
    // Act
    const started = await startExecution(PARENT, { orderId });
    // The output too: on a loaded MiniStack the record once read SUCCEEDED with output null (the
    // status arrived before the event carrying the output); both arrive and the record converges.
    const done = reached("SUCCEEDED", { hold: "SUCCEEDED", kid: "SUCCEEDED" });
    const record = await waitForExecution(
      started.id,
      (document) => done(document) && document.output !== null && document.output !== undefined,
      { timeoutMs: 90_000 },
    );
    // Assess: quantity from the parent's ?? default, paper from the child's schema default
    expect([record.status, record.output]).toEqual([
      "SUCCEEDED",
      { child: { paper: "plain", quantity: 1 } },
    ]);
    expect(effectsOf(started.id)).toEqual(["POST /effects/hold", "POST /effects/wrap"]);
    // The child's record names its parent, and each record holds the trace id its call sent.
    const hold = ledger.calls().find((c) => c.key === `${started.id}:hold`);
    const wrap = ledger
      .calls()
      .find((c) => c.path === "/effects/wrap" && c.method === "POST" && c.at >= (hold?.at ?? 0));
    const childId = wrap?.key.split(":")[0] ?? "";
    const child = await waitForExecution(childId, reached("SUCCEEDED", { wrap: "SUCCEEDED" }), {
      timeoutMs: 90_000,
    });
    expect([child.workflow, child.startedBy, child.versionPinned, child.input]).toEqual([
      "child-probe",
      `workflow:${PARENT}/${started.id}`,
      false,
      { orderId, quantity: 1, paper: "plain" },
    ]);
    // The earliest attempt's trace wins. MiniStack gives every Lambda invocation a trace of its own
    // (MINISTACK.md gap 14), so a call retried before its request reached the ledger (a cold
    // emulator Lambda) leaves a trace id no service saw; in AWS a run's calls share one trace.
    const sent = (document: ExecutionDocument, step: string, call: typeof hold) =>
      document.steps.find((s) => s.id === step)?.attempts === 1
        ? call?.traceId
        : expect.stringMatching(/^[0-9a-f]{32}$/);
    expect([record.traceId, child.traceId]).toEqual([
      sent(record, "hold", hold),
      sent(child, "wrap", wrap),
    ]);
    expect(hold?.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("refuses a child input that fails the child's schema: nothing starts, Execution Rejected, the parent compensates", async () => {
    // Prepare: quantity 0 is below the child's minimum
    const orderId = `it-${randomUUID()}`;
    const wrapsBefore = ledger.calls().filter((c) => c.path === "/effects/wrap").length;
    // Act
    const started = await startExecution(PARENT, { orderId, quantity: 0 });
    const record = await waitForExecution(
      started.id,
      reached("FAILED", { hold: "COMPENSATED", kid: "FAILED" }),
      { timeoutMs: 90_000 },
    );
    const announced = await rejections.waitFor(
      (events) => events.some((e) => JSON.stringify(e.detail.input ?? null).includes(orderId)),
      60_000,
    );
    // Assess
    const reason =
      "The input does not match the input schema of child-probe: /input/quantity must be >= 1.";
    expect([record.status, record.compensation, record.error?.name, record.error?.step]).toEqual([
      "FAILED",
      "COMPLETED",
      "Baton.ChildWorkflowFailed",
      "kid",
    ]);
    expect(record.error?.message).toContain(reason);
    expect(record.steps.map((s) => `${s.id}:${s.status}`)).toEqual([
      "hold:COMPENSATED",
      "kid:FAILED",
    ]);
    expect(
      announced
        .filter((e) => JSON.stringify(e.detail.input ?? null).includes(orderId))
        .map((e) => e.detail),
    ).toEqual([
      {
        workflow: "child-probe",
        version: 1,
        source: "workflow",
        reason,
        errors: [{ path: "/input/quantity", message: "must be >= 1" }],
        input: { orderId, quantity: 0, paper: "plain" },
      },
    ]);
    // The child never ran: no wrap effect; the hold was undone with its :undo key.
    expect(ledger.calls().filter((c) => c.path === "/effects/wrap")).toHaveLength(wrapsBefore);
    expect(
      ledger
        .calls()
        .filter((c) => c.key.startsWith(`${started.id}:`))
        .map((c) => `${c.method} ${c.path} ${c.key.replace(started.id, "<id>")}`),
    ).toEqual(["POST /effects/hold <id>:hold", "DELETE /effects/hold <id>:hold:undo"]);
    expect(ledger.applied().filter((a) => a.includes(started.id))).toEqual([]);
  });
});
