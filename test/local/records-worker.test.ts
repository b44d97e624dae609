import { afterEach, describe, expect, it } from "vitest";
import { type LocalDynamo, startLocalDynamo } from "../../lib/local/dynamo.ts";
import { type RecordsWorker, startRecordsWorker } from "../../lib/local/records-worker.ts";
import type { EventEntry } from "../../lib/runtime/events.ts";
import { InvalidCursorError } from "../../lib/runtime/records/execution-store.ts";
import { WorkflowCatalogue } from "../../lib/runtime/workflow-catalogue.ts";
import { orderWorkflow, sfnStatus, stepEvent } from "../runtime/records/fixtures.ts";

const TABLES = { registry: "registry", executions: "executions", events: "events" } as const;

describe("the records thread", () => {
  const open: (LocalDynamo | RecordsWorker)[] = [];
  afterEach(async () => {
    for (const resource of open.splice(0).reverse()) await resource.close();
  });

  const start = async () => {
    const dynamo = await startLocalDynamo({ tables: TABLES });
    open.push(dynamo);
    const catalogue = new WorkflowCatalogue([]);
    const worker = await startRecordsWorker({
      endpoint: dynamo.endpoint,
      tables: { executions: TABLES.executions, events: TABLES.events },
      catalogue,
    });
    open.push(worker);
    return { catalogue, worker };
  };

  it("records a run's events with the workflow the main thread published after it started, and publishes its status events there", {
    timeout: 120_000,
  }, async () => {
    // Prepare
    const { catalogue, worker } = await start();
    const published: EventEntry[] = [];
    const traced: string[] = [];
    worker.attach({
      publisher: { publish: async (entries) => void published.push(...entries) },
      trace: async (name) => {
        traced.push(name);
        return undefined;
      },
    });
    catalogue.publish(orderWorkflow);
    const events = [
      sfnStatus("w1", { status: "RUNNING" }),
      ...["reserve", "charge", "ship"].flatMap((stepId, i) => [
        stepEvent("Step Started", "w1", { stepId, startMs: 10 * i }),
        stepEvent("Step Succeeded", "w1", { stepId, startMs: 10 * i, endMs: 10 * i + 5 }),
      ]),
      sfnStatus("w1", { status: "SUCCEEDED", output: { shipped: true } }),
    ];

    // Act
    await Promise.all(events.map((event) => worker.record(event as never)));
    const document = await worker.executions.get("w1");

    // Assess
    expect({
      status: document?.status,
      workflow: document?.workflow,
      steps: document?.steps.map((s) => [s.id, s.status]),
      output: document?.output,
    }).toStrictEqual({
      status: "SUCCEEDED",
      workflow: "order-fulfillment",
      steps: [
        ["reserve", "SUCCEEDED"],
        ["charge", "SUCCEEDED"],
        ["ship", "SUCCEEDED"],
      ],
      output: { shipped: true },
    });
    expect(published.map((e) => e.detailType)).toContain("Execution Succeeded");
    expect(traced).toStrictEqual(["w1"]);
  });

  it("fails a delivery that needs the main thread before the runtime is attached, so the bus retries it", {
    timeout: 120_000,
  }, async () => {
    // Prepare
    const { catalogue, worker } = await start();
    catalogue.publish(orderWorkflow);

    // Act
    const delivery = worker.record(sfnStatus("w2", { status: "SUCCEEDED" }) as never);

    // Assess
    await expect(delivery).rejects.toThrow(
      "The records thread asked before the local runtime was ready; retried.",
    );
  });

  it("counts the thread's DynamoDB requests by kind, with the capacity they consumed, between start and stop", {
    timeout: 120_000,
  }, async () => {
    // Prepare
    const { catalogue, worker } = await start();
    worker.attach({
      publisher: { publish: async () => {} },
      trace: async () => undefined,
    });
    catalogue.publish(orderWorkflow);
    await worker.record(sfnStatus("w3", { status: "RUNNING" }) as never);

    // Act
    await worker.countRequests({ capacity: true });
    await worker.record(sfnStatus("w3", { status: "SUCCEEDED" }) as never);
    const counted = await worker.countRequests(false);
    const afterStop = await worker.countRequests(false);

    // Assess: the final status appends its event and rewrites the head, nothing else.
    expect(
      Object.fromEntries([...(counted ?? [])].map(([kind, c]) => [kind, c.requests])),
    ).toStrictEqual({
      "executions PutItemCommand EXEC/EVENT": 1,
      "executions PutItemCommand EXEC/META": 1,
    });
    expect([...(counted?.values() ?? [])].every((c) => c.units >= 1)).toBe(true);
    expect(afterStop).toBeUndefined();
  });

  it("answers a foreign listing cursor with InvalidCursorError, as the store in this thread would", async () => {
    // Prepare
    const { worker } = await start();

    // Act
    const listing = worker.executions.list("order-fulfillment", { limit: 5, cursor: "not-ours" });

    // Assess
    await expect(listing).rejects.toBeInstanceOf(InvalidCursorError);
  }, 120_000);
});
