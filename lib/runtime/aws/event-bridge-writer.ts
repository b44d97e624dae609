/**
 * The AWS `EventBusWriter`: caller events go to the orchestration bus with `PutEvents`, with the
 * caller's source. An entry EventBridge refuses fails the request (the caller can retry), unlike
 * Baton's own events, which go to the dead-letter queue.
 */
import { type EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { type CallerEvent, EventBusRefusedError, type EventBusWriter } from "../bus-input.ts";

export class EventBridgeWriter implements EventBusWriter {
  readonly #client: EventBridgeClient;
  readonly #busName: string;

  constructor(client: EventBridgeClient, busName: string) {
    this.#client = client;
    this.#busName = busName;
  }

  async put(entries: readonly CallerEvent[]): Promise<readonly string[]> {
    const result = await this.#client.send(
      new PutEventsCommand({
        Entries: entries.map((entry) => ({
          EventBusName: this.#busName,
          Source: entry.source,
          DetailType: entry.detailType,
          Detail: JSON.stringify(entry.detail),
        })),
      }),
    );
    const outcomes = result.Entries ?? [];
    const refused = outcomes.flatMap((outcome, index) =>
      outcome.EventId === undefined || outcome.ErrorCode !== undefined
        ? [`entry ${index}: ${outcome.ErrorCode ?? "Unknown"} ${outcome.ErrorMessage ?? ""}`.trim()]
        : [],
    );
    if (refused.length > 0 || outcomes.length !== entries.length) {
      throw new EventBusRefusedError(
        `EventBridge refused ${refused.length || entries.length - outcomes.length} of ${entries.length} event(s): ${refused.join("; ")}`,
      );
    }
    return outcomes.map((outcome) => outcome.EventId as string);
  }
}
