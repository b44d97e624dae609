/**
 * Events a caller puts on the orchestration bus (`POST /events`, `baton events put`): what they
 * may carry, checked before anything is sent. Baton's own source and detail types are refused:
 * the execution records and the health checks trust them, so a caller must not be able to forge
 * `Execution Succeeded` or `Circuit Opened`.
 */
import type { Json } from "../core/model.ts";
import { EVENT_SOURCE, RESERVED_DETAIL_TYPES } from "../core/wire.ts";
import { type FieldError, ValidationError } from "./errors.ts";

/** An event from outside Baton, as `PutEvents` takes it. */
export interface CallerEvent {
  readonly source: string;
  readonly detailType: string;
  readonly detail: { readonly [key: string]: Json };
}

/** Puts caller events on the bus; resolves with their event ids, in order. */
export interface EventBusWriter {
  put(entries: readonly CallerEvent[]): Promise<readonly string[]>;
}

/** The bus refused some entries: a 502 for the caller, who may retry; nothing is dropped silently. */
export class EventBusRefusedError extends Error {
  override readonly name = "EventBusRefusedError";
}

/** EventBridge takes at most 10 entries per `PutEvents`. */
export const MAX_EVENTS_PER_REQUEST = 10;
const ALLOWED = new Set(["source", "detailType", "detail-type", "detail"]);

/**
 * One event (`{source, detailType, detail}`; `detail-type` is accepted as EventBridge spells it)
 * or `{entries: [...]}` with up to ten. Every problem is reported at once.
 */
export function parseCallerEvents(body: Json | undefined): CallerEvent[] {
  if (body === undefined || body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new ValidationError([
      {
        path: "",
        message:
          'must be a JSON object: {"source": "shop.orders", "detailType": "Order Placed", "detail": {...}} or {"entries": [...]}',
      },
    ]);
  }
  const object = body as { readonly [key: string]: Json };
  const errors: FieldError[] = [];
  if (!("entries" in object)) {
    const entry = checkEntry(object, "", errors);
    if (entry === undefined) throw new ValidationError(errors);
    return [entry];
  }
  const extra = Object.keys(object).filter((key) => key !== "entries");
  for (const key of extra)
    errors.push({ path: `/${key}`, message: "is not allowed beside entries" });
  const entries = object.entries;
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_EVENTS_PER_REQUEST) {
    errors.push({
      path: "/entries",
      message: `must be a list of 1 to ${MAX_EVENTS_PER_REQUEST} events`,
    });
    throw new ValidationError(errors);
  }
  const parsed = entries.map((entry, index) => checkEntry(entry, `/entries/${index}`, errors));
  if (errors.length > 0) throw new ValidationError(errors);
  return parsed.filter((entry): entry is CallerEvent => entry !== undefined);
}

function checkEntry(value: Json, path: string, errors: FieldError[]): CallerEvent | undefined {
  const before = errors.length;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    errors.push({ path, message: "must be an object with source, detailType and detail" });
    return undefined;
  }
  const entry = value as { readonly [key: string]: Json };
  for (const key of Object.keys(entry).filter((k) => !ALLOWED.has(k)))
    errors.push({ path: `${path}/${key}`, message: "is not allowed" });
  const source = entry.source;
  if (typeof source !== "string" || source.length === 0 || source.length > 256) {
    errors.push({ path: `${path}/source`, message: "must be a string of 1 to 256 characters" });
  } else if (source === EVENT_SOURCE || source.startsWith("aws.")) {
    errors.push({
      path: `${path}/source`,
      message: `"${source}" is reserved (Baton's own events and AWS services'); use your own, e.g. "shop.orders"`,
    });
  }
  const detailType = entry.detailType ?? entry["detail-type"];
  if ("detailType" in entry && "detail-type" in entry) {
    errors.push({
      path: `${path}/detail-type`,
      message: "give detailType or detail-type, not both",
    });
  } else if (typeof detailType !== "string" || detailType.length === 0 || detailType.length > 128) {
    errors.push({ path: `${path}/detailType`, message: "must be a string of 1 to 128 characters" });
  } else if (RESERVED_DETAIL_TYPES.includes(detailType)) {
    errors.push({
      path: `${path}/detailType`,
      message: `"${detailType}" is one of Baton's own detail types, which only Baton publishes`,
    });
  }
  const detail = entry.detail ?? {};
  if (detail === null || typeof detail !== "object" || Array.isArray(detail)) {
    errors.push({ path: `${path}/detail`, message: "must be a JSON object" });
  }
  if (errors.length > before) return undefined;
  return {
    source: source as string,
    detailType: detailType as string,
    detail: detail as { readonly [key: string]: Json },
  };
}
