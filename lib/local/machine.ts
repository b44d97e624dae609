/**
 * Prepares compiled ASL for aws-local-stepfunctions, once per workflow (construction validates the
 * definition and is slow; executions reuse the machine).
 *
 * - Placeholders are substituted as CDK's `DefinitionSubstitutions` would, with local ARNs, so the
 *   definition passes the library's validation unchanged.
 * - Every Task state (Parallel branches and Map processors included) is classified by its original
 *   `Resource`, to be routed in-process by state name (state names are unique machine-wide).
 * - The library's context object is static and lacks `$$.State.RetryCount` and `$$.Task.Token`; the
 *   runtime provides stand-ins (`runContext`) and each routed Task gets a `__batonRun` parameter
 *   naming the (sub-)execution it runs in, so the runtime counts attempts per run and state.
 * - The library gives every state of a run one shared context object, so `$$.State.Name` would be
 *   wrong. It evaluates a state's `Parameters` synchronously right after reading them, so each
 *   state's `Parameters` becomes a getter that notes the state's name (`stateBeingEvaluated`); the
 *   engine's context answers `$$.State.Name` and `$$.State.RetryCount` from it. The ASL sent to
 *   AWS is untouched (this is the prepared copy).
 * - aws-local-stepfunctions strips every backslash from the string result of an intrinsic, which
 *   corrupts `States.JsonToString` of values holding JSON text (a failure's `cause`). Pass states
 *   with a Parameters entry `"k.$": "States.JsonToString(<path or intrinsic>)"`, at any depth,
 *   become local Tasks: the library evaluates the inner expression (an object or a path, no string
 *   result to strip) and the Task stringifies it exactly (kind `jsonToString`); same input, same
 *   output, no escapes lost.
 * - Task timeouts: the library defaults to 60 s when `TimeoutSeconds` is absent (AWS: 99999999 s)
 *   and `setTimeout` overflows past ~24.8 days; both are clamped to a long finite value.
 */
import {
  type StateMachineDefinition as LibraryDefinition,
  StateMachine,
} from "aws-local-stepfunctions";
import type { AslJson, Payload, State, StateMachineDefinition, TaskState } from "../core/asl.ts";
import { SUBSTITUTION_KEYS, TaskResource } from "../core/wire.ts";

export const LOCAL_ACCOUNT_ARN = "local:000000000000";
const JSON_TO_STRING_ARN = `arn:aws:lambda:${LOCAL_ACCOUNT_ARN}:function:baton-json-to-string`;
export const SERVICE_CALL_ARN = `arn:aws:lambda:${LOCAL_ACCOUNT_ARN}:function:baton-service-call`;
export const AWAIT_SIGNAL_ARN = `arn:aws:lambda:${LOCAL_ACCOUNT_ARN}:function:baton-await-signal`;
export const START_EXECUTION_ARN = `arn:aws:lambda:${LOCAL_ACCOUNT_ARN}:function:baton-start-execution`;
export const LOCAL_EVENT_BUS = "baton-local";
/** Parameter added to routed Task states; removed before the handler sees its input. */
export const RUN_PARAMETER = "__batonRun";

/** Longest timer Node supports, in seconds (setTimeout takes at most 2^31-1 ms). */
const MAX_TIMEOUT_SECONDS = 2_147_483;

export const stateMachineArn = (workflow: string): string =>
  `arn:aws:states:${LOCAL_ACCOUNT_ARN}:stateMachine:${workflow}`;

/** The workflow name of a local state machine ARN, or undefined. */
export function workflowOfArn(arn: string): string | undefined {
  const prefix = `arn:aws:states:${LOCAL_ACCOUNT_ARN}:stateMachine:`;
  return arn.startsWith(prefix) ? arn.slice(prefix.length) : undefined;
}

export const executionArn = (workflow: string, id: string): string =>
  `arn:aws:states:${LOCAL_ACCOUNT_ARN}:execution:${workflow}:${id}`;

export type TaskKind =
  | "serviceCall"
  | "emit"
  | "awaitSignal"
  | "childInput"
  | "childWorkflow"
  | "jsonToString";

