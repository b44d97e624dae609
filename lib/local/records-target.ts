/**
 * The bus target keeping execution records in `baton dev`: the records handler's `applyEvent`,
 * with the events of one execution applied one after another. In AWS concurrent deliveries for
 * one record race and the loser of a conditional write re-reads; locally dynalite serializes every
 * request anyway, so queueing per execution avoids those lost races instead of paying for them.
 * Each delivery still resolves only once its event is stored (or rejects, so the bus retries it
 * and finally dead-letters it).
 */
import { applyEvent, type UpdaterDeps } from "../../functions/commons/records/updater.ts";
import type { BusEvent } from "./event-bus.ts";

export class RecordsTarget {
  readonly #deps: () => UpdaterDeps;
  readonly #tails = new Map<string, Promise<unknown>>();

  /** `deps` is read per event, so the publisher can be attached after construction. */
  constructor(deps: () => UpdaterDeps) {
    this.#deps = deps;
  }

  deliver(event: BusEvent): Promise<void> {
    const key = executionKey(event);
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => applyEvent(event, this.#deps()));
    this.#tails.set(key, run);
    void run
      .catch(() => undefined)
      .finally(() => {
        if (this.#tails.get(key) === run) this.#tails.delete(key);
      });
    return run.then(() => undefined);
  }
}

/** The execution an event is about (its last ARN segment), or the event id for anything else. */
function executionKey(event: BusEvent): string {
  const detail = (event.detail ?? {}) as Record<string, unknown>;
  const raw = detail.executionId ?? detail.executionArn ?? detail.name;
  if (typeof raw !== "string" || raw === "") return event.id;
  return raw.slice(raw.lastIndexOf(":") + 1);
}
