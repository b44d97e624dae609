/**
 * `POST /events/replay {from, to, type?}`: the bus's events of a time window delivered again to
 * its rules, marked with `replay-name` (EventBridge's own marker). Baton's records, history and
 * health-check rules ignore replayed events; a trigger rule takes them, and its start is keyed by
 * trigger and event id, so an event that already started an execution answers that execution
 * instead of starting a second one (`docs/events.md`).
 */
import type { Json } from "../../core/model.ts";
import { type FieldError, ValidationError } from "../errors.ts";

export interface ReplayWindow {
  /** ISO-8601, inclusive. */
  readonly from: string;
  /** ISO-8601, inclusive. */
  readonly to: string;
  /** Only events of this detail type (baton dev; EventBridge replays cannot select types). */
  readonly type?: string;
}

export interface ReplayStarted {
  /** The replay's name, which every replayed event carries in `replay-name`. */
  readonly name: string;
  /** `STARTING` (EventBridge replays in the background) or `COMPLETED` (baton dev). */
  readonly state: string;
  readonly from: string;
  readonly to: string;
  readonly type?: string;
  /** Events put back on the bus, when the replay finished before answering. */
  readonly events?: number;
}

/** Starts replays: `StartReplay` from the archive in AWS, the stored history in `baton dev`. */
export interface EventReplayer {
  replay(window: ReplayWindow): Promise<ReplayStarted>;
}

/** The bus would not start the replay now (too many running, archive missing): a 503, retry later. */
export class ReplayUnavailableError extends Error {
  override readonly name = "ReplayUnavailableError";
}

/** A replay covers at most this much time (the archive keeps 30 days by default). */
export const MAX_REPLAY_WINDOW_MS = 31 * 86_400_000;
const ALLOWED = new Set(["from", "to", "type"]);

/** Reads and checks the body; every problem at once. `now` bounds `to` (no replay of the future). */
export function parseReplayWindow(body: Json | undefined, now: Date): ReplayWindow {
  if (body === undefined || body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new ValidationError([
      {
        path: "",
        message:
          'must be a JSON object such as {"from": "2026-12-04T08:00:00Z", "to": "2026-12-04T09:00:00Z"}',
      },
    ]);
  }
  const o = body as { readonly [key: string]: Json };
  const errors: FieldError[] = [];
  for (const key of Object.keys(o).filter((k) => !ALLOWED.has(k)))
    errors.push({ path: `/${key}`, message: "is not allowed (from, to and type are)" });
  const from = time(o.from, "/from", errors);
  const to = time(o.to, "/to", errors);
  if (from !== undefined && to !== undefined) {
    if (from > to)
      errors.push({
        path: "/to",
        message: `must not be before from (${new Date(from).toISOString()})`,
      });
    else if (to - from > MAX_REPLAY_WINDOW_MS)
      errors.push({ path: "/to", message: "must be at most 31 days after from" });
  }
  if (to !== undefined && to > now.getTime())
    errors.push({
      path: "/to",
      message: `must not be in the future (now is ${now.toISOString()}); nothing after now has happened yet`,
    });
  const type = o.type;
  if (type !== undefined && (typeof type !== "string" || type.length === 0 || type.length > 128))
    errors.push({ path: "/type", message: "must be a detail type of 1 to 128 characters" });
  if (errors.length > 0 || from === undefined || to === undefined)
    throw new ValidationError(errors);
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    ...(typeof type === "string" ? { type } : {}),
  };
}

function time(value: Json | undefined, path: string, errors: FieldError[]): number | undefined {
  const ms =
    typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0) {
    errors.push({
      path,
      message: `must be an ISO-8601 time such as 2026-12-04T08:00:00Z; got ${JSON.stringify(value ?? null)}`,
    });
    return undefined;
  }
  return ms;
}