export interface TaskInfo {
  readonly name: string;
  readonly kind: TaskKind;
  /** `TimeoutSeconds` as compiled (undefined when absent). */
  readonly timeoutSeconds: number | undefined;
  /** `jsonToString`: where to stringify in the Parameters, each a list of keys from the top. */
  readonly stringify?: readonly (readonly string[])[];
}

export interface PreparedMachine {
  readonly workflow: string;
  readonly definition: StateMachineDefinition;
  readonly machine: StateMachine;
  readonly tasks: ReadonlyMap<string, TaskInfo>;
  /** Wait states and states with `Retry`, for zero-delay overrides. */
  readonly waitStates: readonly string[];
  readonly retryStates: readonly string[];
}

export class UnsupportedTaskError extends Error {
  override readonly name = "UnsupportedTaskError";
}

export function prepareMachine(
  workflow: string,
  compiled: StateMachineDefinition,
): PreparedMachine {
  const tasks = new Map<string, TaskInfo>();
  const waitStates: string[] = [];
  const retryStates: string[] = [];
  const definition = rewriteDefinition(compiled, (name, state) => {
    if (state.Type === "Wait") waitStates.push(name);
    if ("Retry" in state && state.Retry !== undefined && state.Retry.length > 0)
      retryStates.push(name);
    if (state.Type === "Pass") {
      const shim = jsonToStringTask(state);
      if (shim === undefined) return state;
      tasks.set(name, {
        name,
        kind: "jsonToString",
        timeoutSeconds: undefined,
        stringify: shim.keys,
      });
      return localTask(shim.task);
    }
    if (state.Type !== "Task") return state;
    const kind = taskKind(state);
    if (kind === undefined) {
      throw new UnsupportedTaskError(
        `${workflow}: state "${name}" has Resource ${state.Resource}, which the local runtime cannot run; ` +
          `expected one of ${Object.values(TaskResource).join(", ")}.`,
      );
    }
    tasks.set(name, { name, kind, timeoutSeconds: state.TimeoutSeconds });
    return localTask(state);
  });
  const substituted = substitute(definition) as StateMachineDefinition;
  noteStateEntry(substituted);
  const machine = new StateMachine(substituted as unknown as LibraryDefinition, {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  return { workflow, definition: compiled, machine, tasks, waitStates, retryStates };
}

/**
 * Only the `States.JsonToString` stand-ins (see the header), for runners that route Tasks by state
 * name themselves (the flow tests): the rewritten definition and, per stand-in, where its handler
 * stringifies (`stringifyKeys` in engine.ts).
 */
export function withJsonToStringStandIns(compiled: StateMachineDefinition): {
  readonly definition: StateMachineDefinition;
  readonly stringify: ReadonlyMap<string, readonly (readonly string[])[]>;
} {
  const stringify = new Map<string, readonly (readonly string[])[]>();
  const definition = rewriteDefinition(compiled, (name, state) => {
    const shim = state.Type === "Pass" ? jsonToStringTask(state) : undefined;
    if (shim === undefined) return state;
    stringify.set(name, shim.keys);
    return shim.task;
  });
  return { definition, stringify };
}

let evaluating = "";

/** The state whose `Parameters` the interpreter is evaluating right now (see the header). */
export function stateBeingEvaluated(): string {
  return evaluating;
}

function noteStateEntry(definition: StateMachineDefinition): void {
  for (const [name, state] of Object.entries(definition.States)) {
    if ("Parameters" in state && state.Parameters !== undefined) {
      const parameters = state.Parameters;
      Object.defineProperty(state, "Parameters", {
        enumerable: true,
        get: () => {
          evaluating = name;
          return parameters;
        },
      });
    }
    if (state.Type === "Parallel") for (const branch of state.Branches) noteStateEntry(branch);
    if (state.Type === "Map") noteStateEntry(state.ItemProcessor);
  }
}

function taskKind(state: TaskState): TaskKind | undefined {
  switch (state.Resource) {
    case TaskResource.ServiceCall:
      return "serviceCall";
    case TaskResource.Emit:
      return "emit";
    case TaskResource.AwaitSignal:
      return "awaitSignal";
    case TaskResource.ChildInput:
      return "childInput";
    case TaskResource.ChildWorkflow:
      return "childWorkflow";
    default:
      return undefined;
  }
}

const JSON_TO_STRING = /^States\.JsonToString\((.*)\)$/;

/** The Task standing in for a Pass state that uses `States.JsonToString(…)` (see the header). */
function jsonToStringTask(
  state: Extract<State, { Type: "Pass" }>,
): { task: TaskState; keys: string[][] } | undefined {
  const parameters = state.Parameters;
  if (parameters === undefined || state.Result !== undefined) return undefined;
  const keys: string[][] = [];
  const rewrite = (payload: Payload, at: readonly string[]): Payload => {
    const rewritten: Record<string, AslJson> = {};
    for (const [key, value] of Object.entries(payload)) {
      const match =
        typeof value === "string" && key.endsWith(".$") ? JSON_TO_STRING.exec(value) : null;
      if (match?.[1] !== undefined) {
        keys.push([...at, key.slice(0, -2)]);
        rewritten[key] = match[1];
      } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
        rewritten[key] = rewrite(value as Payload, [...at, key]);
      } else {
        rewritten[key] = value;
      }
    }
    return rewritten;
  };
  const rewritten = rewrite(parameters, []);
  if (keys.length === 0) return undefined;
  const { Type: _type, Parameters: _parameters, Result: _result, ...rest } = state;
  const task = {
    ...rest,
    Type: "Task",
    Resource: JSON_TO_STRING_ARN,
    Parameters: rewritten,
  } as TaskState;
  return { task, keys };
}

function localTask(state: TaskState): TaskState {
  const timeout = state.TimeoutSeconds ?? MAX_TIMEOUT_SECONDS;
  return {
    ...state,
    ...(state.Parameters === undefined
      ? {}
      : { Parameters: { ...state.Parameters, [`${RUN_PARAMETER}.$`]: "$$.BatonRun" } }),
    TimeoutSeconds: Math.min(timeout, MAX_TIMEOUT_SECONDS),
  };
}

type Visitor = (name: string, state: State) => State;

function rewriteDefinition(
  definition: StateMachineDefinition,
  visit: Visitor,
): StateMachineDefinition {
  const states: Record<string, State> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    let next = visit(name, state);
    if (next.Type === "Parallel") {
      next = { ...next, Branches: next.Branches.map((branch) => rewriteDefinition(branch, visit)) };
    } else if (next.Type === "Map") {
      next = {
        ...next,
        ItemProcessor: { ...next.ItemProcessor, ...rewriteDefinition(next.ItemProcessor, visit) },
      };
    }
    states[name] = next;
  }
  return {
    ...definition,
    States: states,
    ...(definition.TimeoutSeconds === undefined
      ? {}
      : { TimeoutSeconds: Math.min(definition.TimeoutSeconds, MAX_TIMEOUT_SECONDS) }),
  };
}

/** Replaces `${Key}` placeholders the way CDK `DefinitionSubstitutions` does, with local values. */
function substitute(definition: StateMachineDefinition): unknown {
  const text = JSON.stringify(definition).replace(
    /\$\{([A-Za-z0-9_]+)\}/g,
    (whole, key: string) => {
      if (key === SUBSTITUTION_KEYS.ServiceCall) return SERVICE_CALL_ARN;
      if (key === SUBSTITUTION_KEYS.AwaitSignal) return AWAIT_SIGNAL_ARN;
      if (key === SUBSTITUTION_KEYS.StartExecution) return START_EXECUTION_ARN;
      if (key === SUBSTITUTION_KEYS.EventBus) return LOCAL_EVENT_BUS;
      if (key.startsWith("ChildWorkflow_"))
        return stateMachineArn(key.slice("ChildWorkflow_".length).replace(/_/g, "-"));
      return whole;
    },
  );
  return JSON.parse(text);
}
