/**
 * The record as stored (`execution-store.ts`): a small head plus logged events. The state is
 * rebuilt by observing every logged event again and merging the deltas into the head; merging is
 * order-independent and idempotent (`state.ts`), so duplicated or reordered log items change
 * nothing. Pure.
 */
import { EVENT_SOURCE, STEP_FUNCTIONS_SOURCE } from "../../core/wire.ts";
import type { WorkflowCatalogue } from "../workflow-catalogue.ts";
import type { ExecutionEvent } from "./document.ts";
import type { LoggedEvent } from "./execution-store.ts";
import { observe } from "./observe.ts";
import { merge, type RecordState } from "./state.ts";

/** The delta a logged event stands for, observed from it as it was stored. */
export function loggedDelta(
  event: ExecutionEvent,
  catalogue?: WorkflowCatalogue,
): RecordState | undefined {
  const observation = observe(
    {
      id: event.id,
      "detail-type": event.type,
      source: event.source,
      time: event.time,
      detail: event.detail,
    },
    catalogue,
  );
  return observation.kind === "observed" ? observation.delta : undefined;
}

/** Head, logged events and extra deltas merged into the record state; undefined when all are absent. */
export function assemble(
  id: string,
  head: RecordState | undefined,
  events: Iterable<ExecutionEvent>,
  extras: readonly RecordState[],
  catalogue?: WorkflowCatalogue,
): RecordState | undefined {
  let state = head;
  const add = (delta: RecordState): void => {
    state = merge(state ?? { id }, { ...delta, id });
  };
  for (const event of events) {
    const delta = loggedDelta(event, catalogue);
    if (delta !== undefined) add(delta);
  }
  for (const extra of extras) add(extra);
  return state;
}

/**
 * Whether an event changes the head (the execution item): Step Functions status changes (start,
 * end, the compensation run's failure) and the saga's compensation phase. Step events and Baton's
 * own `Execution *` events (the records publish those, from the status changes) are only logged.
 */
export function changesHead(event: ExecutionEvent): boolean {
  return (
    event.source === STEP_FUNCTIONS_SOURCE ||
    (event.source === EVENT_SOURCE && event.type.startsWith("Compensation "))
  );
}

/** The execution-level part of a delta: steps stay in the log. */
export function headPart(delta: RecordState): RecordState {
  const { steps: _steps, ...head } = delta;
  return head;
}

/** Logged events in order, one per order key (overlapping log items hold duplicates). */
export function inOrder(logged: Iterable<LoggedEvent>): LoggedEvent[] {
  const byOrder = new Map<string, LoggedEvent>();
  for (const entry of logged) byOrder.set(entry.order, entry);
  return [...byOrder.values()].sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
}
