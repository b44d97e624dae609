import { describe, expect, it } from "vitest";
import { DetailType } from "../../lib/core/wire.ts";
import { RecordingPublisher } from "../../lib/runtime/events.ts";
import { MeteredPublisher, type MetricPoint, metricsOf } from "../../lib/runtime/metrics.ts";

const summary = (points: readonly MetricPoint[]) =>
  points.map((p) => `${p.name}=${p.value} ${JSON.stringify(p.dimensions)}`);

describe("metricsOf", () => {
  it("counts an execution's end by workflow, with its duration and its saga's compensation", () => {
    // Act
    const points = metricsOf({
      detailType: DetailType.ExecutionFailed,
      detail: {
        executionId: "e-1",
        workflow: "order-fulfillment",
        durationMs: 1200,
        compensation: "COMPLETED",
      },
    });

    // Assess
    expect(summary(points)).toStrictEqual([
      'ExecutionsFailed=1 {"Workflow":"order-fulfillment"}',
      'ExecutionDuration=1200 {"Workflow":"order-fulfillment"}',
      'SagasCompensated=1 {"Workflow":"order-fulfillment"}',
    ]);
    expect(points.every((p) => JSON.stringify(p.dimensionSets) === '[["Workflow"]]')).toBe(true);
  });

  it("counts retries and compensations of calls, not their starts", () => {
    // Prepare
    const step = { workflow: "w", service: "payments", executionId: "e-1", stepId: "charge" };

    // Act
    const points = [
      { detailType: DetailType.StepStarted, detail: { ...step, mode: "call" } },
      { detailType: DetailType.StepRetried, detail: { ...step, mode: "call", attempt: 2 } },
      { detailType: DetailType.StepCompensated, detail: { ...step, mode: "compensate" } },
      {
        detailType: DetailType.StepFailed,
        detail: { ...step, mode: "compensate", error: { name: "Baton.Timeout" } },
      },
    ].flatMap(metricsOf);

    // Assess
    expect(summary(points)).toStrictEqual([
      'ServiceCallRetries=1 {"Service":"payments","Workflow":"w"}',
      'CompensationsRun=1 {"Service":"payments","Workflow":"w"}',
      'CompensationFailures=1 {"Service":"payments","Workflow":"w","Error":"Baton.Timeout"}',
    ]);
  });

  it("counts health changes by service and ignores events it does not meter", () => {
    expect(
      summary([
        ...metricsOf({
          detailType: DetailType.InstanceHealthChanged,
          detail: { service: "inventory", instance: "a", healthy: false, previouslyHealthy: true },
        }),
        ...metricsOf({ detailType: DetailType.ServiceRegistered, detail: { service: "x" } }),
        ...metricsOf({ detailType: "Order Shipped", detail: { workflow: "w" } }),
      ]),
    ).toStrictEqual(['InstancesMarkedUnhealthy=1 {"Service":"inventory"}']);
  });
});

describe("MeteredPublisher", () => {
  it("publishes every entry even when the sink throws", async () => {
    // Prepare
    const inner = new RecordingPublisher();
    const publisher = new MeteredPublisher(inner, {
      add: () => {
        throw new Error("sink broken");
      },
    });

    // Act
    await publisher.publish([
      { detailType: DetailType.ExecutionStarted, detail: { workflow: "w" } },
    ]);

    // Assess
    expect(inner.detailTypes()).toStrictEqual([DetailType.ExecutionStarted]);
  });
});
