/**
 * The task behind `await` steps (`.waitForTaskToken`): parks the task token in the executions table
 * so `POST /executions/{id}/signals/{name}` can resume the step. When the signal arrived first, it
 * completes the task at once with the kept payload.
 */
import type { AwaitSignalRequest } from "../core/contract.ts";
import { itemAddress, waiterKey } from "../core/effect-keys.ts";
import { ClientError } from "./errors.ts";
import type { ExecutionEngine } from "./execution-engine.ts";
import { isEngineError } from "./execution-engine.ts";
import { executionIdOf } from "./records/observe.ts";
import type { SignalStore } from "./records/signal-store.ts";

export interface AwaitSignalDeps {
  readonly signals: SignalStore;
  /** Only `sendTaskSuccess` is used. */
  readonly engine: Pick<ExecutionEngine, "sendTaskSuccess">;
}

export interface AwaitSignalResult {
  /** `waiting`: parked until the signal; `resumed`: the signal had arrived and completed the task. */
  readonly outcome: "waiting" | "resumed";
}

export async function awaitSignal(
  request: AwaitSignalRequest,
  deps: AwaitSignalDeps,
): Promise<AwaitSignalResult> {
  const problem = requestProblem(request);
  if (problem !== undefined) {
    throw new ClientError(problem, {
      step: typeof request?.stepId === "string" ? request.stepId : "",
    });
  }
  const executionId = executionIdOf(request.executionId);
  // Inside a map each item parks its own waiter (`approve#2`), addressed by `?item=2`.
  const signal = waiterKey(request.signal, itemAddress(request.itemPath));
  const registered = await deps.signals.registerWaiter(executionId, signal, {
    taskToken: request.taskToken,
    stepId: request.stepId,
    timeoutSeconds: Number.isFinite(request.timeout) && request.timeout > 0 ? request.timeout : 0,
  });
  if (registered.kind === "waiting") return { outcome: "waiting" };
  try {
    await deps.engine.sendTaskSuccess(request.taskToken, registered.payload);
  } catch (error) {
    // Give the signal back so a retried or redriven await step finds it again.
    await deps.signals.restorePending(executionId, signal, request.taskToken);
    if (isEngineError(error, "task-gone")) return { outcome: "waiting" };
    throw error;
  }
  await deps.signals.markDelivered(executionId, signal, request.taskToken);
  return { outcome: "resumed" };
}

function requestProblem(request: AwaitSignalRequest | undefined): string | undefined {
  if (typeof request !== "object" || request === null)
    return "the await task received no request object";
  for (const field of ["executionId", "stepId", "signal", "taskToken"] as const) {
    if (typeof request[field] !== "string" || request[field] === "") {
      return `await request field ${field} must be a non-empty string`;
    }
  }
  if (request.itemPath !== undefined && typeof request.itemPath !== "string")
    return "await request field itemPath must be a string";
  return undefined;
}
