/**
 * Fleet views: `GET /executions` (every workflow's executions, newest first), `GET /stats`
 * (counts by status, running and queued, one row per workflow) and `GET /ready` (readiness).
 *
 * `GET /executions` merges the per-workflow listings (the `byWorkflow` index, newest first): each
 * page reads at most `limit` records per workflow and returns the newest `limit` of them; the
 * cursor is the `<startedAt>#<id>` of the last one returned, so the next page asks each workflow
 * for what sorts before it. A page costs one Query per workflow.
 */
import type { ExecutionDocument, ExecutionStatus } from "../../records/document.ts";
import { InvalidCursorError } from "../../records/execution-store.ts";
import type { ApiDeps } from "../deps.ts";
import { badRequest, intParam, json } from "../http.ts";
import { type Route, route } from "../router.ts";
import { statusParam } from "./executions.ts";
import { probe } from "./health.ts";
import { parseSince, STATS_MAX_EXECUTIONS } from "./workflows.ts";

/** Statuses counted as in progress: `RUNNING`, and `QUEUED`/`PAUSED` where the engine has them. */
const IN_PROGRESS = ["RUNNING", "QUEUED", "PAUSED"] as const;

export const fleetRoutes: readonly Route<ApiDeps>[] = [
  route("GET", "/executions", async ({ deps, request }) => {
    const status = statusParam(request);
    const limit = intParam(request, "limit", 20, 1, 100);
    const workflow = request.query.workflow;
    const before = decodeFleetCursor(request.query.cursor);
    const names = workflow === undefined || workflow === "" ? deps.catalogue.names() : [workflow];
    if (workflow !== undefined && workflow !== "" && !deps.catalogue.names().includes(workflow)) {
      throw badRequest(
        `Query parameter workflow names unknown workflow "${workflow.slice(0, 80)}".`,
        [{ path: "/query/workflow", message: "is not a known workflow" }],
      );
    }
    const pages = await Promise.all(
      names.map((name) =>
        deps.executions.list(name, {
          limit,
          ...(status === undefined ? {} : { status }),
          ...(before === undefined ? {} : { before }),
        }),
      ),
    );
    const merged = pages.flatMap((p) => p.items).sort(newestFirst);
    const items = merged.slice(0, limit);
    const more = merged.length > limit || pages.some((p) => p.cursor !== undefined);
    const last = items.at(-1);
    return json(200, {
      items,
      ...(more && last !== undefined ? { nextCursor: encodeFleetCursor(sortKey(last)) } : {}),
    });
  }),

  route("GET", "/stats", async ({ deps, request }) => {
    const now = (deps.clock ?? (() => new Date()))();
    const since = parseSince(request, now);
    const rows = await Promise.all(
      deps.catalogue.names().map(async (name) => {
        const { items, truncated } = await deps.executions.listSince(
          name,
          since,
          STATS_MAX_EXECUTIONS,
        );
        return { workflow: name, ...counts(items), ...(truncated ? { truncated } : {}) };
      }),
    );
    const byStatus: Record<string, number> = {};
    for (const row of rows)
      for (const [status, n] of Object.entries(row.byStatus))
        byStatus[status] = (byStatus[status] ?? 0) + n;
    return json(200, {
      since,
      total: rows.reduce((sum, r) => sum + r.total, 0),
      byStatus,
      running: byStatus.RUNNING ?? 0,
      queued: byStatus.QUEUED ?? 0,
      inProgress: IN_PROGRESS.reduce((sum, s) => sum + (byStatus[s] ?? 0), 0),
      workflows: rows.filter((r) => r.total > 0 || deps.catalogue.get(r.workflow) !== undefined),
    });
  }),

  route("GET", "/ready", async ({ deps }) => {
    const checks = [
      ...deps.healthChecks,
      ...(deps.controlPlane === undefined
        ? []
        : [
            {
              name: "workflows",
              check: async () => {
                await deps.controlPlane?.store.head("baton-ready-probe");
              },
            },
          ]),
    ];
    const results = Object.fromEntries(await Promise.all(checks.map((c) => probe(c, deps.logger))));
    const ready = Object.values(results).every((r) => r.status === "ok");
    return json(ready ? 200 : 503, {
      status: ready ? "ready" : "not-ready",
      workflows: deps.catalogue.list().length,
      checks: results,
    });
  }),
];

function counts(items: readonly ExecutionDocument[]) {
  const byStatus: Partial<Record<ExecutionStatus | string, number>> = {};
  for (const item of items) byStatus[item.status] = (byStatus[item.status] ?? 0) + 1;
  const finished = items.filter((i) => !(IN_PROGRESS as readonly string[]).includes(i.status));
  const succeeded = byStatus.SUCCEEDED ?? 0;
  return {
    total: items.length,
    byStatus: byStatus as Record<string, number>,
    running: byStatus.RUNNING ?? 0,
    queued: byStatus.QUEUED ?? 0,
    successRate: finished.length === 0 ? null : succeeded / finished.length,
  };
}

const sortKey = (d: ExecutionDocument): string => `${d.startedAt}#${d.id}`;

const newestFirst = (a: ExecutionDocument, b: ExecutionDocument): number =>
  sortKey(a) < sortKey(b) ? 1 : sortKey(a) > sortKey(b) ? -1 : 0;

const encodeFleetCursor = (before: string): string =>
  Buffer.from(JSON.stringify({ before }), "utf8").toString("base64url");

function decodeFleetCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  const invalid = new InvalidCursorError(
    "The cursor is not one GET /executions returned; start again without it.",
  );
  if (cursor.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as {
      before?: unknown;
    };
    if (typeof parsed.before !== "string" || !/^\d{4}-\d{2}-\d{2}T[^#]+#.+$/.test(parsed.before))
      throw invalid;
    return parsed.before;
  } catch {
    throw invalid;
  }
}
