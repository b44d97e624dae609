/** `GET /events` and `POST /events/replay` over fakes: what reaches the store and the replayer. */
import { describe, expect, it } from "vitest";
import { handleApiEvent } from "../../../lib/runtime/api/app.ts";
import type { ApiDeps } from "../../../lib/runtime/api/deps.ts";
import { ValidationError } from "../../../lib/runtime/errors.ts";
import type {
  HistoryEvent,
  HistoryPage,
  HistoryQuery,
} from "../../../lib/runtime/history/bus-history.ts";
import type {
  EventReplayer,
  ReplayStarted,
  ReplayWindow,
} from "../../../lib/runtime/history/replay.ts";
import { quietLogger } from "../../../lib/runtime/logger.ts";
import { fakeDeps, restEvent } from "../fakes.ts";

const EVENT: HistoryEvent = {
  id: "e-1",
  time: "2026-12-04T08:00:00.000Z",
  source: "baton",
  detailType: "Circuit Opened",
  detail: { service: "payments" },
  resources: [],
};

class RecordingHistory {
  readonly queries: HistoryQuery[] = [];
  constructor(readonly page: HistoryPage = { items: [EVENT], cursor: "next" }) {}
  async list(query: HistoryQuery): Promise<HistoryPage> {
    this.queries.push(query);
    return this.page;
  }
}

class RecordingReplayer implements EventReplayer {
  readonly windows: ReplayWindow[] = [];
  constructor(readonly refuse?: Error) {}
  async replay(window: ReplayWindow): Promise<ReplayStarted> {
    this.windows.push(window);
    if (this.refuse !== undefined) throw this.refuse;
    return { name: "r-1", state: "STARTING", ...window };
  }
}

async function call(
  deps: ApiDeps,
  method: string,
  path: string,
  o: { query?: Record<string, string>; body?: unknown } = {},
) {
  const response = await handleApiEvent(restEvent(method, path, o), {
    ...deps,
    logger: quietLogger,
  });
  return {
    status: response.statusCode,
    body: JSON.parse(response.body) as Record<string, unknown> & {
      errors?: { path: string }[];
    },
  };
}

describe("GET /events", () => {
  it("passes the window, type, order, limit and cursor to the history and answers the page", async () => {
    // Prepare
    const history = new RecordingHistory();
    const { deps } = fakeDeps({ history });
    // Act
    const response = await call(deps, "GET", "/events", {
      query: {
        since: "2026-12-04T00:00:00Z",
        until: "2026-12-04T09:00:00Z",
        type: "Circuit Opened",
        order: "oldest",
        limit: "10",
        cursor: "abc",
      },
    });
    // Assess
    expect(response).toEqual({
      status: 200,
      body: {
        since: "2026-12-04T00:00:00.000Z",
        until: "2026-12-04T09:00:00.000Z",
        items: [EVENT],
        nextCursor: "next",
      },
    });
    expect(history.queries).toEqual([
      {
        since: "2026-12-04T00:00:00.000Z",
        until: "2026-12-04T09:00:00.000Z",
        type: "Circuit Opened",
        order: "oldest",
        limit: 10,
        cursor: "abc",
      },
    ]);
  });

  it("reads the last 7 days newest first, 50 at a time, by default", async () => {
    const history = new RecordingHistory({ items: [] });
    const { deps } = fakeDeps({ history });
    const before = Date.now();
    const response = await call(deps, "GET", "/events");
    const query = history.queries[0] as HistoryQuery;
    expect(response.body).not.toHaveProperty("nextCursor");
    expect([query.limit, query.order, query.type, query.cursor]).toEqual([
      50,
      "newest",
      undefined,
      undefined,
    ]);
    const span = Date.parse(query.until) - Date.parse(query.since);
    expect(span).toBe(7 * 86_400_000);
    expect(Date.parse(query.until)).toBeGreaterThanOrEqual(before - 1000);
  });

  it("fails with 400 naming the parameter for each bad query", async () => {
    const { deps } = fakeDeps({ history: new RecordingHistory() });
    const cases: [Record<string, string>, string][] = [
      [{ since: "last week" }, "/query/since"],
      [{ until: "tomorrow" }, "/query/until"],
      [{ since: "2026-12-04T00:00:00Z", until: "2026-12-03T00:00:00Z" }, "/query/until"],
      [{ type: "x".repeat(129) }, "/query/type"],
      [{ order: "random" }, "/query/order"],
      [{ limit: "101" }, "/query/limit"],
    ];
    for (const [query, path] of cases) {
      const response = await call(deps, "GET", "/events", { query });
      expect([response.status, response.body.errors?.[0]?.path]).toEqual([400, path]);
    }
  });

  it("answers 503 where no history is configured", async () => {
    const { deps } = fakeDeps();
    const response = await call(deps, "GET", "/events");
    expect(response.status).toBe(503);
    expect(response.body.type).toBe("urn:baton:problem:events-unavailable");
  });
});

