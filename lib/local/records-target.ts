/**
 * The bus target keeping execution records in `baton dev`, built from the records handler's own
 * pieces (`observe`, the store's CRDT `merge`, `applyEvent`).
 *
 * In AWS, concurrent deliveries for one record race, and the loser of a conditional write re-reads
 * and re-merges. dynalite serializes every request, so locally the events of one execution are
 * queued instead, and the Baton events waiting in the queue are merged into one delta first (the
 * record state is a join-semilattice, so merging deltas before storing them gives the same record
 * as storing them one by one) and stored with one read and one write. Step Functions status
 * changes go through `applyEvent` one at a time, because each may publish its own
 * `Execution *` event. Every delivery resolves only once its event is stored, or rejects so the
 * bus retries it and finally dead-letters it.
 */
import { STEP_FUNCTIONS_SOURCE } from "../core/wire.ts";
import type { ExecutionEvent } from "../runtime/records/document.ts";
import { observe } from "../runtime/records/observe.ts";
import { merge, type RecordState } from "../runtime/records/state.ts";
import { applyEvent, type UpdaterDeps } from "../runtime/records/updater.ts";
import type { BusEvent } from "./event-bus.ts";

interface Pending {
  readonly event: BusEvent;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class RecordsTarget {
  readonly #deps: () => UpdaterDeps;
  readonly #queues = new Map<string, Pending[]>();
  readonly #flushing = new Set<string>();

  /** `deps` is read per flush, so the publisher can be attached after construction. */
  constructor(deps: () => UpdaterDeps) {
    this.#deps = deps;
  }

  deliver(event: BusEvent): Promise<void> {
    const key = executionKey(event);
    return new Promise<void>((resolve, reject) => {
      const queue = this.#queues.get(key) ?? [];
      queue.push({ event, resolve, reject });
      this.#queues.set(key, queue);
      if (!this.#flushing.has(key)) void this.#drain(key);
    });
  }

  async #drain(key: string): Promise<void> {
    this.#flushing.add(key);
    try {
      for (;;) {
        const batch = this.#queues.get(key) ?? [];
        this.#queues.delete(key);
        if (batch.length === 0) return;
        let group: Pending[] = [];
        for (const pending of batch) {
          if (pending.event.source === STEP_FUNCTIONS_SOURCE) {
            await this.#storeGroup(group);
            group = [];
            await settle([pending], () => applyEvent(pending.event, this.#deps()));
          } else {
            group.push(pending);
          }
        }
        await this.#storeGroup(group);
      }
    } finally {
      this.#flushing.delete(key);
    }
  }

  /** Stores Baton events of one execution with a single merge. */
  async #storeGroup(group: readonly Pending[]): Promise<void> {
    if (group.length === 0) return;
    await settle(group, async () => {
      const deps = this.#deps();
      let executionId: string | undefined;
      let delta: RecordState | undefined;
      const events: { order: string; event: ExecutionEvent }[] = [];
      for (const { event } of group) {
        const observation = observe(event, deps.catalogue);
        if (observation.kind === "ignored") continue;
        executionId = observation.executionId;
        delta = delta === undefined ? observation.delta : merge(delta, observation.delta);
        events.push({ order: observation.order, event: observation.event });
      }
      if (executionId === undefined || delta === undefined) return;
      const id = executionId;
      await deps.store.merge(id, delta);
      await Promise.all(events.map(({ order, event }) => deps.store.putEvent(id, order, event)));
    });
  }
}

async function settle(group: readonly Pending[], work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
    for (const pending of group) pending.resolve();
  } catch (error) {
    for (const pending of group) pending.reject(error);
  }
}

/** The execution an event is about (its last ARN segment), or the event id for anything else. */
function executionKey(event: BusEvent): string {
  const detail = (event.detail ?? {}) as Record<string, unknown>;
  const raw = detail.executionId ?? detail.executionArn ?? detail.name;
  if (typeof raw !== "string" || raw === "") return event.id;
  return raw.slice(raw.lastIndexOf(":") + 1);
}
