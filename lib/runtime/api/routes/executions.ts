/**
 * Execution routes: start (validated, idempotent), list, get, events, cancel, redrive.
 *
 * Cancel with `{compensate: true}`: Step Functions cannot run a stopped execution's catch path, so
 * the compensation path depends on where the execution is.
 * - Parked at an `await` step: the API fails that task with `Baton.Cancelled`; the workflow's own
 *   saga compensates the succeeded steps (`compensation: "in-workflow"`).
 * - Otherwise, when the workflow has compensable steps: the API stops the execution, reads the
 *   results of the steps that succeeded (`ExecutionEngine.results`) and starts the workflow's
 *   compensation-only entry as execution `<id>--compensation` with
 *   `{batonCompensate: {executionId, input, steps, failure}}` (`compensation: "running"`). That run
 *   publishes `Compensation *` and `Step Compensated` events under the original id, so the
 *   original's record ends `CANCELLED` with `compensation: COMPLETED` or `FAILED`; the run's own
 *   status changes are not recorded (see `observe.ts`), so it is never listed as an execution.
 * - Otherwise (not asked, or nothing compensable): the execution is stopped, `compensation: NONE`.
 * Known limit: a step in flight when the execution stops may still succeed; it is not compensated.
 */
import { createHash, randomUUID } from "node:crypto";
import { BatonError } from "../../../core/errors.ts";
import type { Json } from "../../../core/model.ts";
import type { CatalogueWorkflow } from "../../catalogue.ts";
import {
  type CancelCause,
  compensationRunName,
  type ExecutionResults,
  isEngineError,
  type RedrivePlan,
} from "../../execution-engine.ts";
import {
  EXECUTION_STATUSES,
  type ExecutionDocument,
  isExecutionStatus,
} from "../../records/document.ts";
import { cancelDelta, startDelta } from "../../records/observe.ts";
import { canonicalJson } from "../../records/state.ts";
import type { ApiDeps } from "../deps.ts";
import {
  badRequest,
  conflict,
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
    const workflow = requireWorkflow(deps, params.name ?? "");
    const parsed = readJson(request, {});
    const input = parsed === undefined ? {} : parsed;
    validateInput(deps, workflow, input);
    return startExecution(deps, workflow, input, idempotencyKey(request));
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
    if (execution.status !== "RUNNING") {
      throw conflict(
        `Execution ${execution.id} is ${execution.status}; only a RUNNING execution can be cancelled.`,
      );
    }
    const compensation = await cancel(deps, execution, options);
    const { document } = await deps.executions.merge(
      execution.id,
      cancelDelta(execution.id, compensation !== "none"),
    );
    return json(202, { execution: document, compensation });
  }),

  route("POST", "/executions/{id}/redrive", async ({ deps, params }) => {
    const execution = await requireExecution(deps, params.id ?? "");
    if (execution.status === "RUNNING" || execution.status === "SUCCEEDED") {
      throw conflict(
        `Execution ${execution.id} is ${execution.status}; only a failed, timed out or cancelled one can be redriven.`,
      );
    }
    if (deps.catalogue.get(execution.workflow)?.type === "express") {
      throw conflict(
        `Execution ${execution.id} belongs to an express workflow; express executions cannot be redriven.`,
      );
    }
    try {
      const { redriveDate } = await deps.engine.redrive(execution.id, redrivePlan(execution));
      return json(202, { id: execution.id, status: "RUNNING", redriveDate });
    } catch (error) {
      if (isEngineError(error, "not-redrivable") || isEngineError(error, "not-found")) {
        throw conflict(`Execution ${execution.id} cannot be redriven: ${(error as Error).message}`);
      }
      throw error;
    }
  }),
];

/**
 * Where a redrive resumes, from the record: at the first step (in file order) that did not succeed
 * — compensated steps were undone, so they run again — keeping the results of the steps that did.
 */
export function redrivePlan(execution: ExecutionDocument): RedrivePlan {
  const succeeded = new Set(
    execution.steps.filter((s) => s.status === "SUCCEEDED").map((s) => s.id),
  );
  const from = execution.steps.find((s) => s.status !== "SUCCEEDED" && s.status !== "SKIPPED")?.id;
  return {
    ...(from === undefined ? {} : { from }),
    keep: (id) => succeeded.has(id),
  };
}

