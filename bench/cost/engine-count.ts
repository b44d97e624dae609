/**
 * Runs a state machine in the local engine (aws-local-stepfunctions) with stub Tasks and counts
 * what AWS bills for it: states entered (transitions, retries included), service-call Lambda
 * invocations and `putEvents` Tasks. A failure point makes one Task fail with
 * `Baton.ClientError` (not retried) on every attempt; every other Task succeeds.
 */
import { StateMachine } from "aws-local-stepfunctions";
import type { StateMachineDefinition } from "../../lib/core/asl.ts";
import type { MachineCounts } from "../../lib/core/execution-cost.ts";
import { isCaughtFailure, recordedFailure } from "../../lib/core/recorded-failure.ts";
import { TaskResource } from "../../lib/core/wire.ts";

/** The hand-wired reference machines' Lambda Tasks (any Lambda ARN counts as a call). */
export const REFERENCE_LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:step";

class TaskError extends Error {
  constructor(name: string) {
    super(`${name} (injected)`);
    this.name = name;
  }
}

type AnyState = {
  readonly Type: string;
  readonly Resource?: string;
  readonly Branches?: readonly StateMachineDefinition[];
  readonly ItemProcessor?: StateMachineDefinition;
};

function* allStates(def: StateMachineDefinition): Generator<[string, AnyState]> {
  for (const [name, state] of Object.entries(def.States) as [string, AnyState][]) {
    yield [name, state];
    for (const branch of state.Branches ?? []) yield* allStates(branch);
    if (state.ItemProcessor) yield* allStates(state.ItemProcessor);
  }
}

/** Builds the engine's machine once (building validates the definition, 0.1-0.2 s). */
export function engineMachine(asl: StateMachineDefinition): StateMachine {
  return new StateMachine(asl as never, { validationOptions: { checkPaths: false } });
}

export interface CountOptions {
  /** The Task state that fails (every attempt), if any. */
  readonly failAt?: string;
  /** The input of the execution. */
  readonly input?: unknown;
  /** Milliseconds each call attempt counts for (durations are not measured, they are assumed). */
  readonly callMs?: number;
}

export async function countRun(
  asl: StateMachineDefinition,
  machine: StateMachine,
  options: CountOptions = {},
): Promise<MachineCounts> {
  let calls = 0;
  let events = 0;
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  const zero: Record<string, number> = {};
  for (const [name, state] of allStates(asl)) {
    if (state.Type === "Wait") zero[name] = 0;
    if (state.Type !== "Task") continue;
    zero[name] = 0;
    handlers[name] = async (input: unknown) => {
      if (state.Resource === TaskResource.Emit) {
        events++;
        return { FailedEntryCount: 0 };
      }
      calls++;
      // An undo publishes the saga's events itself and gives the failure back recorded, as the
      // service-call handler does (lib/runtime/service-call.ts).
      const request = (input ?? {}) as Readonly<Record<string, unknown>>;
      const undo = request.mode === "compensate";
      const opens = undo && request.opens === true && request.attempt === 1;
      if (opens && isCaughtFailure(request.failure)) events++;
      if (name === options.failAt) throw new TaskError("Baton.ClientError");
      if (undo && request.completes === true) events++;
      const failure = undo ? recordedFailure(request.failure) : undefined;
      return {
        status: 200,
        headers: {},
        body: { id: `${name}-1` },
        instance: "svc-1",
        attempt: 1,
        ...(failure === undefined ? {} : { failure }),
      };
    };
  }
  const execution = machine.run(
    (options.input ?? {}) as never,
    {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        retryIntervalOverrides: zero,
        waitTimeOverrides: zero,
      },
      context: {
        Execution: { Id: "cost-1", Name: "cost-1", StartTime: "2026-01-01T00:00:00.000Z" },
        State: { RetryCount: 0, EnteredTime: "2026-01-01T00:00:00.000Z" },
      },
    } as never,
  );
  let transitions = 0;
  const counting = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === "StateEntered" || event.type === "StateRetried") transitions++;
    }
  })();
  let failed = false;
  try {
    await execution.result;
  } catch {
    failed = true;
  }
  await counting;
  return { transitions, durationMs: calls * (options.callMs ?? 100), calls, events, failed };
}
