/**
 * The API's `ExecutionEngine` over the local engine: same calls as `SfnExecutionEngine`, same
 * `EngineError` reasons, so the API handler cannot tell it is not talking to Step Functions.
 */

import type { Json } from "../core/model.ts";
import {
  EngineError,
  type EngineErrorReason,
  type EngineStartOptions,
  type ExecutionDescription,
  type ExecutionEngine,
  type ExecutionResults,
  type StartedExecution,
  type StopOptions,
  type StopOutcome,
} from "../runtime/execution-engine.ts";
import { type LocalEngine, LocalEngineError } from "./engine.ts";
import { versionKey } from "./local-deployer.ts";
import { TaskTokenError } from "./task-tokens.ts";

const REASONS: Readonly<Record<string, EngineErrorReason>> = {
  ExecutionDoesNotExist: "not-found",
  StateMachineDoesNotExist: "not-found",
  ExecutionAlreadyExists: "already-exists",
  ExecutionNotRedrivable: "not-redrivable",
  TaskTimedOut: "task-gone",
  InvalidToken: "task-gone",
};

export class LocalExecutionEngine implements ExecutionEngine {
  readonly #engine: LocalEngine;

  constructor(engine: LocalEngine) {
    this.#engine = engine;
  }

  /** A version runs on its own machine (`<name>:<version>`, see `local-deployer.ts`). */
  async start(
    workflow: string,
    executionName: string,
    input: Json,
    options: EngineStartOptions = {},
  ): Promise<StartedExecution> {
    const key = options.version === undefined ? workflow : versionKey(workflow, options.version);
    const started = translating(() =>
      this.#engine.start(key, input, { executionId: executionName }),
    );
    return {
      executionId: started.executionId,
      startedAt: new Date(started.startDate).toISOString(),
    };
  }

  /** Stops the execution, aborts its calls in flight and waits (a few seconds at most) for them. */
  async stop(executionId: string, options: StopOptions): Promise<StopOutcome> {
    translating(() =>
      this.#engine.stop(executionId, { error: options.error, cause: options.cause }),
    );
    return { inFlight: await this.#engine.stopped(executionId) };
  }

  async redrive(executionId: string): Promise<{ readonly redriveDate: string }> {
    const redriven = translating(() => this.#engine.redrive(executionId));
    return { redriveDate: new Date(redriven.redriveDate ?? Date.now()).toISOString() };
  }

  async sendTaskSuccess(taskToken: string, output: Json): Promise<void> {
    translating(() => this.#engine.sendTaskSuccess(taskToken, output));
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    translating(() => this.#engine.sendTaskFailure(taskToken, error, cause));
  }

  async describe(executionId: string): Promise<ExecutionDescription | undefined> {
    const found = this.#engine.describe(executionId);
    if (found === undefined) return undefined;
    return {
      executionId: found.executionId,
      status: found.status,
      startedAt: new Date(found.startDate).toISOString(),
      ...(found.stopDate === null ? {} : { stoppedAt: new Date(found.stopDate).toISOString() }),
      ...(found.error === null ? {} : { error: found.error }),
      ...(found.cause === null ? {} : { cause: found.cause }),
      ...(found.status === "SUCCEEDED" ? { output: found.output } : {}),
      redriveCount: found.redriveCount,
    };
  }

  results(executionId: string): Promise<ExecutionResults | undefined> {
    return this.#engine.results(executionId);
  }
}

function translating<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    const code =
      error instanceof LocalEngineError
        ? error.code
        : error instanceof TaskTokenError
          ? error.code
          : undefined;
    const reason = code === undefined ? undefined : REASONS[code];
    if (reason !== undefined)
      throw new EngineError(reason, (error as Error).message, { cause: error });
    throw error;
  }
}
