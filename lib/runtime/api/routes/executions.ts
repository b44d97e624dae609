/**
 * Execution routes: start (validated, idempotent), list, get, events, cancel, redrive. The use
 * cases (idempotent start, cancel with compensation, redrive planning) are in
 * `execution-lifecycle.ts`; these routes parse the request and shape the answer.
 */
import type { Json } from "../../../core/model.ts";
import type { CatalogueWorkflow } from "../../../core/project/catalogue.ts";
import {
  type CancelOptions,
  cancelExecution,
  redriveExecution,
  startExecution,
} from "../../execution-lifecycle.ts";
import {
  EXECUTION_STATUSES,
  type ExecutionDocument,
  isExecutionStatus,
} from "../../records/document.ts";
import { type Aliases, LIVE_ALIAS, pickVersion } from "../../workflows/routing.ts";
import { loadVersion } from "../../workflows/versions.ts";
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
import { SchemaCompileError } from "../input-validation.ts";
import { type Route, route } from "../router.ts";
import { audit, caller, versionNumber } from "./workflow-management.ts";
import { requireWorkflow } from "./workflows.ts";

const EXECUTION_ID = /^[A-Za-z0-9._:-]{1,256}$/;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export async function requireExecution(deps: ApiDeps, id: string): Promise<ExecutionDocument> {
  if (!EXECUTION_ID.test(id)) {
    throw badRequest(
      `"${id.slice(0, 100)}" is not an execution id (letters, digits, . _ : -, at most 256).`,
    );
  }
  const document = await deps.executions.get(id);
  if (document === undefined)
    throw notFound(`Execution ${id} does not exist (or its record has expired).`);
  return document;
}

export const executionRoutes: readonly Route<ApiDeps>[] = [
  route("POST", "/workflows/{name}/executions", async ({ deps, params, request }) => {
    const { workflow, versionPinned } = await startTarget(deps, params.name ?? "", request);
    const parsed = readJson(request, {});
    const input = parsed === undefined ? {} : parsed;
    validateInput(deps, workflow, input);
    const { document, created } = await startExecution(
      deps,
      workflow,
      input,
      idempotencyKey(request),
      { startedBy: { by: caller(request), source: "api" }, versionPinned },
    );
    return json(created ? 201 : 200, document, location(document.id));
  }),

  route("GET", "/workflows/{name}/executions", async ({ deps, params, request }) => {
    const workflow = requireWorkflow(deps, params.name ?? "");
    const status = statusParam(request);
    const limit = intParam(request, "limit", 20, 1, 100);
    const cursor = request.query.cursor;
    const page = await deps.executions.list(workflow.name, {
      limit,
      ...(status === undefined ? {} : { status }),
      ...(cursor === undefined || cursor === "" ? {} : { cursor }),
    });
    return json(200, {
      items: page.items,
      ...(page.cursor === undefined ? {} : { nextCursor: page.cursor }),
    });
  }),

  route("GET", "/executions/{id}", async ({ deps, params }) =>
    json(200, await requireExecution(deps, params.id ?? "")),
  ),

  route("GET", "/executions/{id}/events", async ({ deps, params, request }) => {
    const execution = await requireExecution(deps, params.id ?? "");
    const limit = intParam(request, "limit", 100, 1, 500);
    const cursor = request.query.cursor;
    const page = await deps.executions.listEvents(execution.id, {
      limit,
      ...(cursor === undefined || cursor === "" ? {} : { cursor }),
    });
    return json(200, {
      items: page.items,
      ...(page.cursor === undefined ? {} : { nextCursor: page.cursor }),
    });
  }),

  route("POST", "/executions/{id}/cancel", async ({ deps, params, request }) => {
    const options = cancelOptions(readJson(request, {}));
    const execution = await requireExecution(deps, params.id ?? "");
    const { document, compensation } = await cancelExecution(deps, execution, options);
    await audit(deps, request, {
      workflow: execution.workflow,
      action: "cancelled",
      version: execution.version,
      executionId: execution.id,
      detail: `compensate: ${options.compensate}${options.reason === undefined ? "" : `; reason: ${options.reason}`}`,
    });
    return json(202, { execution: document, compensation });
  }),

  route("POST", "/executions/{id}/redrive", async ({ deps, params, request }) => {
    const execution = await requireExecution(deps, params.id ?? "");
    const { redriveDate } = await redriveExecution(deps, execution);
    await audit(deps, request, {
      workflow: execution.workflow,
      action: "redriven",
      version: execution.version,
      executionId: execution.id,
    });
    return json(202, { id: execution.id, status: "RUNNING", redriveDate });
  }),
];

/**
 * The version a start runs: `?version=n`, else one the alias (`?alias=a`, default `live`) routes
 * to, picked by its weights. `versionPinned`: the start named its version (either parameter).
 */
