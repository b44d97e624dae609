import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { SqsDeadLetterQueue } from "../../../lib/runtime/aws/sqs-dead-letter-queue.ts";
import type { ForeignEvent } from "../../../lib/runtime/dead-letter-queue.ts";
import { RecordingPublisher } from "../../../lib/runtime/events.ts";

const batonLetter = {
  MessageId: "m1",
  ReceiptHandle: "r1",
  Body: JSON.stringify({
    source: "baton",
    detailType: "Step Started",
    detail: { executionId: "e1" },
    reason: "PutEvents failed: ThrottlingException: Rate exceeded",
    failedAt: "2026-11-22T10:00:00.000Z",
  }),
  Attributes: { SentTimestamp: String(Date.UTC(2026, 10, 22, 10)), ApproximateReceiveCount: "2" },
};

const targetLetter = {
  MessageId: "m2",
  ReceiptHandle: "r2",
  Body: JSON.stringify({
    version: "0",
    id: "evt-9",
    "detail-type": "Step Functions Execution Status Change",
    source: "aws.states",
    time: "2026-11-22T10:00:00Z",
    detail: { executionArn: "arn:aws:states:us-east-1:1:execution:m:e1", status: "SUCCEEDED" },
  }),
  MessageAttributes: {
    ERROR_CODE: { DataType: "String", StringValue: "SDK_CLIENT_ERROR" },
    ERROR_MESSAGE: { DataType: "String", StringValue: "Lambda throttled" },
  },
};

describe("SqsDeadLetterQueue", () => {
  const sqs = mockClient(SQSClient);
  afterAll(() => sqs.restore());
  let publisher: RecordingPublisher;
  let redelivered: ForeignEvent[];
  let queue: SqsDeadLetterQueue;

  beforeEach(() => {
    sqs.reset();
    publisher = new RecordingPublisher();
    redelivered = [];
    queue = new SqsDeadLetterQueue({
      client: new SQSClient({ region: "us-east-1" }),
      queueUrl: "https://sqs/dlq",
      publisher,
      redeliverForeign: async (event) => {
        redelivered.push(event);
      },
    });
  });

  it("peeks at both message shapes without consuming them, once each", async () => {
    // Prepare
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [batonLetter] })
      .resolvesOnce({ Messages: [batonLetter, targetLetter] })
      .resolves({});

    // Act
    const letters = await queue.list(10);

    // Assess
    expect(letters).toEqual([
      {
        id: "m1",
        source: "baton",
        detailType: "Step Started",
        detail: { executionId: "e1" },
        reason: "PutEvents failed: ThrottlingException: Rate exceeded",
        sentAt: "2026-11-22T10:00:00.000Z",
        receiveCount: 2,
      },
      {
        id: "m2",
        source: "aws.states",
        detailType: "Step Functions Execution Status Change",
        detail: { executionArn: "arn:aws:states:us-east-1:1:execution:m:e1", status: "SUCCEEDED" },
        reason: "SDK_CLIENT_ERROR: Lambda throttled",
        sentAt: null,
        receiveCount: 0,
      },
    ]);
    expect(
      sqs.commandCalls(ReceiveMessageCommand).map((c) => c.args[0].input.VisibilityTimeout),
    ).toEqual([0, 0, 0]);
  });

  it("republishes Baton events, redelivers foreign ones, and deletes what was delivered", async () => {
    // Prepare
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [batonLetter, targetLetter] })
      .resolves({});
    sqs.on(DeleteMessageCommand).resolves({});

    // Act
    const result = await queue.redrive(10);

    // Assess
    expect(result).toEqual({ redriven: 2, failed: [] });
    expect(publisher.events).toEqual([
      { source: "baton", detailType: "Step Started", detail: { executionId: "e1" } },
    ]);
    expect(redelivered.map((e) => [e.source, e["detail-type"], e.id])).toEqual([
      ["aws.states", "Step Functions Execution Status Change", "evt-9"],
    ]);
    expect(
      sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle),
    ).toEqual(["r1", "r2"]);
  });

  it("leaves an unrecognized message in the queue, visible again, and reports why", async () => {
    // Prepare
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ MessageId: "m3", ReceiptHandle: "r3", Body: "not json" }] })
      .resolves({});
    sqs.on(ChangeMessageVisibilityCommand).resolves({});

    // Act
    const result = await queue.redrive(5);

    // Assess
    expect(result).toEqual({
      redriven: 0,
      failed: [{ id: "m3", reason: "the message is not an event Baton recognizes" }],
    });
    expect(
      sqs.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input.VisibilityTimeout,
    ).toEqual(0);
    expect(sqs.commandCalls(DeleteMessageCommand)).toEqual([]);
  });

  it("stops at max messages", async () => {
    // Prepare
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [batonLetter] });
    sqs.on(DeleteMessageCommand).resolves({});

    // Act
    const result = await queue.redrive(1);

    // Assess
    expect([
      result.redriven,
      sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input.MaxNumberOfMessages,
    ]).toEqual([1, 1]);
  });

  it("counts the messages waiting", async () => {
    // Prepare
    sqs
      .on(GetQueueAttributesCommand)
      .resolves({ Attributes: { ApproximateNumberOfMessages: "7" } });

    // Act / Assess
    expect(await queue.count()).toEqual(7);
  });

  it("propagates a throttled receive to the caller", async () => {
    // Prepare
    sqs
      .on(ReceiveMessageCommand)
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));

    // Act
    const listing = queue.list(5);

    // Assess
    await expect(listing).rejects.toMatchObject({ name: "ThrottlingException" });
  });
});
