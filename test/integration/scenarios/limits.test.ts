/**
 * Concurrency limits and pause on the deployed stack: `limits-probe` (limit 1) calls a gate
 * service on this machine that holds each request until the scenario lets it go. A second start
 * waits QUEUED until the first ends (the ConcurrencySlots rule releases the slot and starts it);
 * a paused execution sends no next call until resumed, past the handler's park time (the Task's
 * Baton.Paused retrier).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GateService, startGateService } from "../../support/gate-service.ts";
import {
  api,
  type ExecutionDocument,
  sleep,
  startExecution,
  waitForExecution,
} from "../fixtures/api.ts";
import { REGISTRY_CACHE_MS, registerService } from "../fixtures/shop.ts";

const WORKFLOW = "limits-probe";
const status =
  (...wanted: string[]) =>
  (record: ExecutionDocument) =>
    wanted.includes(record.status);

describe("concurrency limit and pause on the deployed stack", () => {
  let gate: GateService;

  beforeAll(async () => {
    gate = await startGateService();
    await registerService("gate", [{ id: `gate-${randomUUID().slice(0, 8)}`, url: gate.url }]);
    await sleep(REGISTRY_CACHE_MS + 250);
  });
  afterAll(async () => {
    await gate?.close();
  });

  it("queues a start over the limit and starts it when the running one ends", async () => {
    // Prepare: the gate holds every call
    gate.passThrough(false);
    // Act: two starts against a limit of 1
    const first = await startExecution(WORKFLOW, { tag: "q1" });
    const second = await startExecution(WORKFLOW, { tag: "q2" });
    // Assess: one runs, one waits; nothing of the second reaches the service
    expect([first.status, second.status]).toEqual(["RUNNING", "QUEUED"]);
    await gate.waitForHeld(1, 90_000);
    expect(gate.held.map((r) => r.tag)).toEqual(["one-q1"]);
    gate.passThrough(true);
    await waitForExecution(first.id, status("SUCCEEDED"), { timeoutMs: 120_000 });
    const done = await waitForExecution(second.id, status("SUCCEEDED"), { timeoutMs: 120_000 });
    expect(done.status).toBe("SUCCEEDED");
    expect(gate.arrivals.filter((t) => t.endsWith("q2"))).toEqual(["one-q2", "two-q2"]);
  });

  it("pauses before the next call and resumes", async () => {
    // Prepare
    gate.passThrough(false);
    const started = await startExecution(WORKFLOW, { tag: "p1" });
    await gate.waitForHeld(1, 90_000);
    // Act: pause while `one` is in flight, let it finish, wait past the handler's 5 s park
    const paused = await api<{ execution: ExecutionDocument }>(`executions/${started.id}/pause`, {
      method: "POST",
    });
    gate.releaseAll();
    await sleep(12_000);
    // Assess: `one` finished, `two` never sent, status PAUSED
    expect(paused.status).toBe(202);
    expect(gate.arrivals).not.toContain("two-p1");
    const parked = await api<ExecutionDocument>(`executions/${started.id}`);
    expect(parked.body.status).toBe("PAUSED");
    // Act: resume
    gate.passThrough(true);
    const resumed = await api(`executions/${started.id}/resume`, { method: "POST" });
    expect(resumed.status).toBe(202);
    const done = await waitForExecution(started.id, status("SUCCEEDED"), { timeoutMs: 120_000 });
    expect(done.steps.find((s) => s.id === "two")?.attempts).toBe(1);
    expect(gate.arrivals.filter((t) => t === "two-p1")).toHaveLength(1);
    // The workflow's audit list names who paused and resumed the execution (the signer's ARN).
    const audit = await api<{ items: { action: string; by: string; executionId?: string }[] }>(
      `workflows/${WORKFLOW}/audit`,
    );
    expect(
      audit.body.items.filter((e) => e.executionId === started.id).map((e) => e.action),
    ).toEqual(["resumed", "paused"]);
    expect(
      audit.body.items
        .filter((e) => e.executionId === started.id)
        .every((e) => /^arn:aws:(iam|sts)::/.test(e.by)),
    ).toBe(true);
  });
});
