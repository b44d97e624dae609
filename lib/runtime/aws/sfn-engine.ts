/**
 * `ExecutionEngine` on AWS Step Functions. Execution names are Baton execution ids, so an
 * execution ARN is derived from the workflow's state machine ARN; the workflow of an execution id
 * is looked up through `locate` (the execution record).
 */
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { executionInputOf } from "../../core/execution-state.ts";
import type { Json } from "../../core/model.ts";
import {
  collectItemSteps,
  collectSteps,
  EngineError,
  type EngineExecutionStatus,
  type EngineStartOptions,
  type ExecutionDescription,
  type ExecutionEngine,
  type ExecutionResults,
  type InFlightCall,
  type RedrivePlan,
  redriveRunName,
  type StartedExecution,
  type StopOptions,
  type StopOutcome,
} from "../execution-engine.ts";
import type { StateTrace } from "../records/trace.ts";
import { currentTraceHeader, type TraceHeader, w3cTraceId } from "./xray.ts";

export interface SfnExecutionEngineOptions {
  readonly client: SFNClient;
  /**
   * State machine ARN of a workflow (of one of its versions when given: a version ARN, or the
   * state machine's own for a version deployed by CloudFormation), undefined when not deployed.
   */
  readonly stateMachineArn: (workflow: string, version?: number) => string | undefined;
  /** Workflow name of an execution id, undefined when unknown. */
  readonly locate: (executionId: string) => Promise<string | undefined>;
  /**
   * The invocation's X-Ray trace header, which the SDK sends with `StartExecution`
   * (`X-Amzn-Trace-Id`, the recursion-detection middleware), so the execution continues that trace.
   * @default currentTraceHeader
   */
  readonly trace?: () => TraceHeader | undefined;
}

/** Redrive runs looked up per execution; more are refused as not redrivable. */
const MAX_REDRIVES = 100;

/** SFN limits task output and cause to 256 KB and 32 KB characters. */
const MAX_CAUSE = 32_768;

export class SfnExecutionEngine implements ExecutionEngine {
  readonly #o: SfnExecutionEngineOptions;

  constructor(options: SfnExecutionEngineOptions) {
    this.#o = options;
  }

  async start(
    workflow: string,
    executionName: string,
    input: Json,
    options: EngineStartOptions = {},
  ): Promise<StartedExecution> {
    const stateMachineArn = this.#stateMachine(workflow, options.version);
    try {
      const result = await this.#o.client.send(
        new StartExecutionCommand({
          stateMachineArn,
          name: executionName,
          input: JSON.stringify(input),
        }),
      );
      const trace = (this.#o.trace ?? currentTraceHeader)();
      return {
        executionId: executionName,
        startedAt: (result.startDate ?? new Date()).toISOString(),
        ...(trace === undefined ? {} : { traceId: w3cTraceId(trace.root) }),
      };
    } catch (error) {
      throw translate(error, `Starting ${workflow} execution ${executionName}`);
    }
  }

