/** `GET /workflows`, `GET /workflows/{name}`, `GET /workflows/{name}/stats`. */
import type { CatalogueWorkflow } from "../../../core/project/catalogue.ts";
import { InvalidCursorError } from "../../records/execution-store.ts";
import { computeStats } from "../../records/stats.ts";
import type { ApiDeps } from "../deps.ts";
import { badRequest, type HttpRequest, intParam, json, notFound } from "../http.ts";
import { type Route, route } from "../router.ts";

/** Executions examined at most for one stats request. */
export const STATS_MAX_EXECUTIONS = 5000;
const DEFAULT_STATS_WINDOW_MS = 7 * 86_400_000;

export function requireWorkflow(deps: ApiDeps, name: string): CatalogueWorkflow {
  const workflow = deps.catalogue.get(name);
  if (workflow === undefined) throw notFound(`Workflow ${name} is not deployed.`);
  return workflow;
}

export const workflowRoutes: readonly Route<ApiDeps>[] = [
  route("GET", "/workflows", async ({ deps, request }) => {
    const limit = intParam(request, "limit", 100, 1, 500);
    const after = nameCursor(request.query.cursor);
    const found = search(deps.catalogue.list(), request.query.q, request.query.tag).filter(
      (w) => after === undefined || w.name > after,
    );
    const items = found.slice(0, limit);
    const last = items.at(-1);
    return json(200, {
      items: items.map((w) => ({
        name: w.name,
        version: w.version,
        type: w.type,
        ...(w.description === undefined ? {} : { description: w.description }),
        tags: w.tags ?? [],
      })),
      ...(found.length > limit && last !== undefined
        ? { nextCursor: Buffer.from(last.name, "utf8").toString("base64url") }
        : {}),
    });
  }),

  route("GET", "/workflows/{name}", async ({ deps, params }) => {
    const w = requireWorkflow(deps, params.name ?? "");
    return json(200, {
      name: w.name,
      version: w.version,
      type: w.type,
      ...(w.description === undefined ? {} : { description: w.description }),
      tags: w.tags ?? [],
      aliases: deps.catalogue.aliases(w.name) ?? {},
      ...(w.inputSchema === undefined ? {} : { inputSchema: w.inputSchema }),
      definition: w.definition,
      asl: w.asl,
      mermaid: w.mermaid,
      steps: w.steps.map((s) => ({ id: s.id, kind: s.kind })),
    });
  }),

  route("GET", "/workflows/{name}/stats", async ({ deps, params, request }) => {
    const workflow = requireWorkflow(deps, params.name ?? "");
    const now = (deps.clock ?? (() => new Date()))();
    const since = parseSince(request, now);
    const { items, truncated } = await deps.executions.listSince(
      workflow.name,
      since,
      STATS_MAX_EXECUTIONS,
    );
    return json(200, computeStats(workflow, items, since, truncated));
  }),
];

/**
 * `q`: words that must each appear (case-insensitive) in the name, description or a tag; `tag`:
 * comma-separated tags the workflow must all have.
 */
export function search(
  workflows: readonly CatalogueWorkflow[],
  q: string | undefined,
  tag: string | undefined,
): CatalogueWorkflow[] {
  const words = (q ?? "")
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== "");
  const tags = (tag ?? "")
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
  return workflows.filter((w) => {
    const text = [w.name, w.description ?? "", ...(w.tags ?? [])].join("\n").toLowerCase();
    return words.every((word) => text.includes(word)) && tags.every((t) => w.tags?.includes(t));
  });
}

function nameCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  const name = /^[A-Za-z0-9_-]{1,120}$/.test(cursor)
    ? Buffer.from(cursor, "base64url").toString("utf8")
    : "";
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(name)) {
    throw new InvalidCursorError(
      "The cursor is not one GET /workflows returned; start again without it.",
    );
  }
  return name;
}

/**
 * `since` is an ISO-8601 time or a look-back like `30m`, `24h`, `7d`; the default is 7 days.
 * Returns the ISO time (what the `byWorkflow` sort key starts with).
 */
export function parseSince(request: HttpRequest, now: Date): string {
  const raw = request.query.since;
  if (raw === undefined || raw === "")
    return new Date(now.getTime() - DEFAULT_STATS_WINDOW_MS).toISOString();
  const relative = /^(\d{1,6})([mhd])$/.exec(raw.trim());
  const ms =
    relative !== null
      ? now.getTime() -
        Number(relative[1]) *
          { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as "m" | "h" | "d"]
      : /^\d{4}-\d{2}-\d{2}/.test(raw)
        ? Date.parse(raw)
        : Number.NaN;
  // Before 1970 the ISO form gets a signed six-digit year (800900d ago is "-000166-…"), which is
  // not an RFC 3339 time and sorts before every record key (found by schemathesis).
  if (ms < 0) {
    throw badRequest(
      `Query parameter since must be on or after 1970-01-01; "${raw}" is ${new Date(ms).toISOString()}.`,
      [{ path: "/query/since", message: "must be on or after 1970-01-01" }],
    );
  }
  if (!Number.isFinite(ms)) {
    throw badRequest(
      `Query parameter since must be an ISO-8601 time or a duration like 24h or 7d; got "${raw}".`,
      [
        {
          path: "/query/since",
          message: "must be an ISO-8601 time or a duration such as 30m, 24h, 7d",
        },
      ],
    );
  }
  return new Date(ms).toISOString();
}
