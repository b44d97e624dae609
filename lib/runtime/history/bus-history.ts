/**
 * The bus history (`GET /events`): every event the orchestration bus carried (Baton's own,
 * registry, health and circuit ones included, `emit` steps' and callers'), kept for the retention
 * window so it can be listed and replayed. EventBridge archives cannot be queried, so a rule copies
 * each event into a store (`docs/events.md`); replayed events are never stored again.
 */
import type { Json } from "../../core/model.ts";

/** `replay-name`: the field EventBridge (and the local bus) adds to a replayed event. */
export const REPLAY_NAME_FIELD = "replay-name";

/** One stored event: the EventBridge envelope's fields, camelCase. */
export interface HistoryEvent {
  readonly id: string;
  /** ISO-8601, milliseconds, UTC (`2026-12-04T08:50:00.000Z`). */
  readonly time: string;
  readonly source: string;
  readonly detailType: string;
  readonly detail: Json;
  readonly resources: readonly string[];
}

export interface HistoryQuery {
  /** Oldest event time included (ISO-8601). */
  readonly since: string;
  /** Newest event time included (ISO-8601). */
  readonly until: string;
  /** Only events of this detail type. @default every type */
  readonly type?: string;
  readonly limit: number;
  /** @default "newest" (newest first) */
  readonly order?: "newest" | "oldest";
  /** From a previous page. */
  readonly cursor?: string;
}

export interface HistoryPage {
  /** In the query's order. */
  readonly items: readonly HistoryEvent[];
  readonly cursor?: string;
}

/** Where the history rule writes and `GET /events` reads. */
export interface EventHistoryStore {
  /** Stores events; storing one again (same id and time) overwrites it, so redelivery is harmless. */
  append(events: readonly HistoryEvent[]): Promise<void>;
  list(query: HistoryQuery): Promise<HistoryPage>;
}

/**
 * An EventBridge envelope as a history event, or why it is not one. Replayed events (with
 * `replay-name`) are refused: the history already holds their originals.
 */
export function toHistoryEvent(envelope: unknown): HistoryEvent | string {
  if (envelope === null || typeof envelope !== "object" || Array.isArray(envelope))
    return "not a JSON object";
  const e = envelope as { readonly [key: string]: unknown };
  if (REPLAY_NAME_FIELD in e) return `a replayed event (${String(e[REPLAY_NAME_FIELD])})`;
  const { id, time, source } = e;
  const detailType = e["detail-type"];
  if (typeof id !== "string" || id === "") return "no id";
  if (typeof source !== "string" || source === "") return "no source";
  if (typeof detailType !== "string" || detailType === "") return "no detail-type";
  const at = typeof time === "string" ? Date.parse(time) : Number.NaN;
  if (!Number.isFinite(at)) return `no valid time (${String(time)})`;
  const resources = Array.isArray(e.resources)
    ? e.resources.filter((r): r is string => typeof r === "string")
    : [];
  return {
    id,
    time: new Date(at).toISOString(),
    source,
    detailType,
    detail: (e.detail ?? {}) as Json,
    resources,
  };
}
