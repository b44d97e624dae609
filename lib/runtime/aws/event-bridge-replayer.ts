/**
 * `POST /events/replay` in AWS: `StartReplay` from the orchestration bus's archive back into the bus,
 * for the window. EventBridge replays in the background (the answer is `STARTING`) and marks each
 * event with `replay-name`. It replays a window to the bus's rules and cannot select event types, so
 * `type` is refused rather than ignored.
 */
import { randomBytes } from "node:crypto";
import { type EventBridgeClient, StartReplayCommand } from "@aws-sdk/client-eventbridge";
import { ValidationError } from "../errors.ts";
import {
  type EventReplayer,
  type ReplayStarted,
  ReplayUnavailableError,
  type ReplayWindow,
} from "../history/replay.ts";

export interface EventBridgeReplayerOptions {
  readonly client: EventBridgeClient;
  readonly archiveArn: string;
  readonly eventBusArn: string;
  /** Replay names start with it; the role may start replays under it only. */
  readonly namePrefix: string;
}

/** EventBridge refusals the caller can only wait out: at most 10 replays run per account and Region. */
const UNAVAILABLE = new Set(["LimitExceededException", "ResourceNotFoundException"]);

export class EventBridgeReplayer implements EventReplayer {
  readonly #options: EventBridgeReplayerOptions;

  constructor(options: EventBridgeReplayerOptions) {
    this.#options = options;
  }

  async replay(window: ReplayWindow): Promise<ReplayStarted> {
    if (window.type !== undefined)
      throw new ValidationError([
        {
          path: "/type",
          message:
            "cannot be selected in AWS: an EventBridge archive replay delivers every event of the window to the bus's rules; leave type out",
        },
      ]);
    // ReplayName: at most 64 of [.-_A-Za-z0-9].
    const name = `${this.#options.namePrefix}-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
    try {
      const result = await this.#options.client.send(
        new StartReplayCommand({
          ReplayName: name.slice(-64),
          Description: `POST /events/replay ${window.from} .. ${window.to}`,
          EventSourceArn: this.#options.archiveArn,
          EventStartTime: new Date(window.from),
          EventEndTime: new Date(window.to),
          Destination: { Arn: this.#options.eventBusArn },
        }),
      );
      return { name: name.slice(-64), state: result.State ?? "STARTING", ...window };
    } catch (error) {
      const code = (error as { name?: unknown }).name;
      const message = (error as Error).message;
      if (code === "ValidationException")
        throw new ValidationError([
          { path: "", message: `EventBridge refused the window: ${message}` },
        ]);
      if (typeof code === "string" && UNAVAILABLE.has(code))
        throw new ReplayUnavailableError(
          `EventBridge could not start the replay (${code}: ${message}); try again later.`,
        );
      throw error;
    }
  }
}
