/**
 * The child-input task of a `workflow` step (`TaskResource.ChildInput`): the parent's step hands the
 * start-execution handler the child's input as written and the values its templates read; the
 * handler resolves it and checks it against the child's input schema with the same admission as
 * trigger and schedule starts, before `startExecution.sync:2` starts anything. The same function
 * runs in AWS (`functions/start-execution.ts`) and in `baton dev`, the harness and `baton run`.
 *
 * - An absent read without `??`: `Baton.TemplateError` naming the step and the path.
 * - A refused input: `Execution Rejected` (source `workflow`) on the bus, then `Baton.InvalidInput`
 *   with the reason; the step records it as `Baton.ChildWorkflowFailed` and the parent compensates.
 * - Admitted: the child's start (`ChildStart`): a new execution name and the state the child starts
 *   with under it, its input with the child schema's `default`s applied and `context.startedBy`
 *   naming the parent (`workflow:<parent>/<parent execution id>`). The step starts the child under
 *   that name (`Name.$`), and the records read the starter from the child's start, in AWS and locally.
 *   A retried invocation names another execution; only the returned one is ever started.
 */
import { randomUUID } from "node:crypto";
import type { ChildInputRequest, ChildStart } from "../core/contract.ts";
import { childStarter, initialState } from "../core/execution-state.ts";
import type { Json, JsonObject } from "../core/model.ts";
import { resolveChildInput, TemplateReadError } from "../core/template-resolve.ts";
import { InvalidInputError, TemplateError } from "./errors.ts";
import type { StartAdmission } from "./start-admission.ts";

export interface ChildInputDeps {
  readonly admission: StartAdmission;
  /** The child's execution name. @default randomUUID */
  readonly newId?: () => string;
  /** @default () => new Date() */
  readonly clock?: () => Date;
}

export async function checkChildInput(request: unknown, deps: ChildInputDeps): Promise<ChildStart> {
  const parsed = parseChildInputRequest(request);
  let input: Json;
  try {
    input = resolveChildInput(parsed);
  } catch (error) {
    if (!(error instanceof TemplateReadError)) throw error;
    throw new TemplateError(`Step ${parsed.stepId}: ${error.message}.`, { step: parsed.stepId });
  }
  // The admission applies the schema's defaults to `input` in place (the API's validator).
  const admission = await deps.admission.admit(parsed.child, input, "workflow");
  if (!admission.admitted) {
    throw new InvalidInputError(`Child workflow not started: ${admission.reason}`, {
      step: parsed.stepId,
    });
  }
  const name = (deps.newId ?? randomUUID)();
  const state = initialState(name, input, (deps.clock ?? (() => new Date()))().toISOString());
  return {
    name,
    state: {
      ...state,
      context: { ...state.context, startedBy: childStarter(parsed.workflow, parsed.executionId) },
    },
  };
}

/** Whether a start-execution event is a child-input check (not a trigger's start). */
export const isChildInputRequest = (request: unknown): boolean =>
  asObject(request)?.check === "child-input";

/** Thrown for a payload no compiled `workflow` step sends; the step fails with it (not retried). */
export class ChildInputRequestError extends Error {
  override readonly name = "ChildInputRequestError";
}

function parseChildInputRequest(request: unknown): ChildInputRequest {
  const o = asObject(request);
  if (
    o === undefined ||
    o.check !== "child-input" ||
    typeof o.workflow !== "string" ||
    typeof o.version !== "number" ||
    typeof o.executionId !== "string" ||
    typeof o.stepId !== "string" ||
    typeof o.child !== "string" ||
    !("input" in o) ||
    (o.data !== undefined && asObject(o.data) === undefined)
  ) {
    throw new ChildInputRequestError(
      `A child-input check needs {check: "child-input", workflow, version, executionId, stepId, child, input, data?}; got ${JSON.stringify(request)?.slice(0, 200)}. Only a compiled workflow step should send it: recompile and redeploy.`,
    );
  }
  return o as unknown as ChildInputRequest;
}

const asObject = (value: unknown): JsonObject | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
