/**
 * The orchestration bus over HTTP: `POST /events` puts caller events on it (triggers fire),
 * `GET /events` lists its history, `POST /events/replay` delivers a window of it again.
 */
import { parseCallerEvents } from "../../bus-input.ts";
import { parseReplayWindow } from "../../history/replay.ts";
import type { EventsApiDeps } from "../deps.ts";
import { badRequest, HttpProblem, type HttpRequest, intParam, json, readJson } from "../http.ts";
import { type Route, route } from "../router.ts";
import { parseSince } from "./workflows.ts";

export const eventRoutes: readonly Route<EventsApiDeps>[] = [
  route("POST", "/events", async ({ deps, request }) => {
    const bus = deps.bus ?? unavailable("Putting events on the bus");
    const entries = parseCallerEvents(readJson(request, undefined));
    const ids = await bus.put(entries);
    return json(202, { entries: ids.map((eventId) => ({ eventId })) });
  }),

  route("GET", "/events", async ({ deps, request }) => {
    const history = deps.history ?? unavailable("The bus history");
    const now = new Date();
    const since = parseSince(request, now);
    const until = untilParam(request, now);
    if (until < since)
      throw badRequest(`Query parameter until (${until}) is before since (${since}).`, [
        { path: "/query/until", message: "must not be before since" },
      ]);
    const type = typeParam(request);
    const order = orderParam(request);
    const cursor = request.query.cursor;
    const page = await history.list({
      since,
      until,
      limit: intParam(request, "limit", 50, 1, 100),
      order,
      ...(type === undefined ? {} : { type }),
      ...(cursor === undefined || cursor === "" ? {} : { cursor }),
    });
    return json(200, {
      since,
      until,
      items: page.items,
      ...(page.cursor === undefined ? {} : { nextCursor: page.cursor }),
    });
  }),

  route("POST", "/events/replay", async ({ deps, request }) => {
    const replayer = deps.replayer ?? unavailable("Replay");
    const window = parseReplayWindow(readJson(request, undefined), new Date());
    return json(202, await replayer.replay(window));
  }),
];

function unavailable(what: string): never {
  throw new HttpProblem(
    503,
    "events-unavailable",
    "Event bus unavailable",
    `${what} is not configured on this deployment (no bus, events table or archive); deploy the stack with its event history, or use baton dev.`,
  );
}

function untilParam(request: HttpRequest, now: Date): string {
  const raw = request.query.until;
  if (raw === undefined || raw === "") return now.toISOString();
  const ms = /^\d{4}-\d{2}-\d{2}/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0)
    throw badRequest(`Query parameter until must be an ISO-8601 time; got "${raw.slice(0, 80)}".`, [
      { path: "/query/until", message: "must be an ISO-8601 time such as 2026-12-04T09:00:00Z" },
    ]);
  return new Date(ms).toISOString();
}

function typeParam(request: HttpRequest): string | undefined {
  const raw = request.query.type;
  if (raw === undefined || raw === "") return undefined;
  if (raw.length > 128)
    throw badRequest(
      `Query parameter type is ${raw.length} characters; detail types have at most 128.`,
      [{ path: "/query/type", message: "must be at most 128 characters" }],
    );
  return raw;
}

function orderParam(request: HttpRequest): "newest" | "oldest" {
  const raw = request.query.order;
  if (raw === undefined || raw === "" || raw === "newest") return "newest";
  if (raw === "oldest") return "oldest";
  throw badRequest(`Query parameter order must be newest or oldest; got "${raw.slice(0, 80)}".`, [
    { path: "/query/order", message: "must be newest or oldest" },
  ]);
}
