import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { RecordingPublisher } from "../../../functions/commons/events.ts";
import { emitEvent, handler } from "../../../functions/emit.ts";
import type { EmitRequest } from "../../../lib/core/contract.ts";

const request: EmitRequest = {
  workflow: "order-fulfillment",
  version: 3,
  executionId: "arn:aws:states:us-east-1:123456789012:execution:order-fulfillment:e1",
  stepId: "announce",
  detailType: "Order Shipped",
  detail: { orderId: "o-1", executionId: "spoofed" },
};

describe("emitEvent", () => {
  it("publishes the step's detail type with Baton's fields winning", async () => {
    // Prepare
    const publisher = new RecordingPublisher();

    // Act
    const result = await emitEvent(request, { publisher });

    // Assess
    expect([result, publisher.events]).toEqual([
      { detailType: "Order Shipped" },
      [
        {
          source: "baton",
          detailType: "Order Shipped",
          detail: {
            orderId: "o-1",
            executionId: "e1",
            workflow: "order-fulfillment",
            version: 3,
            stepId: "announce",
          },
        },
      ],
    ]);
  });

  it("wraps a detail that is not an object under value", async () => {
    // Prepare
    const publisher = new RecordingPublisher();

    // Act
    await emitEvent({ ...request, detail: [1, 2] }, { publisher });

    // Assess
    expect(publisher.events[0]?.detail).toEqual({
      value: [1, 2],
      executionId: "e1",
      workflow: "order-fulfillment",
      version: 3,
      stepId: "announce",
    });
  });

  it.each([
    [
      "a reserved detail type",
      { detailType: "Execution Succeeded" },
      'detailType "Execution Succeeded" is reserved for Baton\'s own events; choose another name',
    ],
    [
      "a detail type over 128 characters",
      { detailType: "x".repeat(129) },
      "detailType is 129 characters; EventBridge allows 128",
    ],
    ["an empty step id", { stepId: "" }, "emit request field stepId must be a non-empty string"],
  ])("fails with Baton.ClientError for %s", async (_what, change, reason) => {
    // Prepare
    const publisher = new RecordingPublisher();

    // Act
    const emitting = emitEvent({ ...request, ...change }, { publisher });

    // Assess
    await expect(emitting).rejects.toMatchObject({ name: "Baton.ClientError", reason });
    expect(publisher.events).toEqual([]);
  });
});

describe("emit handler on AWS clients", () => {
  const events = mockClient(EventBridgeClient);
  const sqs = mockClient(SQSClient);
  afterAll(() => {
    events.restore();
    sqs.restore();
  });
  beforeEach(() => {
    events.reset();
    sqs.reset();
    process.env.BATON_EVENT_BUS = "baton-bus";
    process.env.BATON_DLQ_URL = "https://sqs/dlq";
  });

  it("puts the event on the orchestration bus", async () => {
    // Prepare
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "id-1" }] });

    // Act
    await handler(request, {} as never);

    // Assess
    expect(events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries).toEqual([
      {
        Source: "baton",
        DetailType: "Order Shipped",
        EventBusName: "baton-bus",
        Detail: JSON.stringify({
          orderId: "o-1",
          executionId: "e1",
          workflow: "order-fulfillment",
          version: 3,
          stepId: "announce",
        }),
      },
    ]);
  });

  it("dead-letters the event when EventBridge throttles", async () => {
    // Prepare
    events
      .on(PutEventsCommand)
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [{ Id: "0", MessageId: "m", MD5OfMessageBody: "x" }], Failed: [] });

    // Act
    await handler(request, {} as never);

    // Assess
    const body = JSON.parse(
      sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries?.[0]?.MessageBody ?? "{}",
    );
    expect([body.detailType, body.reason]).toEqual([
      "Order Shipped",
      "PutEvents failed: ThrottlingException: Rate exceeded",
    ]);
  });
});
