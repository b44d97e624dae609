import { describe, expect, it } from "vitest";
import { RecordingPublisher } from "../../../lib/runtime/events.ts";
import type { ExecutionStore } from "../../../lib/runtime/records/execution-store.ts";
import { observe } from "../../../lib/runtime/records/observe.ts";
import { applyEvent } from "../../../lib/runtime/records/updater.ts";
import { MemoryExecutionStore } from "../fakes.ts";
import { at, batonEvent, catalogue, sfnStatus, stepEvent } from "./fixtures.ts";

class MemoryRecords extends MemoryExecutionStore {
  constructor() {
    super(catalogue);
  }
}

const storeOf = (records: MemoryRecords): ExecutionStore => records;

describe("applyEvent", () => {
  it("records a status change and publishes the Baton execution event once", async () => {
    // Prepare
    const records = new MemoryRecords();
    const publisher = new RecordingPublisher();
    const deps = { store: storeOf(records), catalogue, publisher };
    const failed = sfnStatus("u1", {
      status: "FAILED",
      stopMs: 2000,
      error: "Baton.ClientError",
      cause: "HTTP 400",
    });

    // Act
    const first = await applyEvent(sfnStatus("u1", { status: "RUNNING" }), deps);
    const second = await applyEvent(failed, deps);
    const duplicate = await applyEvent(failed, deps);

    // Assess
    expect([first, second, duplicate]).toEqual([
      { outcome: "applied", executionId: "u1", status: "RUNNING" },
      { outcome: "applied", executionId: "u1", status: "FAILED" },
      { outcome: "duplicate", executionId: "u1", status: "FAILED" },
    ]);
    expect(publisher.events).toEqual([
      {
        source: "baton",
        detailType: "Execution Started",
        detail: {
          executionId: "u1",
          workflow: "order-fulfillment",
          version: 3,
          status: "RUNNING",
          startedAt: at(0),
          stoppedAt: null,
          durationMs: null,
          error: null,
          compensation: "NONE",
          redriveCount: 0,
        },
      },
      {
        source: "baton",
        detailType: "Execution Failed",
        detail: {
          executionId: "u1",
          workflow: "order-fulfillment",
          version: 3,
          status: "FAILED",
          startedAt: at(0),
          stoppedAt: at(2000),
          durationMs: 2000,
          error: { name: "Baton.ClientError", message: "HTTP 400" },
          compensation: "NONE",
          redriveCount: 0,
        },
      },
    ]);
  });

  it("fails when an execution the API recorded as started never publishes Execution Started", async () => {
    // Prepare: the API's start is recorded before Step Functions reports the execution running
    const records = new MemoryRecords();
    const publisher = new RecordingPublisher();
    const deps = { store: storeOf(records), catalogue, publisher };
    await deps.store.merge("u3", { id: "u3", run: { k: [0, 0, 0], v: { status: "RUNNING" } } });
    const running = sfnStatus("u3", { status: "RUNNING" });

    // Act
    await applyEvent(running, deps);
    await applyEvent(running, deps);

    // Assess: once, and not again for the duplicate
    expect(publisher.events.map((e) => e.detailType)).toEqual(["Execution Started"]);
  });

  it("does not echo Baton events back onto the bus", async () => {
    // Prepare
    const records = new MemoryRecords();
    const publisher = new RecordingPublisher();

    // Act
    await applyEvent(batonEvent("Execution Succeeded", "u2", {}, 100), {
      store: storeOf(records),
      catalogue,
      publisher,
    });

    // Assess
    expect(publisher.events).toEqual([]);
  });

  it.each([
    ["a non-object", "hello", "event is not an object"],
    ["an event without detail-type", { source: "baton", detail: {} }, "event has no detail-type"],
    [
      "a registry event",
      {
        source: "baton",
        "detail-type": "Service Registered",
        detail: { service: "inventory", executionId: "x" },
      },
      '"Service Registered" is not an execution event',
    ],
    [
      "a step event without stepId",
      { source: "baton", "detail-type": "Step Started", detail: { executionId: "x" } },
      '"Step Started" has no stepId',
    ],
    [
      "a status change with an unknown status",
      {
        source: "aws.states",
        "detail-type": "Step Functions Execution Status Change",
        detail: { executionArn: "a:b", status: "PAUSED" },
      },
      "status change has unknown status PAUSED",
    ],
  ])("ignores %s with a reason", async (_what, event, reason) => {
    // Prepare
    const records = new MemoryRecords();

    // Act
    const result = await applyEvent(event, { store: storeOf(records) });

    // Assess
    expect([result, records.states.size]).toEqual([{ outcome: "ignored", reason }, 0]);
  });

  it("takes the id from the execution ARN and the attempt times from the step detail", () => {
    // Act
    const observation = observe(
      stepEvent("Step Succeeded", "u3", {
        stepId: "charge",
        attempt: 2,
        startMs: 100,
        endMs: 350,
        instance: "p-1",
      }),
    );

    // Assess
    expect(
      observation.kind === "observed" ? [observation.executionId, observation.delta.steps] : [],
    ).toEqual([
      "u3",
      {
        charge: {
          run: { k: [0, at(100), 2, 1], v: { status: "SUCCEEDED" } },
          attempts: 2,
          startedAt: at(100),
          endedAt: at(350),
          durations: { [`0:${at(100)}:2`]: 250 },
          instance: { k: [0, at(100), 2], v: "p-1" },
        },
      },
    ]);
  });
});
