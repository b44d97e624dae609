import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { EventBridgeWriter } from "../../../lib/runtime/aws/event-bridge-writer.ts";
import { EventBusRefusedError } from "../../../lib/runtime/bus-input.ts";

const eventBridge = mockClient(EventBridgeClient);
const writer = () => new EventBridgeWriter(new EventBridgeClient({ region: "us-east-1" }), "bus-1");
const order = { source: "shop.orders", detailType: "Order Placed", detail: { orderId: "o-1" } };

beforeEach(() => eventBridge.reset());

describe("EventBridgeWriter", () => {
  it("puts caller events on the orchestration bus with their own source", async () => {
    // Prepare
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e-1" }] });

    // Act
    const ids = await writer().put([order]);

    // Assess
    expect(ids).toEqual(["e-1"]);
    expect(eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input).toEqual({
      Entries: [
        {
          EventBusName: "bus-1",
          Source: "shop.orders",
          DetailType: "Order Placed",
          Detail: '{"orderId":"o-1"}',
        },
      ],
    });
  });

  it("fails with the codes of the entries EventBridge refused", async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [
        { EventId: "e-1" },
        { ErrorCode: "ThrottlingException", ErrorMessage: "slow down" },
      ],
    });

    // Act
    const put = writer().put([order, order]);

    // Assess
    await expect(put).rejects.toThrow(EventBusRefusedError);
    await expect(put).rejects.toThrow("entry 1: ThrottlingException slow down");
  });
});
