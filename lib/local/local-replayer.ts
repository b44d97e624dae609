/**
 * `POST /events/replay` in `baton dev`: the stored history of the window (oldest first) put back
 * on the local bus with `replay-name`, as an EventBridge archive replay does. Completes before it
 * answers. Rules that must not see replays (records, history) exclude them by pattern; trigger
 * starts are idempotent by trigger and event id, so no execution starts twice.
 */
import { randomBytes } from "node:crypto";
import { ValidationError } from "../runtime/errors.ts";
import type { EventHistoryStore, HistoryEvent } from "../runtime/history/bus-history.ts";
import type { EventReplayer, ReplayStarted, ReplayWindow } from "../runtime/history/replay.ts";
import { type BusEvent, LOCAL_ACCOUNT, LOCAL_REGION, type LocalEventBus } from "./event-bus.ts";

/** Events one replay puts back at most; a larger window is refused before anything is sent. */
export const MAX_LOCAL_REPLAY_EVENTS = 10_000;

export class LocalReplayer implements EventReplayer {
  readonly #history: EventHistoryStore;
  readonly #bus: LocalEventBus;
  readonly #settle: () => Promise<void>;

  /** `settle` waits until events already on the bus are in the history (the writer's flush). */
  constructor(history: EventHistoryStore, bus: LocalEventBus, settle: () => Promise<void>) {
    this.#history = history;
    this.#bus = bus;
    this.#settle = settle;
  }

  async replay(window: ReplayWindow): Promise<ReplayStarted> {
    await this.#settle();
    const events: HistoryEvent[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#history.list({
        since: window.from,
        until: window.to,
        order: "oldest",
        limit: 100,
        ...(window.type === undefined ? {} : { type: window.type }),
        ...(cursor === undefined ? {} : { cursor }),
      });
      events.push(...page.items);
      cursor = page.cursor;
      if (events.length > MAX_LOCAL_REPLAY_EVENTS)
        throw new ValidationError([
          {
            path: "/to",
            message: `the window holds more than ${MAX_LOCAL_REPLAY_EVENTS} events; replay it in smaller windows`,
          },
        ]);
    } while (cursor !== undefined);
    const name = `baton-replay-${Date.now()}-${randomBytes(4).toString("hex")}`;
    this.#bus.replay(events.map(toBusEvent), name);
    return {
      name,
      state: "COMPLETED",
      from: window.from,
      to: window.to,
      ...(window.type === undefined ? {} : { type: window.type }),
      events: events.length,
    };
  }
}

function toBusEvent(event: HistoryEvent): BusEvent {
  return {
    version: "0",
    id: event.id,
    "detail-type": event.detailType,
    source: event.source,
    account: LOCAL_ACCOUNT,
    time: event.time,
    region: LOCAL_REGION,
    resources: [...event.resources],
    detail: event.detail,
  };
}
