/**
 * Runs compiled ASL in aws-local-stepfunctions with in-process task handlers and zero delays, for
 * flow tests of the compiler. Services are plain functions; each Task is routed by its `Resource`.
 */

import { StateMachine } from "aws-local-stepfunctions";
import type { StateMachineDefinition } from "../../lib/core/asl.ts";
import type {
  AwaitSignalRequest,
  ChildInputRequest,
  ServiceCallRequest,
} from "../../lib/core/contract.ts";
import { EntryRedirectError, entryRequest } from "../../lib/core/entry-request.ts";
import {
  childStarter,
  executionInputOf,
  initialState,
  isExecutionState,
} from "../../lib/core/execution-state.ts";
import type { Json } from "../../lib/core/model.ts";
import { isCaughtFailure, recordedFailure } from "../../lib/core/recorded-failure.ts";
import {
  resolveCallRequest,
  resolveChildInput,
  selectResult,
  TemplateReadError,
} from "../../lib/core/template-resolve.ts";
import { TaskResource } from "../../lib/core/wire.ts";
import { stringifyKeys } from "../../lib/local/engine.ts";
import { withJsonToStringStandIns } from "../../lib/local/machine.ts";
import { checkOutput } from "../../lib/runtime/output-schema.ts";
import { againErrorName } from "../../lib/runtime/service-call.ts";

export type ServiceReply = { status?: number; body?: unknown };
export type FakeService = (req: ServiceCallRequest) => ServiceReply | Promise<ServiceReply>;

export class TaskError extends Error {
  constructor(name: string, message = name) {
    super(message);
    this.name = name;
  }
}

export interface FlowResult {
  readonly status: "SUCCEEDED" | "FAILED";
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** Every service call and compensation, in the order they were made. */
  readonly calls: ServiceCallRequest[];
  readonly events: { detailType: string; detail: Record<string, unknown> }[];
}

export interface FlowOptions {
  readonly services?: Record<string, FakeService>;
  /** Answers `await` steps: a payload, or an error (e.g. `States.Timeout`). */
  readonly signals?: Record<string, unknown | TaskError>;
  /** Answers `await` steps from their whole payload (takes precedence over `signals`). */
  readonly awaitHandler?: (payload: AwaitSignalRequest) => unknown;
  readonly children?: Record<string, (input: unknown) => unknown>;
  /** The child-input check: a reason refuses the child's input (`Baton.InvalidInput`). */
  readonly refuseChild?: (child: string, input: unknown) => string | undefined;
  /** The machine from `flowMachine(asl)`, for tests that run one definition many times. */
  readonly machine?: StateMachine;
}

/**
 * Builds the state machine for `asl`. Building validates the definition with asl-validator, which
 * compiles its JSON schemas every time (0.1-0.2 s), so a test running one definition many times
 * builds it once and passes it as `machine`.
 */
export function flowMachine(asl: StateMachineDefinition): StateMachine {
  return new StateMachine(withJsonToStringStandIns(asl).definition as never, {
    validationOptions: { checkPaths: false },
  });
}

type Handler = (input: Record<string, unknown>) => Promise<unknown>;

function resolveOrFail(request: ServiceCallRequest): ServiceCallRequest {
  try {
    return resolveCallRequest(request);
  } catch (error) {
    if (!(error instanceof TemplateReadError)) throw error;
    const cause = `Step ${request.stepId}: ${error.message}`;
    throw new TaskError("Baton.TemplateError", handlerCause(cause, request.stepId));
  }
}

/** The handler's error message: `{message, step}` as JSON (a message already in that shape kept). */
function handlerCause(message: string, step: string): string {
  try {
    const parsed = JSON.parse(message) as unknown;
    if (typeof parsed === "object" && parsed !== null && "step" in parsed) return message;
  } catch {
    // plain text
  }
  return JSON.stringify({ message, step });
}

