import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { EventBridgePublisher } from "../../../lib/runtime/aws/event-bridge-publisher.ts";
import type { EventEntry } from "../../../lib/runtime/events.ts";

const eventBridge = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);

const entries = (count: number): EventEntry[] =>
  Array.from({ length: count }, (_, index) => ({ detailType: "Step Started", detail: { index } }));

function publisher(lost: { entry: EventEntry; reason: string }[] = []): EventBridgePublisher {
  return new EventBridgePublisher({
    client: new EventBridgeClient({ region: "us-east-1" }),
    sqs: new SQSClient({ region: "us-east-1" }),
    busName: "baton-bus",
    dlqUrl: "https://sqs.us-east-1.amazonaws.com/123/baton-dlq",
    onLost: (entry, reason) => lost.push({ entry, reason }),
  });
}

const dlqBodies = (): unknown[] =>
  sqs
    .commandCalls(SendMessageBatchCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => JSON.parse(entry.MessageBody ?? "null") as unknown);

beforeEach(() => {
  eventBridge.reset();
  sqs.reset();
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
});

describe("EventBridgePublisher", () => {
  it("puts entries on the bus with source baton, in batches of 10", async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `e-${i}` })),
    }));

    // Act
    await publisher().publish(entries(25));

    // Assess
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls.map((call) => call.args[0].input.Entries?.length)).toEqual([10, 10, 5]);
    expect(calls[0]?.args[0].input.Entries?.[0]).toEqual({
      Source: "baton",
      DetailType: "Step Started",
      Detail: '{"index":0}',
      EventBusName: "baton-bus",
    });
    expect(sqs.commandCalls(SendMessageBatchCommand).length).toEqual(0);
  });

  it("sends only the entries EventBridge refused to the dead-letter queue, with the reason", async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [
        { EventId: "e-0" },
        { ErrorCode: "ThrottlingException", ErrorMessage: "Rate exceeded" },
        { EventId: "e-2" },
      ],
    });

    // Act
    await publisher().publish(entries(3));

    // Assess
    expect(dlqBodies()).toEqual([
      {
        source: "baton",
        detailType: "Step Started",
        detail: { index: 1 },
        reason: "PutEvents ThrottlingException: Rate exceeded",
        failedAt: expect.any(String),
      },
    ]);
    expect(sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.QueueUrl).toEqual(
      "https://sqs.us-east-1.amazonaws.com/123/baton-dlq",
    );
  });

  it("dead-letters a whole batch when PutEvents throws, without throwing itself", async () => {
    // Prepare
    eventBridge
      .on(PutEventsCommand)
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));

    // Act
    await publisher().publish(entries(12));

    // Assess
    const bodies = dlqBodies() as { reason: string }[];
    expect([
      bodies.length,
      sqs.commandCalls(SendMessageBatchCommand).length,
      bodies[0]?.reason,
    ]).toEqual([12, 2, "PutEvents failed: ThrottlingException: Rate exceeded"]);
  });

  it("dead-letters an entry whose detail cannot be serialised and sends the rest", async () => {
    // Prepare
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e-0" }] });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;

    // Act
    await publisher().publish([{ detailType: "Bad", detail: cyclic }, ...entries(1)]);

    // Assess
    const reasons = (dlqBodies() as { reason: string }[]).map((body) => body.reason);
    expect([
      eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.length,
      reasons,
    ]).toEqual([1, ["detail is not serialisable to JSON"]]);
  });

  it("reports entries as lost only when the dead-letter queue refuses them too", async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).rejects(new Error("down"));
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [{ Id: "0", MessageId: "m", MD5OfMessageBody: "x" }],
      Failed: [{ Id: "1", Code: "InternalError", SenderFault: false, Message: "oops" }],
    });
    const lost: { entry: EventEntry; reason: string }[] = [];

    // Act
    await publisher(lost).publish(entries(2));

    // Assess
    expect(lost).toEqual([
      {
        entry: { detailType: "Step Started", detail: { index: 1 } },
        reason: "PutEvents failed: Error: down; dead-letter queue: SQS InternalError: oops",
      },
    ]);
  });

  it("never rejects even when both the bus and the queue throw", async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).rejects(new Error("bus down"));
    sqs.on(SendMessageBatchCommand).rejects(new Error("queue down"));
    const lost: { entry: EventEntry; reason: string }[] = [];

    // Act
    await publisher(lost).publish(entries(1));

    // Assess
    expect(lost.map((l) => l.reason)).toEqual([
      "PutEvents failed: Error: bus down; dead-letter queue: SendMessageBatch failed: Error: queue down",
    ]);
  });
});
