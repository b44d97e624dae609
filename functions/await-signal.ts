/**
 * The task behind `await` steps (`.waitForTaskToken`): parks the task token in the executions table
 * so `POST /executions/{id}/signals/{name}` can resume the step. When the signal arrived first, it
 * completes the task at once with the kept payload.
 */
import middy from "@middy/core";
import type { AwaitSignalRequest } from "../lib/core/contract.ts";
import { getClients } from "../lib/runtime/aws/clients.ts";
import { DynamoSignalStore } from "../lib/runtime/aws/dynamo-signal-store.ts";
import { ENV, requireEnv } from "../lib/runtime/aws/env.ts";
import { SfnExecutionEngine } from "../lib/runtime/aws/sfn-engine.ts";
import { ClientError } from "../lib/runtime/errors.ts";
import type { ExecutionEngine } from "../lib/runtime/execution-engine.ts";
import { isEngineError } from "../lib/runtime/execution-engine.ts";
import { retentionDaysFromEnv } from "../lib/runtime/records/keys.ts";
import { executionIdOf } from "../lib/runtime/records/observe.ts";
import type { SignalStore } from "../lib/runtime/records/signal-store.ts";

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
  const registered = await deps.signals.registerWaiter(executionId, request.signal, {
    taskToken: request.taskToken,
    stepId: request.stepId,
    timeoutSeconds: Number.isFinite(request.timeout) && request.timeout > 0 ? request.timeout : 0,
  });
  if (registered.kind === "waiting") return { outcome: "waiting" };
  try {
    await deps.engine.sendTaskSuccess(request.taskToken, registered.payload);
  } catch (error) {
    // Give the signal back so a retried or redriven await step finds it again.
    await deps.signals.restorePending(executionId, request.signal, request.taskToken);
    if (isEngineError(error, "task-gone")) return { outcome: "waiting" };
    throw error;
  }
  await deps.signals.markDelivered(executionId, request.signal, request.taskToken);
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
  return undefined;
}

let defaults: AwaitSignalDeps | undefined;

function getDefaultDeps(): AwaitSignalDeps {
  if (defaults !== undefined) return defaults;
  const clients = getClients();
  defaults = {
    signals: new DynamoSignalStore({
      client: clients.dynamo,
      tableName: requireEnv(ENV.executionsTable),
      retentionDays: retentionDaysFromEnv(process.env[ENV.retentionDays]),
    }),
    // Task tokens need no execution lookup, so no state machine mapping is required here.
    engine: new SfnExecutionEngine({
      client: clients.sfn,
      stateMachineArn: () => undefined,
      locate: async () => undefined,
    }),
  };
  return defaults;
}

export const handler = middy<AwaitSignalRequest, AwaitSignalResult>().handler((request) =>
  awaitSignal(request, getDefaultDeps()),
);