export async function runFlow(
  asl: StateMachineDefinition,
  input: unknown,
  options: FlowOptions = {},
): Promise<FlowResult> {
  const calls: ServiceCallRequest[] = [];
  const events: FlowResult["events"] = [];
  const attempts = new Map<string, number>();
  const lastErrors = new Map<string, TaskError>();
  const handlers: Record<string, Handler> = {};
  const zero: Record<string, number> = {};

  // aws-local-stepfunctions strips backslashes from intrinsic results: JSON causes are
  // stringified by stand-in Tasks, as the local engine does (lib/local/machine.ts).
  const { definition, stringify } = withJsonToStringStandIns(asl);
  for (const [name, state] of allStates(definition)) {
    if (state.Type === "Wait") zero[name] = 0;
    if (state.Type !== "Task") continue;
    zero[name] = 0;
    const keys = stringify.get(name);
    if (keys !== undefined) {
      handlers[name] = async (params) => stringifyKeys(params, keys);
      continue;
    }
    handlers[name] = async (params) => {
      switch (state.Resource) {
        case TaskResource.ServiceCall: {
          // As the service-call handler does: number the attempt over the whole step (`<id>#again`
          // goes on counting after the first Task, and makes no attempt past `maxAttempts`: the
          // step fails with the last error), resolve the templates, call, apply `select`, and
          // fail a retried error in `#again` under the name only that Task retries.
          // A first step's `state` form: resolved, or redirected as the handler does.
          let given: ServiceCallRequest;
          try {
            given = entryRequest(params as unknown as ServiceCallRequest);
          } catch (error) {
            if (!(error instanceof EntryRedirectError)) throw error;
            throw new TaskError(error.name, error.message);
          }
          const { again, ...rest } = given;
          const key = JSON.stringify({ ...rest, attempt: 0 });
          const attempt = (attempts.get(key) ?? 0) + 1;
          attempts.set(key, attempt);
          const last = lastErrors.get(key);
          if (again !== undefined && attempt > again.maxAttempts && last !== undefined) throw last;
          const req = resolveOrFail({
            ...rest,
            ...(again === undefined ? {} : { again }),
            attempt,
          });
          calls.push(req);
          // An undo publishes the saga's events and gives the failure back recorded.
          const failure = req.mode === "compensate" ? recordedFailure(req.failure) : undefined;
          const saga = (detailType: string) => {
            if (failure === undefined) return;
            const { name, message, step } = failure;
            events.push({
              detailType,
              detail: { executionId: req.executionId, error: { name, message, step } },
            });
          };
          if (req.opens === true && isCaughtFailure(req.failure) && attempt === 1)
            saga("Compensation Started");
          const service = options.services?.[req.service];
          if (!service) throw new TaskError("Baton.UnknownService", `No service ${req.service}`);
          let reply: ServiceReply;
          try {
            reply = await service(req);
          } catch (error) {
            if (!(error instanceof TaskError)) throw error;
            // As the handler fails it: the message as JSON naming the step (errors.ts).
            const failed = new TaskError(error.name, handlerCause(error.message, req.stepId));
            lastErrors.set(key, failed);
            const name = againErrorName(req, failed.name);
            throw name === failed.name ? failed : new TaskError(name, failed.message);
          }
          const result = {
            status: reply.status ?? 200,
            headers: {},
            body: (reply.body ?? {}) as Json,
            instance: `${req.service}-1`,
            attempt,
          };
          const selected = req.select === undefined ? result : selectResult(result, req.select);
          if (selected === undefined) {
            throw new TaskError("Baton.OutputInvalid", `no ${req.select} in the response`);
          }
          let checked: Json;
          try {
            checked = checkOutput(selected, req) as unknown as Json;
          } catch (error) {
            throw new TaskError("Baton.OutputInvalid", (error as Error).message);
          }
          if (req.completes === true) saga("Compensation Completed");
          return failure === undefined ? checked : { ...(checked as object), failure };
        }
        case TaskResource.Emit: {
          for (const e of (params.Entries as {
            DetailType: string;
            Detail: Record<string, unknown>;
          }[]) ?? [])
            events.push({ detailType: e.DetailType, detail: e.Detail });
          return { FailedEntryCount: 0 };
        }
        case TaskResource.AwaitSignal: {
          const payload = params.Payload as AwaitSignalRequest;
          if (options.awaitHandler) return options.awaitHandler(payload);
          const answer = options.signals?.[payload.signal];
          if (answer instanceof TaskError) throw answer;
          if (answer === undefined) throw new TaskError("States.Timeout", "no signal");
          return answer;
        }
        case TaskResource.ChildInput: {
          // As the start-execution handler does: resolve the templates, then check the result.
          const request = params as unknown as ChildInputRequest;
          let resolved: Json;
          try {
            resolved = resolveChildInput(request);
          } catch (error) {
            if (!(error instanceof TemplateReadError)) throw error;
            throw new TaskError("Baton.TemplateError", `Step ${request.stepId}: ${error.message}`);
          }
          const refused = options.refuseChild?.(request.child, resolved);
          if (refused !== undefined) throw new TaskError("Baton.InvalidInput", refused);
          // The child's start, as the handler returns it: a name and the state under it.
          const name = `child-of-${request.executionId}-${request.stepId}`;
          const state = initialState(name, resolved, "2026-01-01T00:00:00.000Z");
          return {
            name,
            state: {
              ...state,
              context: {
                ...state.context,
                startedBy: childStarter(request.workflow, request.executionId),
              },
            },
          };
        }
        case TaskResource.ChildWorkflow: {
          const arn = String(params.StateMachineArn);
          const child = Object.entries(options.children ?? {}).find(([n]) =>
            arn.includes(n.replace(/-/g, "_")),
          );
          if (!child) throw new TaskError("States.TaskFailed", `no child for ${arn}`);
          // Started under the name the child-input task chose, with the state it built.
          const started = params.Input as Json;
          if (!isExecutionState(started) || started.context.executionId !== params.Name)
            throw new Error(`child ${arn} not started under its own name: ${String(params.Name)}`);
          return { Output: child[1](executionInputOf(started)), Status: "SUCCEEDED" };
        }
        default:
          throw new Error(`Unroutable resource ${state.Resource}`);
      }
    };
  }

  const machine = options.machine ?? flowMachine(asl);
  const execution = machine.run(
    input as never,
    {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        retryIntervalOverrides: zero,
        waitTimeOverrides: zero,
      },
      context: {
        Execution: { Id: "exec-1", Name: "exec-1" },
        State: { RetryCount: 0, EnteredTime: "2026-01-01T00:00:00.000Z" },
        Task: { Token: "token-1" },
      },
    } as never,
  );
  try {
    const output = await execution.result;
    return { status: "SUCCEEDED", output, calls, events };
  } catch (err) {
    // aws-local-stepfunctions wraps the final error (e.g. a Fail state's) as `cause`.
    const inner = (err as { cause?: unknown }).cause;
    const failure = inner instanceof Error ? inner : (err as Error);
    return { status: "FAILED", error: failure.name, cause: failure.message, calls, events };
  }
}

type AnyState = {
  Type: string;
  Resource?: string;
  Branches?: StateMachineDefinition[];
  ItemProcessor?: StateMachineDefinition;
};

function* allStates(def: StateMachineDefinition): Generator<[string, AnyState]> {
  for (const [name, state] of Object.entries(def.States) as [string, AnyState][]) {
    yield [name, state];
    for (const branch of state.Branches ?? []) yield* allStates(branch);
    if (state.ItemProcessor) yield* allStates(state.ItemProcessor);
  }
}
