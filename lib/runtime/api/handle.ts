/**
 * The API as a plain function over a router: API Gateway proxy event in, proxy response out. Every
 * failure becomes an RFC 9457 problem document; only unexpected faults are 500s, without internals.
 */

import { EventBusRefusedError } from "../bus-input.ts";
import { RegistryConflictError, UnknownServiceError, ValidationError } from "../errors.ts";
import { EngineError } from "../execution-engine.ts";
import {
  CompensationNotStartedError,
  ExecutionStateError,
  IdempotencyKeyReusedError,
  WorkflowUnavailableError,
} from "../execution-lifecycle.ts";
import { ReplayUnavailableError } from "../history/replay.ts";
import { consoleLogger } from "../logger.ts";
import { InvalidCursorError } from "../records/execution-store.ts";
import { SignalNotAwaitedError, SignalTargetError } from "../signal-delivery.ts";
import { isThrottling, RetriesExhaustedError } from "../throttling.ts";
import { DeployRefusedError } from "../workflows/deployer.ts";
import { WorkflowInvalidError, WorkflowNotFoundError } from "../workflows/errors.ts";
import { WorkflowConflictError } from "../workflows/workflow-store.ts";
import type { EventsApiDeps } from "./deps.ts";
import {
  type ApiResponse,
  badRequest,
  conflict,
  HttpProblem,
  notFound,
  problemResponse,
  toRequest,
} from "./http.ts";
import type { Router } from "./router.ts";
import { toWorkflowProblem } from "./routes/workflow-management.ts";

/** Any router whose deps may carry a logger (the API's, the publish and the bus Lambdas'). */
export async function handleRequest<D extends Pick<EventsApiDeps, "logger">>(
  router: Router<D>,
  event: unknown,
  deps: D,
): Promise<ApiResponse> {
  let requestId: string | undefined;
  try {
    const request = toRequest(event);
    requestId = request.requestId;
    return await router.handle(request, deps);
  } catch (error) {
    const problem = toProblem(error, requestId);
    if (problem.status >= 500) {
      (deps.logger ?? consoleLogger).error("API request failed", {
        requestId,
        error:
          error instanceof Error
            ? { name: error.name, message: error.message, stack: error.stack }
            : String(error),
      });
    }
    return problemResponse(problem);
  }
}

export function toProblem(error: unknown, requestId?: string): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof InvalidCursorError)
    return badRequest(error.message, [{ path: "/query/cursor", message: error.message }]);
  if (error instanceof ValidationError) {
    return new HttpProblem(400, "validation-failed", "Validation failed", error.message, {
      errors: error.errors,
    });
  }
  if (error instanceof WorkflowInvalidError) {
    return new HttpProblem(400, "invalid-workflow", "Invalid workflow", error.message, {
      errors: error.problems.map(toWorkflowProblem),
    });
  }
  if (error instanceof DeployRefusedError) return badRequest(error.message);
  if (error instanceof WorkflowNotFoundError) return notFound(error.message);
  if (error instanceof WorkflowConflictError) return conflict(error.message);
  if (error instanceof ReplayUnavailableError)
    return new HttpProblem(503, "replay-unavailable", "Replay unavailable", error.message, {
      headers: { "retry-after": "60" },
    });
  if (error instanceof EventBusRefusedError)
    return new HttpProblem(502, "bus-refused", "Event bus refused the events", error.message);
  if (error instanceof UnknownServiceError)
    return new HttpProblem(404, "not-found", "Not found", error.reason);
  if (error instanceof ExecutionStateError || error instanceof RegistryConflictError)
    return conflict(error.message);
  if (error instanceof SignalTargetError) return badRequest(error.message);
  if (error instanceof SignalNotAwaitedError) return notFound(error.message);
  if (error instanceof IdempotencyKeyReusedError)
    return new HttpProblem(422, "idempotency-key-reused", "Idempotency key reused", error.message);
  if (error instanceof WorkflowUnavailableError)
    return new HttpProblem(503, "workflow-unavailable", "Workflow unavailable", error.message);
  if (error instanceof CompensationNotStartedError) {
    return new HttpProblem(
      500,
      "compensation-not-started",
      "Compensation not started",
      error.message,
    );
  }
  if (error instanceof EngineError) {
    return error.reason === "not-found"
      ? new HttpProblem(404, "not-found", "Not found", error.message)
      : new HttpProblem(409, "conflict", "Conflict", error.message);
  }
  if (error instanceof RetriesExhaustedError || isThrottling(error)) {
    return new HttpProblem(
      503,
      "unavailable",
      "Service unavailable",
      "A dependency is busy; retry shortly.",
      {
        headers: { "retry-after": "1" },
      },
    );
  }
  return new HttpProblem(
    500,
    "internal",
    "Internal error",
    `The request failed unexpectedly${requestId === undefined ? "" : ` (request id ${requestId})`}.`,
  );
}
