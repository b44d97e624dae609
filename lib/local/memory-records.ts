/**
 * Execution records in memory, for `baton run` and the test harness: the same record logic as the
 * records handler (`observe` → `merge` → `toDocument`), without a table. Like the handler (and
 * `baton dev`), a Step Functions status change that moves the execution publishes Baton's
 * `Execution *` event, so the event list is the same everywhere.
 */
import type { EventPublisher } from "../runtime/events.ts";
import { toDocument } from "../runtime/records/derive.ts";
import type { ExecutionDocument, ExecutionEvent } from "../runtime/records/document.ts";
import type { MergeResult } from "../runtime/records/execution-store.ts";
import { observe } from "../runtime/records/observe.ts";
import { merge, type RecordState, sameState } from "../runtime/records/state.ts";
import {
  loggedStatusEvent,
  runTrace,
  statusEvents,
  type UpdaterDeps,
} from "../runtime/records/updater.ts";
import type { WorkflowCatalogue } from "../runtime/workflow-catalogue.ts";

export class MemoryRecords {
  readonly #catalogue: WorkflowCatalogue;
  readonly #states = new Map<string, RecordState>();
  readonly #events = new Map<string, Map<string, ExecutionEvent>>();

  readonly #publisher: () => EventPublisher | undefined;
  #trace: UpdaterDeps["trace"];

  /** `publisher` is read per event, so it can be the runtime's, created after the records. */
  constructor(
    catalogue: WorkflowCatalogue,
    publisher: () => EventPublisher | undefined = () => undefined,
  ) {
    this.#catalogue = catalogue;
    this.#publisher = publisher;
  }

  /** Where finished runs' state traces are read (the engine), for every step kind's status. */
  traceWith(trace: NonNullable<UpdaterDeps["trace"]>): void {
    this.#trace = trace;
  }

  /** Applies one bus event; events that are not about executions are ignored. */
  async apply(event: unknown): Promise<void> {
    const observation = observe(event, this.#catalogue);
    if (observation.kind === "ignored") return;
    const { executionId, delta } = observation;
    const previous = this.#states.get(executionId);
    let next = previous === undefined ? delta : merge(previous, delta);
    this.#states.set(executionId, next);
    // A finished run's state trace gives every step kind its true status (`records/trace.ts`).
    // Merged into the state as it is after the read: other events may have landed meanwhile.
    const traced = await runTrace(event, executionId, next.workflow ?? "", {
      catalogue: this.#catalogue,
      ...(this.#trace === undefined ? {} : { trace: this.#trace }),
    });
    if (traced !== undefined) {
      next = merge(this.#states.get(executionId) ?? next, traced);
      this.#states.set(executionId, next);
    }
    const events = this.#events.get(executionId) ?? new Map<string, ExecutionEvent>();
    // A status change already logged had its `Execution *` event published (as in the handler).
    const firstSight = !events.has(observation.order);
    events.set(observation.order, observation.event);
    this.#events.set(executionId, events);
    const publisher = this.#publisher();
    const document = this.document(executionId);
    if (publisher === undefined || document === undefined || !firstSight) return;
    const due = statusEvents([observation], next, document);
    if (due.length === 0) return;
    await publisher.publish(due.map((e) => e.entry));
    for (const e of due) {
      // Logged here, as the records handler does: the bus does not deliver them back.
      const logged = loggedStatusEvent(executionId, e);
      events.set(logged.order, logged.event);
    }
  }

  /**
   * Merges an execution-level delta (a queued start, a start, a pause, a cancel), as
   * `ExecutionStore.merge` does: the harness runs the limit, pause and cancel use cases over this.
   */
  async merge(executionId: string, delta: RecordState): Promise<MergeResult> {
    const previous = this.#states.get(executionId);
    const own = { ...delta, id: executionId };
    const state = previous === undefined ? own : merge(previous, own);
    this.#states.set(executionId, state);
    const document = this.document(executionId) as ExecutionDocument;
    const changed = previous === undefined || !sameState(previous, state);
    return { document, state, previous, changed };
  }

  document(executionId: string): ExecutionDocument | undefined {
    const state = this.#states.get(executionId);
    if (state === undefined) return undefined;
    const workflow = state.workflow === undefined ? undefined : this.#catalogue.get(state.workflow);
    return toDocument(state, workflow);
  }

  /** The execution's events in order. */
  events(executionId: string): ExecutionEvent[] {
    const events = this.#events.get(executionId);
    if (events === undefined) return [];
    return [...events.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e);
  }
}
