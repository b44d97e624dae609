/**
 * Runs a parity scenario on the two engines: the local engine (aws-local-stepfunctions with the
 * definition prepared by lib/local/machine.ts, as `baton dev` runs it) and moto's interpreter
 * (test/parity/moto_driver.py, in the .venv-parity/ virtual environment). Both get the same
 * compiled ASL and the same per-state, per-attempt mocked Task results, with zero retry delays.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { StateMachineDefinition } from "../../lib/core/asl.ts";
import { compileWorkflow } from "../../lib/core/compile.ts";
import { initialState } from "../../lib/core/execution-state.ts";
import type { Json } from "../../lib/core/model.ts";
import { parseSource } from "../../lib/core/parse.ts";
import { validateWorkflow } from "../../lib/core/validate.ts";
import { SUBSTITUTION_KEYS, TaskResource } from "../../lib/core/wire.ts";
import { stringifyKeys } from "../../lib/local/engine.ts";
import { prepareMachine, RUN_PARAMETER } from "../../lib/local/machine.ts";
import {
  DEFAULT_EMIT_REPLY,
  DEFAULT_SERVICE_REPLY,
  type MockedAttempt,
  type Scenario,
} from "./scenarios.ts";

export interface EngineResult {
  readonly status: string;
  readonly output: Json | null;
  readonly error: string | null;
  readonly cause: string | null;
  /** Names of the states entered, in order (Parallel branches and Map items included). */
  readonly entered: readonly string[];
}

export interface CompiledScenario {
  readonly scenario: Scenario;
  readonly definition: StateMachineDefinition;
  /** Every Task state's mocked attempts, defaults filled in. */
  readonly mocks: Readonly<Record<string, readonly MockedAttempt[]>>;
}

/** Attempts answered by a default mock: more than any retry policy in the table allows. */
const DEFAULT_ATTEMPTS = 10;

export function compileScenario(scenario: Scenario): CompiledScenario {
  const parsed = parseSource(scenario.yaml, `${scenario.name}.yaml`);
  const { workflow, problems } = validateWorkflow(parsed.value);
  const errors = [...parsed.problems, ...problems].filter((p) => p.severity === "error");
  if (workflow === undefined || errors.length > 0)
    throw new Error(`scenario "${scenario.name}" does not validate: ${JSON.stringify(errors)}`);
  const definition = compileWorkflow(workflow);
  const mocks: Record<string, readonly MockedAttempt[]> = {};
  const undos = new Set(undoStates(definition));
  for (const [name, resource] of taskStates(definition)) {
    const given = scenario.mocks[name];
    if (given !== undefined)
      mocks[name] = undos.has(name) ? given.map(withFailure(scenario)) : given;
    else if (resource === TaskResource.ServiceCall)
      mocks[name] = Array(DEFAULT_ATTEMPTS).fill(
        undos.has(name) ? withFailure(scenario)(DEFAULT_SERVICE_REPLY) : DEFAULT_SERVICE_REPLY,
      );
    else if (resource === TaskResource.Emit)
      mocks[name] = Array(DEFAULT_ATTEMPTS).fill(DEFAULT_EMIT_REPLY);
    else throw new Error(`scenario "${scenario.name}": no mock for Task "${name}" (${resource})`);
  }
  for (const name of Object.keys(scenario.mocks))
    if (mocks[name] === undefined)
      throw new Error(`scenario "${scenario.name}" mocks "${name}", which is not a Task state`);
  return { scenario, definition, mocks };
}

// Local engine -----------------------------------------------------------------------------------

class MockedTaskError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

