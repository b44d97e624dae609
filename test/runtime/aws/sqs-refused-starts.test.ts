/** A refused trigger start lands in the DLQ in the shape `GET /dlq` reads back with its reason. */
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, describe, expect, it } from "vitest";
import { toDeadLetter } from "../../../lib/runtime/aws/sqs-dead-letter-queue.ts";
import { SqsRefusedStarts } from "../../../lib/runtime/aws/sqs-refused-starts.ts";
import { REFUSED_START_CODE } from "../../../lib/runtime/triggered-start.ts";

const QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/baton-dev-dlq";

describe("SqsRefusedStarts", () => {
  const sqs = mockClient(SQSClient);
  afterAll(() => sqs.restore());

  it("sends the event with the reason as EventBridge's error attributes, listed as such by GET /dlq", async () => {
    // Prepare
    sqs.on(SendMessageCommand).resolves({ MessageId: "m-1" });
    const event = {
      id: "evt-1",
      source: "shop.orders",
      "detail-type": "Order Placed",
      time: "2026-12-04T00:00:00Z",
      detail: { orderId: "o-1", quantity: 0 },
    };
    // Act
    await new SqsRefusedStarts(new SQSClient({}), QUEUE_URL).send(
      event,
      REFUSED_START_CODE,
      "The input does not match the input schema of order-fulfillment: /input/quantity must be >= 1.",
    );
    // Assess
    const sent = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(sent).toStrictEqual([
      {
        QueueUrl: QUEUE_URL,
        MessageBody: JSON.stringify(event),
        MessageAttributes: {
          ERROR_CODE: { DataType: "String", StringValue: "Baton.InvalidInput" },
          ERROR_MESSAGE: {
            DataType: "String",
            StringValue:
              "The input does not match the input schema of order-fulfillment: /input/quantity must be >= 1.",
          },
        },
      },
    ]);
    const letter = toDeadLetter({
      MessageId: "m-1",
      Body: sent[0]?.MessageBody,
      MessageAttributes: sent[0]?.MessageAttributes,
      Attributes: { SentTimestamp: "1796342400000", ApproximateReceiveCount: "0" },
    });
    expect(letter).toStrictEqual({
      id: "m-1",
      source: "shop.orders",
      detailType: "Order Placed",
      detail: event.detail,
      reason:
        "Baton.InvalidInput: The input does not match the input schema of order-fulfillment: /input/quantity must be >= 1.",
      sentAt: new Date(1796342400000).toISOString(),
      receiveCount: 0,
    });
  });
});