async function startTarget(
  deps: ApiDeps,
  name: string,
  request: HttpRequest,
): Promise<{ readonly workflow: CatalogueWorkflow; readonly versionPinned: boolean }> {
  const aliases = await currentAliases(deps, name);
  const { version: rawVersion, alias: rawAlias } = request.query;
  const hasVersion = rawVersion !== undefined && rawVersion !== "";
  const hasAlias = rawAlias !== undefined && rawAlias !== "";
  if (hasVersion && hasAlias) {
    throw badRequest("Give ?version= or ?alias=, not both.", [
      { path: "/query/version", message: "cannot be combined with alias" },
    ]);
  }
  let version: number | undefined;
  if (hasVersion) version = versionNumber(rawVersion, "/query/version");
  else {
    const alias = hasAlias ? rawAlias : LIVE_ALIAS;
    const routing = aliases[alias];
    if (routing === undefined) {
      const known = Object.keys(aliases).join(", ");
      throw notFound(
        `Workflow ${name} has no alias "${alias.slice(0, 80)}" (aliases: ${known || "none"}).`,
      );
    }
    version = pickVersion(routing, (deps.random ?? Math.random)());
  }
  const versionPinned = hasVersion || hasAlias;
  const current = deps.catalogue.get(name);
  if (version === undefined && current !== undefined) return { workflow: current, versionPinned };
  if (version === undefined) throw notFound(`Workflow ${name} is not deployed.`);
  if (version === current?.version) return { workflow: current, versionPinned };
  const entry =
    deps.controlPlane === undefined
      ? deps.catalogue.version(name, version)
      : await loadVersion({ ...deps.controlPlane, catalogue: deps.catalogue }, name, version);
  if (entry === undefined) {
    throw notFound(
      `Workflow ${name} has no version ${version}; GET /workflows/${name}/versions lists them.`,
    );
  }
  return { workflow: entry, versionPinned };
}

/**
 * The workflow's aliases as of now: with a workflows table, its head is read (one consistent
 * GetItem), so a version another container (the publish Lambda) published a moment ago is
 * started at once, and a deleted workflow is refused at once; without one, the catalogue's.
 */
async function currentAliases(deps: ApiDeps, name: string): Promise<Aliases> {
  if (deps.controlPlane === undefined) {
    requireWorkflow(deps, name);
    return deps.catalogue.aliases(name) ?? {};
  }
  const head = await deps.controlPlane.store.head(name);
  if (head === undefined || head.deletedAt !== undefined) {
    if (head?.deletedAt !== undefined) deps.catalogue.remove(name);
    throw notFound(`Workflow ${name} is not deployed.`);
  }
  const store = { ...deps.controlPlane, catalogue: deps.catalogue };
  for (const route of head.aliases[LIVE_ALIAS] ?? []) await loadVersion(store, name, route.version);
  deps.catalogue.setAliases(name, head.aliases);
  return head.aliases;
}

function validateInput(deps: ApiDeps, workflow: CatalogueWorkflow, input: Json): void {
  if (workflow.inputSchema === undefined) return;
  let errors: FieldProblem[];
  try {
    errors = deps.inputValidator.validate(workflow, input);
  } catch (error) {
    if (error instanceof SchemaCompileError) {
      throw new HttpProblem(500, "workflow-misconfigured", "Workflow misconfigured", error.message);
    }
    throw error;
  }
  if (errors.length > 0) {
    throw new HttpProblem(
      400,
      "invalid-input",
      "Invalid execution input",
      `The input does not match the input schema of ${workflow.name} (${errors.length} problem${errors.length === 1 ? "" : "s"}).`,
      { errors },
    );
  }
}

const location = (id: string) => ({ location: `/executions/${encodeURIComponent(id)}` });

function idempotencyKey(request: HttpRequest): string | undefined {
  const key = request.headers["idempotency-key"];
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw badRequest("Header Idempotency-Key must be 1 to 255 visible ASCII characters.", [
      { path: "/headers/idempotency-key", message: "must be 1 to 255 visible ASCII characters" },
    ]);
  }
  return key;
}

export function statusParam(request: HttpRequest) {
  const raw = request.query.status;
  if (raw === undefined || raw === "") return undefined;
  const status = raw.toUpperCase();
  if (!isExecutionStatus(status)) {
    throw badRequest(
      `Query parameter status must be one of ${EXECUTION_STATUSES.join(", ")}; got "${raw}".`,
      [{ path: "/query/status", message: `must be one of ${EXECUTION_STATUSES.join(", ")}` }],
    );
  }
  return status;
}

function cancelOptions(body: Json | undefined): CancelOptions {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw badRequest('The body must be a JSON object such as {"compensate": true}.');
  }
  const o = body as { readonly [key: string]: Json };
  const errors: FieldProblem[] = [];
  for (const key of Object.keys(o)) {
    if (key !== "compensate" && key !== "reason")
      errors.push({ path: `/${key}`, message: "is not allowed" });
  }
  if (o.compensate !== undefined && typeof o.compensate !== "boolean") {
    errors.push({ path: "/compensate", message: "must be a boolean" });
  }
  if (o.reason !== undefined && (typeof o.reason !== "string" || o.reason.length > 1000)) {
    errors.push({ path: "/reason", message: "must be a string of at most 1000 characters" });
  }
  if (errors.length > 0) throw badRequest("The cancel request is invalid.", errors);
  return {
    compensate: o.compensate === true,
    ...(typeof o.reason === "string" ? { reason: o.reason } : {}),
  };
}