export async function runLocal(compiled: CompiledScenario): Promise<EngineResult> {
  const prepared = prepareMachine(`parity-${compiled.scenario.name}`, compiled.definition);
  const attempts = new Map<string, number>();
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const task of prepared.tasks.values()) {
    handlers[task.name] = async (raw) => {
      const { [RUN_PARAMETER]: run, ...input } = (raw ?? {}) as Record<string, unknown>;
      if (task.kind === "jsonToString") {
        // The local stand-in for States.JsonToString (lib/local/machine.ts), not a mocked Task.
        return stringifyKeys(input, task.stringify ?? []);
      }
      // Attempts are counted per (sub-)run, as $$.State.RetryCount counts them per Map item.
      const key = `${String(run)}:${task.name}`;
      const attempt = attempts.get(key) ?? 0;
      attempts.set(key, attempt + 1);
      const mocked = compiled.mocks[task.name]?.[attempt];
      if (mocked === undefined)
        throw new Error(`no mocked result for ${task.name} attempt ${attempt + 1}`);
      if ("error" in mocked) throw new MockedTaskError(mocked.error, mocked.cause);
      return mocked.return;
    };
  }
  let runs = 0;
  const context = {
    Execution: { Id: "parity-1", Name: "parity-1", RedriveCount: 0 },
    StateMachine: { Id: "parity", Name: prepared.workflow },
    State: { Name: "", EnteredTime: "2026-01-01T00:00:00.000Z", RetryCount: 0 },
    Task: { Token: "" },
    // Each Parallel branch and Map iteration copies the context and so draws its own run number.
    get BatonRun(): number {
      runs += 1;
      return runs;
    },
  };
  const execution = prepared.machine.run(startInput(compiled.scenario) as never, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      retryIntervalOverrides: Object.fromEntries(prepared.retryStates.map((s) => [s, 0])),
      waitTimeOverrides: Object.fromEntries(prepared.waitStates.map((s) => [s, 0])),
    },
    context: context as never,
  });
  const entered: string[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs)
      if (event.type === "StateEntered") entered.push(event.state.name);
  })();
  try {
    const output = (await execution.result) as Json;
    await collecting;
    return { status: "SUCCEEDED", output: output ?? null, error: null, cause: null, entered };
  } catch (err) {
    await collecting.catch(() => undefined);
    // aws-local-stepfunctions wraps the final error (e.g. a Fail state's) as `cause`.
    const inner = (err as { cause?: unknown }).cause;
    const failure = inner instanceof Error ? inner : (err as Error);
    return { status: "FAILED", output: null, error: failure.name, cause: failure.message, entered };
  }
}

// moto -------------------------------------------------------------------------------------------

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DRIVER = fileURLToPath(new URL("./moto_driver.py", import.meta.url));
const PARITY_PYTHON = process.env.PARITY_PYTHON ?? `${REPO_ROOT}.venv-parity/bin/python`;
const MOTO_ACCOUNT = "123456789012";
const MOTO_REGION = "us-east-1";

/** The ASL as CDK would deploy it to moto's account: placeholders become ARNs and names. */
export function motoDefinition(definition: StateMachineDefinition): string {
  return JSON.stringify(definition).replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, key: string) => {
    if (key === SUBSTITUTION_KEYS.ServiceCall)
      return `arn:aws:lambda:${MOTO_REGION}:${MOTO_ACCOUNT}:function:baton-service-call`;
    if (key === SUBSTITUTION_KEYS.AwaitSignal)
      return `arn:aws:lambda:${MOTO_REGION}:${MOTO_ACCOUNT}:function:baton-await-signal`;
    if (key === SUBSTITUTION_KEYS.EventBus) return "baton-parity";
    return whole;
  });
}

/** moto's mock for a direct Lambda ARN Task is the Invoke response; its Payload is the result. */
function motoMocks(compiled: CompiledScenario): Record<string, unknown[]> {
  const resources = new Map(taskStates(compiled.definition));
  return Object.fromEntries(
    Object.entries(compiled.mocks).map(([state, attempts]) => [
      state,
      attempts.map((a) =>
        "error" in a || resources.get(state) !== TaskResource.ServiceCall
          ? a
          : { return: { StatusCode: 200, Payload: a.return } },
      ),
    ]),
  );
}