  /** Stops the execution's current run: its latest redrive run, if any, else the original. */
  async stop(executionId: string, options: StopOptions): Promise<StopOutcome> {
    const original = await this.#executionArn(executionId);
    const executionArn = (await this.#redriveRuns(original)).at(-1) ?? original;
    try {
      await this.#o.client.send(
        new StopExecutionCommand({
          executionArn,
          error: options.error,
          cause: options.cause.slice(0, MAX_CAUSE),
        }),
      );
    } catch (error) {
      throw translate(error, `Stopping execution ${executionId}`);
    }
    // A running Lambda cannot be aborted and its result is dropped with the stopped execution: the
    // states the run entered and never exited are in flight (their outcome unknown). Read from the
    // history, not the records, which lag by the records queue's batching window.
    return { inFlight: await inFlightStates(this.#o.client, executionArn) };
  }

  /**
   * A compiled Baton execution fails at its final `Fail` state, where `RedriveExecution` would
   * restart it only to fail again. Instead this starts `<id>--redrive-<n>` at the compiled resume
   * entry with the results the history holds: the original execution id is kept for records,
   * events and idempotency keys, and the records fold the run in as redrive `n`.
   */
  async redrive(
    executionId: string,
    plan: RedrivePlan = { keep: () => true },
  ): Promise<{ readonly redriveDate: string }> {
    const executionArn = await this.#executionArn(executionId);
    const count = (await this.#redriveRuns(executionArn)).length + 1;
    const name = redriveRunName(executionId, count);
    if (name === undefined) {
      throw new EngineError(
        "not-redrivable",
        `Execution id ${executionId} is too long to redrive.`,
      );
    }
    const results = await this.results(executionId);
    if (results === undefined)
      throw new EngineError("not-found", `Execution ${executionId} is not known.`);
    const steps = Object.fromEntries(Object.entries(results.steps).filter(([id]) => plan.keep(id)));
    const resume = {
      executionId,
      redriveCount: count,
      input: results.input,
      steps,
      ...(plan.from === undefined ? {} : { from: plan.from }),
    };
    try {
      const result = await this.#o.client.send(
        new StartExecutionCommand({
          stateMachineArn: await this.#versionArn(executionId, plan.version, executionArn),
          name,
          input: JSON.stringify({ batonResume: resume }),
        }),
      );
      return { redriveDate: (result.startDate ?? new Date()).toISOString() };
    } catch (error) {
      throw translate(error, `Redriving execution ${executionId}`);
    }
  }

  async sendTaskSuccess(taskToken: string, output: Json): Promise<void> {
    try {
      await this.#o.client.send(
        new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }),
      );
    } catch (error) {
      throw translate(error, "Resuming a waiting task");
    }
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    try {
      await this.#o.client.send(
        new SendTaskFailureCommand({ taskToken, error, cause: cause.slice(0, MAX_CAUSE) }),
      );
    } catch (caught) {
      throw translate(caught, "Failing a waiting task");
    }
  }

  async describe(executionId: string): Promise<ExecutionDescription | undefined> {
    let executionArn: string;
    try {
      executionArn = await this.#executionArn(executionId);
    } catch (error) {
      if (error instanceof EngineError && error.reason === "not-found") return undefined;
      throw error;
    }
    try {
      const r = await this.#o.client.send(new DescribeExecutionCommand({ executionArn }));
      return {
        executionId,
        status: (r.status ?? "RUNNING") as EngineExecutionStatus,
        startedAt: (r.startDate ?? new Date(0)).toISOString(),
        ...(r.stopDate === undefined ? {} : { stoppedAt: r.stopDate.toISOString() }),
        ...(r.error === undefined ? {} : { error: r.error }),
        ...(r.cause === undefined ? {} : { cause: r.cause }),
        ...(r.output === undefined ? {} : { output: parseOutput(r.output) }),
        ...(r.redriveCount === undefined ? {} : { redriveCount: r.redriveCount }),
      };
    } catch (error) {
      const translated = translate(error, `Describing execution ${executionId}`);
      if (translated instanceof EngineError && translated.reason === "not-found") return undefined;
      throw translated;
    }
  }

  /**
   * Reads the whole history (`includeExecutionData`, every page): the input from
   * `ExecutionStarted`, and the union of the `steps` in every `*StateExited` output. Outputs
   * Step Functions truncated, or that are not JSON, are skipped: a step's result is also in the
   * output of every later state of its list, so one lost output rarely loses a result.
   */
  /**
   * The original input and the union of the step results every run holds (the original, then each
   * redrive run in order): every compiled state carries the accumulated `$.steps`.
   */
  async results(executionId: string): Promise<ExecutionResults | undefined> {
    let executionArn: string;
    try {
      executionArn = await this.#executionArn(executionId);
    } catch (error) {
      if (error instanceof EngineError && error.reason === "not-found") return undefined;
      throw error;
    }
    const original = await this.#history(executionArn, executionId);
    if (original === undefined) return undefined;
    const steps: Record<string, Json> = { ...original.steps };
    const items = { ...original.items };
    for (const run of await this.#redriveRuns(executionArn)) {
      const history = await this.#history(run, executionId);
      Object.assign(steps, history?.steps ?? {});
      Object.assign(items, history?.items ?? {});
    }
    return {
      // The API starts executions with their state built: the execution's input is inside it.
      input: executionInputOf(original.input),
      steps,
      ...(Object.keys(items).length === 0 ? {} : { items }),
    };
  }

  async #history(executionArn: string, executionId: string): Promise<ExecutionResults | undefined> {
    let input: Json = null;
    const steps: Record<string, Json> = {};
    const items: Record<string, Record<number, Record<string, Json>>> = {};
    let nextToken: string | undefined;
    do {
      let events: readonly HistoryEvent[];
      try {
        const page = await this.#o.client.send(
          new GetExecutionHistoryCommand({
            executionArn,
            includeExecutionData: true,
            maxResults: 1000,
            ...(nextToken === undefined ? {} : { nextToken }),
          }),
        );
        events = page.events ?? [];
        nextToken = page.nextToken === "" ? undefined : page.nextToken;
      } catch (error) {
        const translated = translate(error, `Reading the history of execution ${executionId}`);
        if (translated instanceof EngineError && translated.reason === "not-found")
          return undefined;
        throw translated;
      }
      for (const event of events) {
        if (event.type === "ExecutionStarted") {
          const details = event.executionStartedEventDetails;
          if (details?.inputDetails?.truncated !== true) input = parseJson(details?.input) ?? input;
        } else if (event.type?.endsWith("StateExited") === true) {
          const details = event.stateExitedEventDetails;
          if (details?.outputDetails?.truncated !== true) {
            const output = parseJson(details?.output);
            collectSteps(steps, output);
            collectItemSteps(items, output);
          }
        }
      }
    } while (nextToken !== undefined);
    return { input, steps, items };
  }

  /** ARNs of the execution's redrive runs (`<id>--redrive-1`, `-2`, …), oldest first. */
  async #redriveRuns(executionArn: string): Promise<string[]> {
    const runs: string[] = [];
    for (let n = 1; n <= MAX_REDRIVES; n++) {
      const arn = `${executionArn}--redrive-${n}`;
      try {
        await this.#o.client.send(new DescribeExecutionCommand({ executionArn: arn }));
      } catch (error) {
        const translated = translate(error, `Looking up redrive ${n}`);
        if (translated instanceof EngineError && translated.reason === "not-found") break;
        throw translated;
      }
      runs.push(arn);
    }
    return runs;
  }

  /** The ARN of the version the execution ran, else its state machine's. */
  async #versionArn(
    executionId: string,
    version: number | undefined,
    executionArn: string,
  ): Promise<string> {
    const workflow = version === undefined ? undefined : await this.#o.locate(executionId);
    const arn = workflow === undefined ? undefined : this.#o.stateMachineArn(workflow, version);
    return arn ?? stateMachineArnOf(executionArn);
  }

  #stateMachine(workflow: string, version?: number): string {
    const arn = this.#o.stateMachineArn(workflow, version);
    if (arn === undefined) {
      throw new EngineError("not-found", `Workflow ${workflow} has no deployed state machine.`);
    }
    return arn;
  }

  async #executionArn(executionId: string): Promise<string> {
    const workflow = await this.#o.locate(executionId);
    if (workflow === undefined)
      throw new EngineError("not-found", `Execution ${executionId} is not known.`);
    return executionArnOf(unqualified(this.#stateMachine(workflow)), executionId);
  }
}

