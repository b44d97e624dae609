/**
 * Runtime workflow management: versions, aliases, `DELETE` (`PUT /workflows/{name}`, which
 * compiles, is `workflow-publish.ts`). The use cases are in `workflows/versions.ts`; these routes
 * parse the request and shape the answer.
 */
import type { Json } from "../../../core/model.ts";
import type { FileProblem } from "../../../core/problems.ts";
import { type AuditEntry, recordAudit } from "../../workflows/audit.ts";
import { ALIAS_NAME, MAX_ROUTES, type Routing } from "../../workflows/routing.ts";
import { deleteWorkflow, type PublishDeps, setAlias } from "../../workflows/versions.ts";
import type { WorkflowVersionRecord } from "../../workflows/workflow-store.ts";
import type { ApiDeps } from "../deps.ts";
import {
  badRequest,
  type FieldProblem,
  HttpProblem,
  type HttpRequest,
  intParam,
  json,
  notFound,
  readJson,
} from "../http.ts";
import { type Route, route } from "../router.ts";

const WORKFLOW_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** A problem of a published source, as the 400 lists it (`file` is the workflow name). */
export interface WorkflowProblem extends FieldProblem {
  readonly file: string;
  readonly code: string;
  readonly severity: "error" | "warning";
  readonly line?: number;
  readonly hint?: string;
}

export function publishDeps(deps: ApiDeps): PublishDeps {
  if (deps.controlPlane === undefined) {
    throw new HttpProblem(
      503,
      "control-plane-unavailable",
      "Workflow management unavailable",
      "This API has no workflows table configured, so workflows cannot be changed at run time.",
    );
  }
  return {
    ...deps.controlPlane,
    catalogue: deps.catalogue,
    ...(deps.clock === undefined ? {} : { clock: deps.clock }),
  };
}

export const caller = (request: HttpRequest): string => request.principal ?? "anonymous";

/** Records a change in the workflow's audit list (`workflows/audit.ts`). */
export function audit(
  deps: ApiDeps,
  request: HttpRequest,
  entry: Omit<AuditEntry, "at" | "by">,
): Promise<void> {
  const at = (deps.clock ?? (() => new Date()))().toISOString();
  return recordAudit(deps.controlPlane?.store, { ...entry, at, by: caller(request) }, deps.logger);
}

export const workflowManagementRoutes: readonly Route<ApiDeps>[] = [
  route("DELETE", "/workflows/{name}", async ({ deps, params, request }) => {
    const name = workflowName(params.name ?? "");
    await deleteWorkflow(publishDeps(deps), name);
    await audit(deps, request, { workflow: name, action: "deleted" });
    return { statusCode: 204, headers: { "cache-control": "no-store" }, body: "" };
  }),

  route("GET", "/workflows/{name}/versions", async ({ deps, params, request }) => {
    const name = workflowName(params.name ?? "");
    const limit = intParam(request, "limit", 50, 1, 100);
    const { store } = publishDeps(deps);
    const records = await store.versions(name, limit);
    if (records.length === 0) throw notFound(`Workflow ${name} has no versions.`);
    return json(200, { items: records.map(versionDocument) });
  }),

  route("GET", "/workflows/{name}/versions/{version}", async ({ deps, params }) => {
    const name = workflowName(params.name ?? "");
    const version = versionNumber(params.version ?? "", "/path/version");
    const record = await publishDeps(deps).store.version(name, version);
    if (record === undefined) throw notFound(`Workflow ${name} has no version ${version}.`);
    return json(200, {
      ...versionDocument(record),
      asl: record.entry.asl,
      mermaid: record.entry.mermaid,
    });
  }),

  route("PUT", "/workflows/{name}/aliases/{alias}", async ({ deps, params, request }) => {
    const name = workflowName(params.name ?? "");
    const alias = params.alias ?? "";
    if (!ALIAS_NAME.test(alias)) {
      throw badRequest(`Alias "${alias.slice(0, 100)}" must match ${ALIAS_NAME.source}.`, [
        { path: "/path/alias", message: `must match ${ALIAS_NAME.source}` },
      ]);
    }
    const routing = routingOf(readJson(request, undefined));
    const head = await setAlias(publishDeps(deps), name, alias, routing);
    const routed = head.aliases[alias] ?? routing;
    await audit(deps, request, {
      workflow: name,
      action: "aliased",
      alias,
      detail: routed.map((r) => `version ${r.version}: ${r.weight}%`).join(", "),
    });
    return json(200, { name, alias, routing: routed });
  }),

  route("GET", "/workflows/{name}/audit", async ({ deps, params, request }) => {
    const name = workflowName(params.name ?? "");
    const limit = intParam(request, "limit", 50, 1, 100);
    const cursor = auditCursor(request.query.cursor);
    const { store } = publishDeps(deps);
    const page = await store.audit(name, limit, cursor);
    if (page.items.length === 0 && cursor === undefined && (await store.head(name)) === undefined)
      throw notFound(`Workflow ${name} has no audit list: it was never published.`);
    return json(200, {
      items: page.items,
      ...(page.cursor === undefined
        ? {}
        : { nextCursor: Buffer.from(page.cursor, "utf8").toString("base64url") }),
    });
  }),
];