/** Runs every scenario in one moto process (importing moto takes seconds). */
export async function runMoto(
  compiled: readonly CompiledScenario[],
): Promise<Map<string, EngineResult>> {
  if (!existsSync(PARITY_PYTHON))
    throw new Error(
      `${PARITY_PYTHON} does not exist: install the parity engine with "bash .ci/install-parity.sh" ` +
        "(or set PARITY_PYTHON to a Python with the pins of requirements-parity.txt)",
    );
  const request = {
    scenarios: compiled.map((c) => ({
      name: c.scenario.name,
      definition: motoDefinition(c.definition),
      input: startInput(c.scenario),
      mocks: motoMocks(c),
    })),
  };
  const stdout = await runPython(JSON.stringify(request));
  const { results } = JSON.parse(stdout) as { results: (EngineResult & { name: string })[] };
  return new Map(results.map(({ name, ...result }) => [name, result]));
}

function runPython(stdin: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PARITY_PYTHON, [DRIVER], {
      // moto needs credentials to sign its in-process calls; these reach no real account.
      env: { ...process.env, AWS_ACCESS_KEY_ID: "parity", AWS_SECRET_ACCESS_KEY: "parity" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`moto driver exited with ${code}: ${err.slice(-4000)}`)),
    );
    child.stdin.end(stdin);
  });
}

// Helpers ----------------------------------------------------------------------------------------

type AnyState = {
  Type: string;
  Resource?: string;
  Branches?: StateMachineDefinition[];
  ItemProcessor?: StateMachineDefinition;
};

/**
 * What both engines start with: the execution state built, as the API starts every run (a machine
 * whose first state is a call Task starts there; a raw input would be redirected by its handler,
 * which static mocks cannot do).
 */
function startInput(scenario: Scenario): Json {
  return initialState("parity-1", scenario.input, "2026-01-01T00:00:00.000Z");
}

/**
 * An undo's reply as the service-call Lambda gives it: with the failure being compensated, recorded
 * (lib/core/contract.ts `ServiceCallResult.failure`), which the Task writes to `$.failure`. A mock
 * cannot compute it from the Task's input: it is the failure the scenario expects.
 */
const withFailure =
  (scenario: Scenario) =>
  (attempt: MockedAttempt): MockedAttempt => {
    if ("error" in attempt) return attempt;
    const name = scenario.expect.error ?? "Baton.ClientError";
    const Cause = JSON.stringify({ Error: name, Cause: "mocked", step: "mocked" });
    const failure = { name, message: "mocked", step: "mocked", Error: name, Cause };
    return { return: { ...(attempt.return as Record<string, Json>), failure } };
  };

/** Undo Tasks (service calls in `compensate` mode), nested ones included. */
function* undoStates(def: StateMachineDefinition): Generator<string> {
  for (const [name, state] of Object.entries(def.States) as [string, AnyState][]) {
    const mode = (state as { Parameters?: { mode?: unknown } }).Parameters?.mode;
    if (state.Type === "Task" && mode === "compensate") yield name;
    for (const branch of state.Branches ?? []) yield* undoStates(branch);
    if (state.ItemProcessor) yield* undoStates(state.ItemProcessor);
  }
}

function* taskStates(def: StateMachineDefinition): Generator<[string, string]> {
  for (const [name, state] of Object.entries(def.States) as [string, AnyState][]) {
    if (state.Type === "Task") yield [name, state.Resource ?? ""];
    for (const branch of state.Branches ?? []) yield* taskStates(branch);
    if (state.ItemProcessor) yield* taskStates(state.ItemProcessor);
  }
}

/** The compensation states (`<step>#undo`) in the order they were entered. */
/** The undos a run entered, in order; `<id>#undo!` (the chain after a failed undo) as `<id>#undo`. */
export const compensations = (result: EngineResult): string[] =>
  result.entered
    .filter((name) => name.endsWith("#undo") || name.endsWith("#undo!"))
    .map((name) => name.replace(/!$/, ""));