function validateInput(deps: ApiDeps, workflow: CatalogueWorkflow, input: Json): void {
  if (workflow.inputSchema === undefined) return;
  let errors: FieldProblem[];
  try {
    errors = deps.inputValidator.validate(
      `${workflow.name}@${workflow.version}`,
      workflow.inputSchema,
      input,
    );
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

async function startExecution(
  deps: ApiDeps,
  workflow: CatalogueWorkflow,
  input: Json,
  key: string | undefined,
) {
  const clock = deps.clock ?? (() => new Date());
  let executionId = (deps.newId ?? randomUUID)();
  let replay = false;
  if (key !== undefined) {
    const requestHash = createHash("sha256").update(canonicalJson(input)).digest("hex");
    const claim = await deps.executions.claimIdempotencyKey(workflow.name, key, {
      executionId,
      requestHash,
    });
    if (!claim.claimed) {
      if (claim.requestHash !== requestHash) {
        throw new HttpProblem(
          422,
          "idempotency-key-reused",
          "Idempotency key reused",
          `Idempotency-Key ${key} was used for ${workflow.name} with a different input; use a new key.`,
        );
      }
      executionId = claim.executionId;
      replay = true;
      const existing = await deps.executions.get(executionId);
      if (existing !== undefined) return json(200, existing, location(executionId));
    }
  }
  let startedAt: string | undefined;
  // Whether this request started the execution: a replayed key whose first request failed before
  // the start still answers 201 the first time the execution really starts.
  let startedNow = false;
  try {
    startedAt = (await deps.engine.start(workflow.name, executionId, input)).startedAt;
    startedNow = true;
  } catch (error) {
    // A replayed key whose first request died after starting: the execution exists, record it.
    if (!(replay && isEngineError(error, "already-exists"))) {
      if (isEngineError(error, "not-found")) {
        throw new HttpProblem(
          503,
          "workflow-unavailable",
          "Workflow unavailable",
          (error as Error).message,
        );
      }
      throw error;
    }
  }
  const { document } = await deps.executions.merge(
    executionId,
    startDelta(
      executionId,
      workflow,
      input,
      startedAt ?? (replay ? undefined : clock().toISOString()),
    ),
  );
  return json(replay && !startedNow ? 200 : 201, document, location(executionId));
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

function statusParam(request: HttpRequest) {
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

interface CancelOptions {
  readonly compensate: boolean;
  readonly reason?: string;
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

/** Cancels through the compensation path described at the top of this file; returns its name. */
async function cancel(
  deps: ApiDeps,
  execution: ExecutionDocument,
  options: CancelOptions,
): Promise<CancelCause["compensation"]> {
  const id = execution.id;
  const requestedAt = (deps.clock ?? (() => new Date()))().toISOString();
  const message = options.reason ?? "Cancelled through the API.";
  const cause = (compensation: CancelCause["compensation"]): string =>
    JSON.stringify({
      message,
      compensate: options.compensate,
      compensation,
      requestedAt,
    } satisfies CancelCause);
  if (options.compensate) {
    for (const waiter of await deps.signals.waiting(id)) {
      try {
        await deps.engine.sendTaskFailure(
          waiter.taskToken,
          BatonError.Cancelled,
          cause("in-workflow"),
        );
        return "in-workflow";
      } catch (error) {
        if (!isEngineError(error, "task-gone")) throw error;
      }
    }
  }
  const workflow = deps.catalogue.get(execution.workflow);
  const compensation =
    options.compensate && workflow !== undefined && hasCompensableSteps(workflow)
      ? "running"
      : "none";
  try {
    await deps.engine.stop(id, { error: BatonError.Cancelled, cause: cause(compensation) });
  } catch (error) {
    if (isEngineError(error, "not-found"))
      throw conflict(`Execution ${id} is not running in the engine.`);
    throw error;
  }
  if (compensation === "running" && workflow !== undefined) {
    await startCompensation(deps, workflow, execution, message);
  }
  return compensation;
}

const hasCompensableSteps = (workflow: CatalogueWorkflow): boolean =>
  workflow.steps.some((s) => s.compensable === true);

/**
 * Starts the compensation-only run of a stopped execution over the results of its succeeded
 * steps. When it cannot start, the record keeps `compensation: PENDING` (compensation owed).
 */
async function startCompensation(
  deps: ApiDeps,
  workflow: CatalogueWorkflow,
  execution: ExecutionDocument,
  message: string,
): Promise<void> {
  const id = execution.id;
  try {
    const results = (await deps.engine.results(id)) ?? { input: execution.input, steps: {} };
    const running = execution.steps.find((s) => s.status === "RUNNING");
    await deps.engine.start(workflow.name, compensationRunName(id), {
      batonCompensate: {
        executionId: id,
        input: results.input,
        steps: compensableResults(workflow, execution, results),
        failure: { name: BatonError.Cancelled, message, step: running?.id ?? "cancel" },
      },
    });
  } catch (error) {
    // A repeated cancel (the record still said RUNNING) finds the run already started.
    if (isEngineError(error, "already-exists")) return;
    await deps.executions.merge(id, cancelDelta(id, true));
    throw new HttpProblem(
      500,
      "compensation-not-started",
      "Compensation not started",
      `Execution ${id} was stopped, but its compensation could not start (${(error as Error).message}); its compensation stays PENDING.`,
    );
  }
}

/**
 * The results the compensation entry takes: steps of the catalogue outside map bodies (a map's
 * own result is the per-item list its compensation `Map` needs; ids inside map bodies are some
 * item's result), minus steps the record shows compensated already (the execution was in its
 * own saga when stopped).
 */
function compensableResults(
  workflow: CatalogueWorkflow,
  execution: ExecutionDocument,
  results: ExecutionResults,
): Record<string, Json> {
  const byId = new Map(workflow.steps.map((s) => [s.id, s]));
  const undone = new Set(
    execution.steps
      .filter((s) => s.status === "COMPENSATED" || s.status === "COMPENSATION_FAILED")
      .map((s) => s.id),
  );
  /** Whether a map body encloses the list `scope` (`/` top level, `<parentId>/<n>` nested). */
  const inMapBody = (scope: string): boolean => {
    for (let depth = 0; depth <= byId.size; depth++) {
      const slash = scope.lastIndexOf("/");
      if (slash <= 0) return false;
      const parent = byId.get(scope.slice(0, slash));
      if (parent === undefined) return true; // not a list of this workflow: keep out
      if (parent.kind === "map") return true;
      scope = parent.scope;
    }
    return true; // a cycle: malformed catalogue
  };
  const kept: Record<string, Json> = {};
  for (const [stepId, result] of Object.entries(results.steps)) {
    const step = byId.get(stepId);
    if (step === undefined || undone.has(stepId) || inMapBody(step.scope)) continue;
    kept[stepId] = result;
  }
  return kept;
}