/** The audit cursor: base64url of the last entry's sort key, which starts `AUDIT#`. */
function auditCursor(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === "") return undefined;
  const decoded = Buffer.from(raw, "base64url").toString("utf8");
  if (!/^AUDIT#[0-9T:.Z-]{10,40}#[0-9a-f]{8}$/.test(decoded)) {
    throw badRequest("Query parameter cursor is not a cursor this API returned.", [
      { path: "/query/cursor", message: "is not a valid cursor" },
    ]);
  }
  return decoded;
}

export function workflowName(name: string): string {
  if (!WORKFLOW_NAME.test(name)) {
    throw badRequest(`"${name.slice(0, 100)}" is not a workflow name (${WORKFLOW_NAME.source}).`, [
      { path: "/path/name", message: `must match ${WORKFLOW_NAME.source}` },
    ]);
  }
  return name;
}

export function versionNumber(raw: string, path: string): number {
  const version = Number(raw);
  if (!/^\d{1,9}$/.test(raw) || version < 1) {
    throw badRequest(`Version must be a positive whole number; got "${raw.slice(0, 40)}".`, [
      { path, message: "must be a positive whole number" },
    ]);
  }
  return version;
}

export const toWorkflowProblem = ({ file, problem }: FileProblem): WorkflowProblem => ({
  file,
  path: problem.path,
  message: problem.message,
  code: problem.code,
  severity: problem.severity,
  ...(problem.line === undefined ? {} : { line: problem.line }),
  ...(problem.hint === undefined ? {} : { hint: problem.hint }),
});

function versionDocument(record: WorkflowVersionRecord) {
  return {
    name: record.name,
    version: record.version,
    publishedAt: record.publishedAt,
    publishedBy: record.publishedBy,
    origin: record.origin,
    ...(record.entry.description === undefined ? {} : { description: record.entry.description }),
    source: record.source,
    definition: record.entry.definition,
  };
}

/** `{version}` or `{routing: [{version, weight}, …]}` (weights add up to 100, at most two). */
function routingOf(body: Json | undefined): Routing {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw badRequest(
      'The body must be {"version": n} or {"routing": [{"version": n, "weight": w}]}.',
    );
  }
  const o = body as { readonly [key: string]: Json };
  const errors: FieldProblem[] = [];
  for (const key of Object.keys(o)) {
    if (key !== "version" && key !== "routing")
      errors.push({ path: `/${key}`, message: "is not allowed" });
  }
  if ((o.version === undefined) === (o.routing === undefined)) {
    errors.push({ path: "", message: 'give exactly one of "version" or "routing"' });
  }
  let routing: Routing = [];
  if (o.version !== undefined) {
    if (!isVersion(o.version))
      errors.push({ path: "/version", message: "must be a positive whole number" });
    else routing = [{ version: o.version, weight: 100 }];
  } else if (o.routing !== undefined) {
    routing = readRoutes(o.routing, errors);
  }
  if (errors.length > 0) throw badRequest("The alias request is invalid.", errors);
  return routing;
}

function readRoutes(value: Json, errors: FieldProblem[]): Routing {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_ROUTES) {
    errors.push({
      path: "/routing",
      message: `must list 1 to ${MAX_ROUTES} {version, weight} entries`,
    });
    return [];
  }
  const routes = value.flatMap((item, i) => {
    const r = item as { readonly version?: Json; readonly weight?: Json } | null;
    const ok =
      r !== null &&
      typeof r === "object" &&
      !Array.isArray(r) &&
      isVersion(r.version) &&
      typeof r.weight === "number" &&
      Number.isInteger(r.weight) &&
      r.weight >= 0 &&
      r.weight <= 100;
    if (!ok) {
      errors.push({ path: `/routing/${i}`, message: "must be {version: n, weight: 0..100}" });
      return [];
    }
    return [{ version: r.version as number, weight: r.weight as number }];
  });
  if (routes.length !== value.length) return [];
  if (new Set(routes.map((r) => r.version)).size !== routes.length)
    errors.push({ path: "/routing", message: "names a version twice" });
  const total = routes.reduce((sum, r) => sum + r.weight, 0);
  if (total !== 100)
    errors.push({ path: "/routing", message: `weights must add up to 100, got ${total}` });
  return routes;
}

const isVersion = (value: Json | undefined): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= 1 && value < 1e9;