/**
 * The states a finished run entered and exited, read from its history (every page, without
 * execution data): what the records need to give every step kind its true status
 * (`records/trace.ts`). Undefined when the execution does not exist (or is express: no history).
 */
export async function readStateTrace(
  client: SFNClient,
  executionArn: string,
): Promise<StateTrace | undefined> {
  const entered = new Set<string>();
  const exited = new Set<string>();
  let nextToken: string | undefined;
  do {
    let page: {
      readonly events?: HistoryEvent[] | undefined;
      readonly nextToken?: string | undefined;
    };
    try {
      page = await client.send(
        new GetExecutionHistoryCommand({
          executionArn,
          includeExecutionData: false,
          maxResults: 1000,
          ...(nextToken === undefined ? {} : { nextToken }),
        }),
      );
    } catch (error) {
      const translated = translate(error, `Reading the history of ${executionArn}`);
      if (translated instanceof EngineError && translated.reason === "not-found") return undefined;
      throw translated;
    }
    for (const event of page.events ?? []) {
      const enteredName = event.stateEnteredEventDetails?.name;
      const exitedName = event.stateExitedEventDetails?.name;
      if (event.type?.endsWith("StateEntered") === true && enteredName !== undefined)
        entered.add(enteredName);
      if (event.type?.endsWith("StateExited") === true && exitedName !== undefined)
        exited.add(exitedName);
    }
    nextToken = page.nextToken === "" ? undefined : page.nextToken;
  } while (nextToken !== undefined);
  return { entered: [...entered], exited: [...exited] };
}

/**
 * The states a stopped run entered and never exited, as calls of unknown outcome (the
 * compensation plan keeps those that are compensable steps). None when the history cannot be read.
 */
async function inFlightStates(client: SFNClient, executionArn: string): Promise<InFlightCall[]> {
  const trace = await readStateTrace(client, executionArn).catch(() => undefined);
  if (trace === undefined) return [];
  const exited = new Set(trace.exited);
  return trace.entered
    .filter((name) => !exited.has(name))
    .map((name) => ({ stepId: name, mode: "call", outcome: "unknown" }));
}

/**
 * The state machine of a version or alias ARN (`…:stateMachine:<name>:<qualifier>`): executions
 * started on a version are named under the state machine itself.
 */
export const unqualified = (arn: string): string =>
  arn.replace(/(:stateMachine:[^:]+):[^:]+$/, "$1");

/** `…:execution:<name>:<executionId>` → `arn:aws:states:<region>:<account>:stateMachine:<name>`. */
export function stateMachineArnOf(executionArn: string): string {
  return executionArn
    .slice(0, executionArn.lastIndexOf(":"))
    .replace(":execution:", ":stateMachine:");
}

/** `arn:aws:states:<region>:<account>:stateMachine:<name>` → `…:execution:<name>:<executionId>`. */
export function executionArnOf(stateMachineArn: string, executionId: string): string {
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${executionId}`;
}

const REASONS: Readonly<Record<string, EngineError["reason"]>> = {
  ExecutionDoesNotExist: "not-found",
  StateMachineDoesNotExist: "not-found",
  ExecutionAlreadyExists: "already-exists",
  ExecutionNotRedrivable: "not-redrivable",
  TaskDoesNotExist: "task-gone",
  TaskTimedOut: "task-gone",
  InvalidToken: "task-gone",
};

function translate(error: unknown, what: string): unknown {
  const name = (error as { name?: unknown } | null)?.name;
  const reason = typeof name === "string" ? REASONS[name] : undefined;
  if (reason === undefined) return error;
  return new EngineError(reason, `${what}: ${(error as Error).message || name}`, { cause: error });
}

/** JSON text, or undefined when absent or not JSON (e.g. cut short). */
function parseJson(text: string | undefined): Json | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}

function parseOutput(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}
