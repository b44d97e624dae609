/**
 * The task behind `emit` steps: publishes the step's event on the orchestration bus with
 * `source: baton` and the step's detail type. The detail is the step's (an object, or a non-object
 * value under `value`) plus `executionId`, `workflow`, `version` and `stepId`, which always win.
 */
import middy from "@middy/core";
import type { EmitRequest } from "../lib/core/contract.ts";
import { ClientError } from "./commons/errors.ts";
import { DetailType, type EventPublisher, getDefaultEventPublisher } from "./commons/events.ts";
import { executionIdOf } from "./commons/records/observe.ts";

/** Detail types Baton itself publishes; an emit step may not impersonate them. */
const RESERVED: ReadonlySet<string> = new Set(Object.values(DetailType));
/** EventBridge's limit on `DetailType`. */
const MAX_DETAIL_TYPE = 128;

export interface EmitDeps {
  readonly publisher: EventPublisher;
}

export interface EmitResult {
  readonly detailType: string;
}

export async function emitEvent(request: EmitRequest, deps: EmitDeps): Promise<EmitResult> {
  const problem = requestProblem(request);
  if (problem !== undefined) {
    throw new ClientError(problem, {
      step: typeof request?.stepId === "string" ? request.stepId : "",
    });
  }
  const own =
    typeof request.detail === "object" && request.detail !== null && !Array.isArray(request.detail)
      ? request.detail
      : { value: request.detail };
  await deps.publisher.publish([
    {
      detailType: request.detailType,
      detail: {
        ...own,
        executionId: executionIdOf(request.executionId),
        workflow: request.workflow,
        version: request.version,
        stepId: request.stepId,
      },
    },
  ]);
  return { detailType: request.detailType };
}

function requestProblem(request: EmitRequest | undefined): string | undefined {
  if (typeof request !== "object" || request === null)
    return "the emit task received no request object";
  for (const field of ["workflow", "executionId", "stepId", "detailType"] as const) {
    if (typeof request[field] !== "string" || request[field] === "")
      return `emit request field ${field} must be a non-empty string`;
  }
  if (typeof request.version !== "number") return "emit request field version must be a number";
  if (request.detailType.length > MAX_DETAIL_TYPE) {
    return `detailType is ${request.detailType.length} characters; EventBridge allows ${MAX_DETAIL_TYPE}`;
  }
  if (RESERVED.has(request.detailType)) {
    return `detailType "${request.detailType}" is reserved for Baton's own events; choose another name`;
  }
  return undefined;
}

export const handler = middy<EmitRequest, EmitResult>().handler((request) =>
  emitEvent(request, { publisher: getDefaultEventPublisher() }),
);