describe("POST /events/replay", () => {
  it("starts a replay of the window and answers 202 with it", async () => {
    // Prepare
    const replayer = new RecordingReplayer();
    const { deps } = fakeDeps({ replayer });
    // Act
    const response = await call(deps, "POST", "/events/replay", {
      body: { from: "2026-11-01T00:00:00Z", to: "2026-11-01T01:00:00Z", type: "Order Placed" },
    });
    // Assess
    const window = {
      from: "2026-11-01T00:00:00.000Z",
      to: "2026-11-01T01:00:00.000Z",
      type: "Order Placed",
    };
    expect(response).toEqual({ status: 202, body: { name: "r-1", state: "STARTING", ...window } });
    expect(replayer.windows).toEqual([window]);
  });

  it("fails with 400 listing every problem of the body, and starts nothing", async () => {
    const replayer = new RecordingReplayer();
    const { deps } = fakeDeps({ replayer });
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const bodies: [unknown, string[]][] = [
      [undefined, [""]],
      [[1], [""]],
      [{ from: "2026-11-02T00:00:00Z", to: "2026-11-01T00:00:00Z" }, ["/to"]],
      [{ from: "2026-09-01T00:00:00Z", to: "2026-11-01T00:00:00Z" }, ["/to"]],
      [{ from: new Date().toISOString(), to: future }, ["/to"]],
      [{ from: 1, type: 2, more: true }, ["/from", "/more", "/to", "/type"]],
    ];
    for (const [body, paths] of bodies) {
      const response = await call(deps, "POST", "/events/replay", { body });
      expect(response.status).toBe(400);
      expect(response.body.errors?.map((e) => e.path).sort()).toEqual(paths);
    }
    expect(replayer.windows).toEqual([]);
  });

  it("answers 400 when the replayer refuses the window (EventBridge cannot select types)", async () => {
    const refusal = new ValidationError([{ path: "/type", message: "cannot be selected" }]);
    const { deps } = fakeDeps({ replayer: new RecordingReplayer(refusal) });
    const response = await call(deps, "POST", "/events/replay", {
      body: { from: "2026-11-01T00:00:00Z", to: "2026-11-01T01:00:00Z", type: "T" },
    });
    expect([response.status, response.body.errors?.[0]?.path]).toEqual([400, "/type"]);
  });

  it("answers 503 where replay is not configured", async () => {
    const { deps } = fakeDeps();
    const response = await call(deps, "POST", "/events/replay", {
      body: { from: "2026-11-01T00:00:00Z", to: "2026-11-01T01:00:00Z" },
    });
    expect(response.status).toBe(503);
  });
});

describe("the bus Lambda's routes", () => {
  it("serves the three bus routes, which the API Lambda leaves to it", async () => {
    const { apiRouter } = await import("../../../lib/runtime/api/api-routes.ts");
    const { eventsRouter } = await import("../../../lib/runtime/api/events-app.ts");
    const { router } = await import("../../../lib/runtime/api/app.ts");
    const names = (routes: readonly { method: string; pattern: string }[]) =>
      routes.map((r) => `${r.method} ${r.pattern}`);
    expect(names(eventsRouter.routes)).toEqual([
      "POST /events",
      "GET /events",
      "POST /events/replay",
    ]);
    expect(names(apiRouter.routes).filter((r) => r.includes("/events "))).toEqual([]);
    expect(names(apiRouter.routes).some((r) => r.endsWith(" /events"))).toBe(false);
    expect(names(router.routes)).toEqual(expect.arrayContaining(names(eventsRouter.routes)));
  });
});
