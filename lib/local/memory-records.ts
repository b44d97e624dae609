/**
 * Execution records in memory, for `baton run` and the test harness: the same record logic as the
 * records handler (`observe` → `merge` → `toDocument`), without a table.
 */
import type { WorkflowCatalogue } from "../runtime/catalogue.ts";
import { toDocument } from "../runtime/records/derive.ts";
import type { ExecutionDocument, ExecutionEvent } from "../runtime/records/document.ts";
import { observe } from "../runtime/records/observe.ts";
import { merge, type RecordState } from "../runtime/records/state.ts";

export class MemoryRecords {
  readonly #catalogue: WorkflowCatalogue;
  readonly #states = new Map<string, RecordState>();
  readonly #events = new Map<string, Map<string, ExecutionEvent>>();

  constructor(catalogue: WorkflowCatalogue) {
    this.#catalogue = catalogue;
  }

  /** Applies one bus event; events that are not about executions are ignored. */
  apply(event: unknown): void {
    const observation = observe(event, this.#catalogue);
    if (observation.kind === "ignored") return;
    const { executionId, delta } = observation;
    const previous = this.#states.get(executionId);
    this.#states.set(executionId, previous === undefined ? delta : merge(previous, delta));
    const events = this.#events.get(executionId) ?? new Map<string, ExecutionEvent>();
    events.set(observation.order, observation.event);
    this.#events.set(executionId, events);
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
