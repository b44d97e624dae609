/**
 * A start by an event trigger or a schedule, in AWS: the rule hands the start-execution handler
 * the workflow, the trigger and the event, never the state machine itself, so the input is checked
 * against the workflow's schema first (`StartAdmission`, the API's validator), as `baton dev` does.
 *
 * - Admitted: the API's start use case (`startExecution`), so the record, its initial state and
 *   idempotency are those of an API start. The idempotency key is the trigger and the event id:
 *   a redelivered event (EventBridge or Lambda retries) answers the execution it started.
 * - Refused: nothing starts; `Execution Rejected` is published and the event goes to the
 *   dead-letter queue with the reason (`GET /dlq`). The handler then returns normally: a thrown
 *   error would only make Lambda retry a refusal that cannot change, announcing it three times.
 */
import type { Json, JsonObject } from "../core/model.ts";
import { ValidationError } from "./errors.ts";
import { type ExecutionsDeps, startExecution } from "./execution-lifecycle.ts";
import type { Logger } from "./logger.ts";
import type { StartAdmission } from "./start-admission.ts";

/** The event that fired the rule, as the rule's input transformer passes it on. */
export interface TriggerEvent {
  readonly id: string;
  readonly source: string;
  readonly "detail-type": string;
  readonly time?: string;
  readonly detail?: Json;
}

/** What a trigger rule sends the start-execution handler. */
export interface TriggeredStartRequest {
  readonly workflow: string;
  /** Index of the trigger in the workflow file. */
  readonly trigger: number;
  readonly kind: "event" | "schedule";
  /** The trigger's fixed `input`; without one the event's detail is the input. */
  readonly input?: Json;
  readonly event: TriggerEvent;
}

/** The rule's request is unusable (not from a Baton rule, or the workflow is gone): Lambda retries, then dead-letters it. */
export class TriggeredStartError extends Error {
  override readonly name = "TriggeredStartError";
}

/** Error code of a refused start in the dead-letter queue (its message is the reason). */
export const REFUSED_START_CODE = "Baton.InvalidInput";

/** Where refused events are kept: the dead-letter queue, in EventBridge's target-failure shape. */
export interface RefusedStartSink {
  send(event: TriggerEvent, code: string, message: string): Promise<void>;
}

export interface TriggeredStartDeps extends ExecutionsDeps {
  readonly admission: StartAdmission;
  readonly refused: RefusedStartSink;
  /** @default no log */
  readonly logger?: Logger;
}

export type TriggeredStartOutcome =
  | { readonly started: true; readonly executionId: string; readonly created: boolean }
  | { readonly started: false; readonly reason: string };

export async function startFromTrigger(
  request: unknown,
  deps: TriggeredStartDeps,
): Promise<TriggeredStartOutcome> {
  const parsed = parseRequest(request);
  const workflow = deps.catalogue.get(parsed.workflow);
  if (workflow === undefined) {
    throw new TriggeredStartError(
      `Workflow ${parsed.workflow} is not deployed in this stack; the trigger rule is stale: redeploy.`,
    );
  }
  const input = parsed.input ?? parsed.event.detail ?? {};
  const source = parsed.kind === "event" ? "trigger" : "schedule";
  const admission = await deps.admission.admit(workflow.name, input, source);
  if (!admission.admitted) {
    await deps.refused.send(parsed.event, REFUSED_START_CODE, admission.reason);
    deps.logger?.warn("Start refused", {
      workflow: workflow.name,
      trigger: parsed.trigger,
      eventId: parsed.event.id,
      reason: admission.reason,
    });
    return { started: false, reason: admission.reason };
  }
  const key = `trigger-${parsed.trigger}-${parsed.event.id}`;
  try {
    const { document, created } = await startExecution(deps, workflow, input, key, {
      startedBy: { by: triggerStarter(parsed), source: "trigger" },
    });
    return { started: true, executionId: document.id, created };
  } catch (error) {
    // The concurrency key cannot be read from this input: a refusal that cannot change either.
    if (!(error instanceof ValidationError)) throw error;
    await deps.refused.send(parsed.event, REFUSED_START_CODE, error.message);
    deps.logger?.warn("Start refused", {
      workflow: workflow.name,
      trigger: parsed.trigger,
      eventId: parsed.event.id,
      reason: error.message,
    });
    return { started: false, reason: error.message };
  }
}

function parseRequest(request: unknown): TriggeredStartRequest {
  const o = asObject(request);
  const event = asObject(o?.event);
  if (
    o === undefined ||
    typeof o.workflow !== "string" ||
    typeof o.trigger !== "number" ||
    (o.kind !== "event" && o.kind !== "schedule") ||
    event === undefined ||
    typeof event.id !== "string" ||
    typeof event.source !== "string" ||
    typeof event["detail-type"] !== "string"
  ) {
    throw new TriggeredStartError(
      `A triggered start needs {workflow, trigger, kind, event: {id, source, detail-type}}; got ${JSON.stringify(request)?.slice(0, 200)}. Only Baton's trigger rules should invoke this handler.`,
    );
  }
  return o as unknown as TriggeredStartRequest;
}

const asObject = (value: unknown): JsonObject | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;

/** `startedBy` of a triggered start: `event:<source>` or `schedule` (the same in `baton dev`). */
export const triggerStarter = (request: {
  readonly kind: "event" | "schedule";
  readonly event: { readonly source: string };
}): string => (request.kind === "schedule" ? "schedule" : `event:${request.event.source}`);
