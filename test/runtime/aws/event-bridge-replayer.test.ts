import { EventBridgeClient, StartReplayCommand } from "@aws-sdk/client-eventbridge";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { EventBridgeReplayer } from "../../../lib/runtime/aws/event-bridge-replayer.ts";
import { ValidationError } from "../../../lib/runtime/errors.ts";
import { ReplayUnavailableError } from "../../../lib/runtime/history/replay.ts";

const eventBridge = mockClient(EventBridgeClient);
const ARCHIVE = "arn:aws:events:eu-west-1:123456789012:archive/baton-dev";
const BUS = "arn:aws:events:eu-west-1:123456789012:event-bus/baton-dev";
const replayer = () =>
  new EventBridgeReplayer({
    client: new EventBridgeClient({ region: "eu-west-1" }),
    archiveArn: ARCHIVE,
    eventBusArn: BUS,
    namePrefix: "baton-dev-replay",
  });
const WINDOW = { from: "2026-12-04T08:00:00.000Z", to: "2026-12-04T09:00:00.000Z" };

beforeEach(() => eventBridge.reset());

describe("EventBridgeReplayer", () => {
  it("starts a replay of the window from the archive into the bus, under the replay prefix", async () => {
    // Prepare
    eventBridge.on(StartReplayCommand).resolves({ State: "STARTING", ReplayArn: "arn:x" });
    // Act
    const started = await replayer().replay(WINDOW);
    // Assess
    const input = eventBridge.commandCalls(StartReplayCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      EventSourceArn: ARCHIVE,
      EventStartTime: new Date(WINDOW.from),
      EventEndTime: new Date(WINDOW.to),
      Destination: { Arn: BUS },
    });
    expect(input?.ReplayName).toMatch(/^baton-dev-replay-[a-z0-9]+-[0-9a-f]{8}$/);
    expect(started).toEqual({ name: input?.ReplayName, state: "STARTING", ...WINDOW });
  });

  it("refuses a type, which archive replays cannot select, without calling EventBridge", async () => {
    const refused = replayer().replay({ ...WINDOW, type: "Order Placed" });
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toMatchObject({ errors: [{ path: "/type" }] });
    expect(eventBridge.commandCalls(StartReplayCommand)).toHaveLength(0);
  });

  it("turns EventBridge's refusals into a 400 (the window) or a 503 (too many replays)", async () => {
    const failure = (name: string) => Object.assign(new Error(`${name} says no`), { name });
    const refusal = (name: string) => {
      eventBridge.reset();
      eventBridge.on(StartReplayCommand).rejects(failure(name));
      return replayer().replay(WINDOW);
    };
    await expect(refusal("ValidationException")).rejects.toBeInstanceOf(ValidationError);
    await expect(refusal("LimitExceededException")).rejects.toBeInstanceOf(ReplayUnavailableError);
    await expect(refusal("InternalException")).rejects.toThrow(/InternalException says no/);
  });
});
