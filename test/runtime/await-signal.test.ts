import { describe, expect, it } from "vitest";
import type { AwaitSignalRequest } from "../../lib/core/contract.ts";
import type { Json } from "../../lib/core/model.ts";
import { awaitSignal } from "../../lib/runtime/await-signal.ts";
import { EngineError } from "../../lib/runtime/execution-engine.ts";
import type { SignalStore } from "../../lib/runtime/records/signal-store.ts";

const request: AwaitSignalRequest = {
  workflow: "order-fulfillment",
  executionId: "arn:aws:states:us-east-1:123456789012:execution:order-fulfillment:e1",
  stepId: "approve",
  signal: "approved",
  taskToken: "token-1",
  timeout: 3600,
};

/** Records calls; `registered` decides what registerWaiter answers. */
function signals(registered: Awaited<ReturnType<SignalStore["registerWaiter"]>>) {
  const calls: string[] = [];
  const store: SignalStore = {
    registerWaiter: async (id, signal, waiter) => {
      calls.push(`register ${id} ${signal} ${waiter.taskToken} ${waiter.timeoutSeconds}`);
      return registered;
    },
    deliver: async () => ({ kind: "not-waiting" }),
    markDelivered: async (id, signal, token) => {
      calls.push(`delivered ${id} ${signal} ${token}`);
    },
    markExpired: async () => {},
    release: async () => {},
    restorePending: async (id, signal, token) => {
      calls.push(`restore ${id} ${signal} ${token}`);
    },
    waiting: async () => [],
  };
  return { store, calls };
}

function engine(failWith?: Error) {
  const sent: [string, Json][] = [];
  return {
    sent,
    sendTaskSuccess: async (token: string, output: Json) => {
      if (failWith) throw failWith;
      sent.push([token, output]);
    },
  };
}

describe("awaitSignal", () => {
  it("parks one waiter per map item, under the signal and the item's indices", async () => {
    // Prepare
    const { store, calls } = signals({ kind: "early", payload: "yes" });
    const sent = engine();

    // Act
    await awaitSignal(
      { ...request, itemPath: "orders[1].lines[0]" },
      { signals: store, engine: sent },
    );

    // Assess
    expect(calls).toEqual([
      "register e1 approved#1.0 token-1 3600",
      "delivered e1 approved#1.0 token-1",
    ]);
  });

  it("fails when itemPath is not a string, without parking anything", async () => {
    const { store, calls } = signals({ kind: "waiting" });
    const bad = { ...request, itemPath: 3 } as unknown as AwaitSignalRequest;

    await expect(awaitSignal(bad, { signals: store, engine: engine() })).rejects.toThrow(
      "await request field itemPath must be a string",
    );
    expect(calls).toEqual([]);
  });

  it("parks the task token under the execution id from the ARN", async () => {
    // Prepare
    const { store, calls } = signals({ kind: "waiting" });
    const sfn = engine();

    // Act
    const result = await awaitSignal(request, { signals: store, engine: sfn });

    // Assess
    expect([result, calls, sfn.sent]).toEqual([
      { outcome: "waiting" },
      ["register e1 approved token-1 3600"],
      [],
    ]);
  });

  it("completes the task at once with a signal that arrived first", async () => {
    // Prepare
    const { store, calls } = signals({ kind: "early", payload: { approvedBy: "ops" } });
    const sfn = engine();

    // Act
    const result = await awaitSignal(request, { signals: store, engine: sfn });

    // Assess
    expect([result, sfn.sent, calls[1]]).toEqual([
      { outcome: "resumed" },
      [["token-1", { approvedBy: "ops" }]],
      "delivered e1 approved token-1",
    ]);
  });

  it("gives an early signal back when resuming fails, so the retried task finds it", async () => {
    // Prepare
    const { store, calls } = signals({ kind: "early", payload: 1 });
    const failure = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });

    // Act
    const running = awaitSignal(request, { signals: store, engine: engine(failure) });

    // Assess
    await expect(running).rejects.toThrow("Rate exceeded");
    expect(calls[1]).toEqual("restore e1 approved token-1");
  });

  it("keeps waiting quietly when the task is already gone", async () => {
    // Prepare
    const { store } = signals({ kind: "early", payload: 1 });

    // Act
    const result = await awaitSignal(request, {
      signals: store,
      engine: engine(new EngineError("task-gone", "Task Timed Out")),
    });

    // Assess
    expect(result).toEqual({ outcome: "waiting" });
  });

  it("fails with Baton.ClientError on a request without a task token", async () => {
    // Prepare
    const { store } = signals({ kind: "waiting" });

    // Act
    const running = awaitSignal(
      { ...request, taskToken: "" },
      { signals: store, engine: engine() },
    );

    // Assess
    await expect(running).rejects.toMatchObject({
      name: "Baton.ClientError",
      reason: "await request field taskToken must be a non-empty string",
    });
  });
});
