/**
 * Trigger and schedule starts in AWS go through the start-execution handler: the input schema is
 * checked with the API's validator; an admitted start is exactly an API start, a refused one starts
 * nothing, is announced (`Execution Rejected`) and dead-lettered with its reason.
 */
import { describe, expect, it } from "vitest";
import { startExecution } from "../../lib/runtime/execution-lifecycle.ts";
import { StartAdmission } from "../../lib/runtime/start-admission.ts";
import {
  REFUSED_START_CODE,
  type RefusedStartSink,
  startFromTrigger,
  type TriggerEvent,
  TriggeredStartError,
} from "../../lib/runtime/triggered-start.ts";
import { fakeDeps } from "./fakes.ts";

const VALID = { orderId: "o-1", amount: 12.5 };

function setup() {
  const fake = fakeDeps();
  const refused: { event: TriggerEvent; code: string; message: string }[] = [];
  const sink: RefusedStartSink = {
    send: async (event, code, message) => {
      refused.push({ event, code, message });
    },
  };
  const deps = {
    ...fake.deps,
    admission: new StartAdmission(fake.deps.catalogue, fake.events),
    refused: sink,
  };
  return { ...fake, deps, refused };
}

const orderPlaced = (detail: unknown, id = "evt-1") => ({
  workflow: "order-fulfillment",
  trigger: 0,
  kind: "event",
  event: { id, source: "shop.orders", "detail-type": "Order Placed", detail },
});

describe("startFromTrigger", () => {
  it("starts a valid event's detail exactly as the API would, keyed by trigger and event id", async () => {
    // Prepare
    const { deps, engine, executions, events, refused } = setup();
    // Act
    const outcome = await startFromTrigger(orderPlaced(VALID), deps);
    // Assess
    expect(outcome).toStrictEqual({ started: true, executionId: "exec-1", created: true });
    expect(engine.calls).toStrictEqual([
      // The execution state built for the machine (`execution-state.ts`).
      {
        op: "start",
        workflow: "order-fulfillment",
        name: "exec-1",
        input: {
          input: VALID,
          context: { executionId: "exec-1", startedAt: expect.any(String), redriveCount: 0 },
          steps: {},
        },
      },
    ]);
    expect(executions.claims.get("order-fulfillment#trigger-0-evt-1")?.executionId).toBe("exec-1");
    const api = setup();
    const workflow = api.deps.catalogue.get("order-fulfillment");
    if (workflow === undefined) throw new Error("fixture workflow missing");
    const viaApi = await startExecution(api.deps, workflow, VALID, undefined, {
      startedBy: { by: "event:shop.orders", source: "trigger" },
    });
    expect(await executions.get("exec-1")).toStrictEqual(viaApi.document);
    expect(viaApi.document.startedBy).toBe("event:shop.orders");
    expect([events.events, refused]).toStrictEqual([[], []]);
  });

  it("answers the execution it started when the same event is delivered again", async () => {
    // Prepare
    const { deps, engine } = setup();
    await startFromTrigger(orderPlaced(VALID), deps);
    // Act
    const again = await startFromTrigger(orderPlaced(VALID), deps);
    // Assess
    expect(again).toStrictEqual({ started: true, executionId: "exec-1", created: false });
    expect(engine.calls.filter((c) => c.op === "start")).toHaveLength(1);
  });

  it("starts a schedule with the trigger's own input", async () => {
    // Prepare
    const { deps, engine } = setup();
    const scheduled = {
      workflow: "order-fulfillment",
      trigger: 1,
      kind: "schedule",
      input: { orderId: "nightly", amount: 1 },
      event: { id: "evt-9", source: "aws.events", "detail-type": "Scheduled Event", detail: {} },
    };
    // Act
    const outcome = await startFromTrigger(scheduled, deps);
    // Assess
    expect(outcome).toStrictEqual({ started: true, executionId: "exec-1", created: true });
    expect((await deps.executions.get("exec-1"))?.startedBy).toBe("schedule");
    expect(engine.calls).toStrictEqual([
      {
        op: "start",
        workflow: "order-fulfillment",
        name: "exec-1",
        input: {
          input: { orderId: "nightly", amount: 1 },
          context: { executionId: "exec-1", startedAt: expect.any(String), redriveCount: 0 },
          steps: {},
        },
      },
    ]);
  });

  it("refuses an invalid detail: nothing starts, Execution Rejected is published and the event dead-lettered", async () => {
    // Prepare
    const { deps, engine, executions, events, refused } = setup();
    const detail = { orderId: "o-2", amount: -1, extra: true };
    // Act
    const outcome = await startFromTrigger(orderPlaced(detail, "evt-2"), deps);
    // Assess
    const reason =
      "The input does not match the input schema of order-fulfillment: /input/amount must be > 0.";
    expect(outcome).toStrictEqual({ started: false, reason });
    expect(engine.calls).toStrictEqual([]);
    expect(executions.states.size).toBe(0);
    expect(events.events).toStrictEqual([
      {
        source: "baton",
        detailType: "Execution Rejected",
        detail: {
          workflow: "order-fulfillment",
          version: 3,
          source: "trigger",
          reason,
          errors: [{ path: "/input/amount", message: "must be > 0" }],
          input: detail,
        },
      },
    ]);
    expect(refused).toStrictEqual([
      {
        event: orderPlaced(detail, "evt-2").event,
        code: REFUSED_START_CODE,
        message: reason,
      },
    ]);
  });

  it("fails when the request is not from a Baton rule or names a workflow not deployed", async () => {
    const { deps, engine } = setup();
    await expect(startFromTrigger({ workflow: "order-fulfillment" }, deps)).rejects.toThrow(
      TriggeredStartError,
    );
    await expect(
      startFromTrigger({ ...orderPlaced(VALID), workflow: "gone" }, deps),
    ).rejects.toThrow(/Workflow gone is not deployed/);
    expect(engine.calls).toStrictEqual([]);
  });
});
