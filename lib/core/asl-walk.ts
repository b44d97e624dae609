/**
 * Walks a compiled state machine symbolically to count what an execution costs: states entered
 * (Step Functions' billed "state transitions", retries included) and wall-clock time.
 *
 * The execution state is tracked as JSON with unknown holes (`UNKNOWN`), so Choice states that test
 * data the machine wrote itself (`IsPresent` on a recorded failure, a step's result, …) resolve
 * exactly, while conditions on input or service responses stay undecided. Undecided choices follow
 * the costliest branch that does not end failed. Service calls fail per attempt with a given
 * probability (`expected` mode) or use every attempt and may end either way (`worst` mode, which
 * keeps the costliest outcome).
 */
import type { Catcher, Retrier, State, StateMachineDefinition, TaskState } from "./asl.ts";
import {
  applyInputPath,
  applyOutputPath,
  applyResultPath,
  evalPayload,
  evaluateRule,
  readPath,
  readValue,
  type Sym,
  SymKeys,
  symSize,
  UNKNOWN,
} from "./asl-symbolic.ts";
import { loopOfState, TOP } from "./compiler/state-names.ts";
import { TaskResource } from "./wire.ts";

export interface WalkOptions {
  /** `expected`: weigh outcomes by probability; `worst`: every call uses all attempts, keep the max. */
  readonly mode: "expected" | "worst";
  /** Probability that one service-call attempt fails (expected mode; 0 gives the happy path). */
  readonly failureRate: number;
  /** Iterations assumed for a Map whose items are not known. */
  readonly mapItems: number;
  /**
   * Iterations assumed for a loop in expected mode (at most its `maxIterations`). Worst mode runs
   * every loop `maxIterations` times. @default 1
   */
  readonly loopIterations?: number;
  /** Milliseconds per task attempt. */
  readonly callMs: number;
  /**
   * A failure point: the service-call Task of this name fails on its first attempt with
   * `Baton.ClientError` (not retried) and every other call succeeds (use with `failureRate: 0`).
   * Inside a Map every iteration fails there.
   */
  readonly failAt?: string;
}

/** One way an execution can end. Weights sum to 1 in expected mode; they are 1 in worst mode. */
export interface Outcome {
  readonly weight: number;
  readonly transitions: number;
  readonly durationMs: number;
  readonly failed: boolean;
  /** Service-call Lambda invocations (each attempt of a call or a compensation). */
  readonly calls: number;
  /** Events the machine publishes itself (`events:putEvents` Tasks). */
  readonly events: number;
}

export interface WalkResult {
  readonly outcomes: readonly Outcome[];
  /** What the walk had to assume, in words (e.g. waits whose length it cannot know). */
  readonly notes: readonly string[];
}

/** Combinations of branch or iteration outcomes followed in full; beyond, see `combine`. */
const COMBINATION_LIMIT = 16;
/** Paths less likely than this are dropped (expected mode); their weight is spread over the rest. */
const NEGLIGIBLE = 1e-12;
const MAX_DEPTH = 5_000;
/**
 * States walked (with distinct execution states) before the walk gives up with an error. The walk
 * follows which steps succeeded before each possible failure, so it grows with compensable steps
 * times failure points; this bounds it to tens of seconds on any definition the validator accepts.
 */
const MAX_VISITS = 400_000;
/**
 * A Map's result holds one output per item (a Parallel's, one per branch), and an outer Map's
 * iterations hold that result, so carrying outputs whole makes the walk's state grow as
 * items^depth (18 nested maps ran out of memory). An iteration or branch output of more than ITEM_OUTPUT_BUDGET values keeps only its first
 * ITEM_OUTPUT_LEVELS levels (what the compiled guards test: `failed`, which steps are present);
 * deeper values become UNKNOWN. That keeps the walk linear in the definition's size.
 */
const ITEM_OUTPUT_BUDGET = 256;
const ITEM_OUTPUT_LEVELS = 3;

export function walkAsl(
  definition: StateMachineDefinition,
  options: WalkOptions,
  input: Sym = UNKNOWN,
): WalkResult {
  const walker = new Walker(options);
  const outcomes = walker.machine(definition, input, 0);
  return {
    outcomes: outcomes.map(({ weight, transitions, durationMs, failed, calls, events }) => ({
      weight,
      transitions,
      durationMs,
      failed,
      calls,
      events,
    })),
    notes: [...walker.notes],
  };
}

/**
 * Walks a normal run of a compiled Baton machine, started as the API starts it: with the execution
 * state built (`execution-state.ts`), no step result yet. A machine with an entry Choice is walked
 * from `Start`, which builds the same state and counts as the Choice does (one state); one that
 * starts at its first Task (lib/core/entry-request.ts) from there, given that state.
 */
export function walkNormalRun(asl: StateMachineDefinition, options: WalkOptions): WalkResult {
  if (asl.StartAt === TOP.entry && asl.States[TOP.start] !== undefined)
    return walkAsl({ ...asl, StartAt: TOP.start }, options);
  const built: Sym = {
    input: UNKNOWN,
    context: { executionId: UNKNOWN, startedAt: UNKNOWN, redriveCount: 0 },
    steps: {},
  };
  return walkAsl(asl, options, built);
}

/** An outcome of a (sub-)machine, with the state it ends with. */
interface Path extends Counts {
  readonly weight: number;
  readonly transitions: number;
  readonly durationMs: number;
  readonly failed: boolean;
  readonly error?: string;
  readonly output: Sym;
}

/** Where one state leads: the next state (or the end), what it cost, and the state it passes on. */
interface Step extends Partial<Counts> {
  readonly weight: number;
  readonly transitions: number;
  readonly durationMs: number;
  readonly next: string | null;
  readonly output: Sym;
  readonly failed?: { readonly error: string };
}

class Walker {
  readonly notes = new Set<string>();
  private readonly keys = new SymKeys();
  private readonly memo = new WeakMap<StateMachineDefinition, Map<string, readonly Path[]>>();
  /** States on the path being walked, per machine: meeting one again means the machine loops. */
  private readonly onPath = new WeakMap<StateMachineDefinition, Set<string>>();
  private visits = 0;

  constructor(private readonly options: WalkOptions) {}

  machine(definition: StateMachineDefinition, input: Sym, depth: number): readonly Path[] {
    return this.from(definition, definition.StartAt, input, depth);
  }

  private from(
    definition: StateMachineDefinition,
    name: string,
    input: Sym,
    depth: number,
  ): readonly Path[] {
    const active = this.onPath.get(definition) ?? new Set<string>();
    this.onPath.set(definition, active);
    // A loop's iteration and back-edge states are entered again with a higher count; the back-edge
    // ends the loop by its count (see loopChoice), so the walk terminates.
    if ((active.has(name) && loopOfState(name) === undefined) || depth > MAX_DEPTH) {
      throw new Error(`The state machine loops (at state "${name}"); its cost cannot be estimated`);
    }
    const memo = this.memo.get(definition) ?? new Map<string, readonly Path[]>();
    this.memo.set(definition, memo);
    const key = `${name}\u0000${this.keys.of(input)}`;
    const known = memo.get(key);
    if (known) return known;
    const state = definition.States[name];
    if (!state) throw new Error(`State "${name}" is referenced but not defined`);
    if (++this.visits > MAX_VISITS) {
      throw new Error(
        `The state machine has too many paths to estimate (over ${MAX_VISITS.toLocaleString("en-US")} states walked); price a smaller workflow or split it into child workflows`,
      );
    }
    active.add(name);
    try {
      const merged = this.merge(this.paths(definition, name, state, input, depth));
      memo.set(key, merged);
      return merged;
    } finally {
      active.delete(name);
    }
  }

  private paths(
    definition: StateMachineDefinition,
    name: string,
    state: State,
    input: Sym,
    depth: number,
  ): Path[] {
    const paths: Path[] = [];
    for (const step of this.enter(name, state, input, depth, (next, value) =>
      this.from(definition, next, value, depth + 1),
    )) {
      if (step.failed) {
        paths.push({ ...cost(step), failed: true, error: step.failed.error, output: step.output });
      } else if (step.next === null) {
        paths.push({ ...cost(step), failed: false, output: step.output });
      } else {
        for (const rest of this.from(definition, step.next, step.output, depth + 1)) {
          paths.push(chain(step, rest));
        }
      }
    }
    return paths;
  }

  /** The possible ways through one state. */
  private enter(
    name: string,
    state: State,
    raw: Sym,
    depth: number,
    walkFrom: (next: string, input: Sym) => readonly Path[],
  ): Step[] {
    switch (state.Type) {
      case "Pass": {
        const input = applyInputPath(raw, state.InputPath);
        const result = state.Parameters
          ? evalPayload(state.Parameters, input)
          : (state.Result ?? input);
        const output = applyOutputPath(
          applyResultPath(raw, result, state.ResultPath),
          state.OutputPath,
        );
        return [{ weight: 1, transitions: 1, durationMs: 0, next: nextOf(state), output }];
      }
      case "Wait": {
        if (state.Seconds === undefined)
          this.notes.add("Waits until a computed time are counted as 0 s.");
        const output = applyOutputPath(raw, state.OutputPath);
        return [
          {
            weight: 1,
            transitions: 1,
            durationMs: (state.Seconds ?? 0) * 1000,
            next: nextOf(state),
            output,
          },
        ];
      }
      case "Succeed":
        return [
          {
            weight: 1,
            transitions: 1,
            durationMs: 0,
            next: null,
            output: applyOutputPath(raw, state.OutputPath),
          },
        ];
      case "Fail":
        return [
          {
            weight: 1,
            transitions: 1,
            durationMs: 0,
            next: null,
            output: raw,
            failed: { error: state.Error ?? "States.Fail" },
          },
        ];
      case "Choice":
        return this.loopChoice(name, state, raw) ?? this.choice(state, raw, walkFrom);
      case "Task":
        return this.task(name, state, raw);
      case "Parallel": {
        const input = applyInputPath(raw, state.InputPath);
        const branchInput = state.Parameters ? evalPayload(state.Parameters, input) : input;
        const branches = state.Branches.map((b) =>
          this.machine(b, branchInput, depth + 1).map(summarized),
        );
        return this.join(state, raw, this.combine(branches, "parallel"));
      }
      case "Map": {
        const input = applyInputPath(raw, state.InputPath);
        const items = state.ItemsPath === undefined ? input : readValue(input, state.ItemsPath);
        const count = Array.isArray(items) ? items.length : this.options.mapItems;
        if (!Array.isArray(items))
          this.notes.add(`Map states run ${this.options.mapItems} iterations.`);
        const itemInput = state.ItemSelector ? evalPayload(state.ItemSelector, input) : UNKNOWN;
        const iteration = this.machine(state.ItemProcessor, itemInput, depth + 1).map(summarized);
        const concurrency =
          state.MaxConcurrency && state.MaxConcurrency > 0 ? state.MaxConcurrency : count;
        const rounds = count === 0 ? 0 : Math.ceil(count / Math.max(1, concurrency));
        const combos = this.combine(
          Array.from({ length: count }, () => iteration),
          "map",
        );
        // Iterations in one round overlap; rounds run one after another.
        return this.join(
          state,
          raw,
          combos.map((c) => ({ ...c, durationMs: c.durationMs * rounds })),
        );
      }
    }
  }

  /**
   * A loop's back-edge Choice (`<loop>#next?`: iteration failed? `until` held? count reached
   * `maxIterations`? else again). Whether `until` held depends on responses, so the walk decides
   * by the count: expected mode ends the loop after `loopIterations` iterations, worst mode after
   * `maxIterations` (where the count rule decides, and both endings are kept).
   */
  private loopChoice(
    name: string,
    state: Extract<State, { Type: "Choice" }>,
    raw: Sym,
  ): Step[] | undefined {
    if (loopOfState(name) === undefined || !name.endsWith("?")) return undefined;
    const [failedRule, doneRule, limitRule] = state.Choices;
    const counted = limitRule as { NumericGreaterThanEquals?: unknown; Variable?: unknown };
    const limit = counted.NumericGreaterThanEquals;
    if (!failedRule || !doneRule || typeof limit !== "number") return undefined;
    if (typeof counted.Variable !== "string") return undefined;
    const input = applyInputPath(raw, state.InputPath);
    const count = readValue(input, counted.Variable);
    if (typeof count !== "number") return undefined;
    const output = applyOutputPath(raw, state.OutputPath);
    const go = (next: string): Step[] => [
      { weight: 1, transitions: 1, durationMs: 0, next, output },
    ];
    if (evaluateRule(failedRule, input) === true) return go(failedRule.Next);
    const ends =
      this.options.mode === "worst" ? limit : Math.min(limit, this.options.loopIterations ?? 1);
    this.notes.add(
      `Loops run ${this.options.loopIterations ?? 1} iteration(s) in the expected case (at most maxIterations) and maxIterations in the worst case.`,
    );
    if (count < ends) return go(state.Default ?? doneRule.Next);
    return this.options.mode === "worst" ? undefined : go(doneRule.Next);
  }

  private choice(
    state: Extract<State, { Type: "Choice" }>,
    raw: Sym,
    walkFrom: (next: string, input: Sym) => readonly Path[],
  ): Step[] {
    const input = applyInputPath(raw, state.InputPath);
    const output = applyOutputPath(raw, state.OutputPath);
    const candidates: string[] = [];
    let decided = false;
    for (const rule of state.Choices) {
      const verdict = evaluateRule(rule, input);
      if (verdict === false) continue;
      candidates.push(rule.Next);
      if (verdict === true) {
        decided = true;
        break;
      }
    }
    if (!decided) {
      if (state.Default === undefined) {
        candidates.push("");
      } else {
        candidates.push(state.Default);
      }
    }
    const targets = [...new Set(candidates)];
    const step = (next: string): Step =>
      next === ""
        ? {
            weight: 1,
            transitions: 1,
            durationMs: 0,
            next: null,
            output,
            failed: { error: "States.NoChoiceMatched" },
          }
        : { weight: 1, transitions: 1, durationMs: 0, next, output };
    if (targets.length <= 1) return targets.map(step);
    if (this.options.mode === "worst") return targets.map(step);
    // Undecided condition: follow the happy path (branches that mostly succeed over those that
    // mostly fail, e.g. into a `fail` step), and among those the costliest, so a `when` counts as
    // true and a choice as its most expensive case.
    const scored = targets.map((target) => {
      const paths = target === "" ? [] : walkFrom(target, output);
      return { target, fails: failureShare(paths) >= 0.5, transitions: mean(paths) };
    });
    // Pricing a failure point, the branch that reaches it is the one to follow.
    const failing = this.options.failAt !== undefined;
    scored.sort(
      (a, b) =>
        (Number(a.fails) - Number(b.fails)) * (failing ? -1 : 1) || b.transitions - a.transitions,
    );
    return [step(scored[0]?.target ?? "")];
  }

  private task(name: string, state: TaskState, raw: Sym): Step[] {
    const { callMs, failureRate, mode } = this.options;
    const fallible = state.Resource === TaskResource.ServiceCall;
    const failsHere = fallible && this.options.failAt === name;
    const error = failsHere ? "Baton.ClientError" : representativeError(state);
    const retrier = fallible && !failsHere ? matching(state.Retry, error) : undefined;
    // The saga events an undo's handler publishes (lib/runtime/service-call.ts): `Compensation
    // Started` with the first attempt of the first undo (its `$.failure` is still as caught), and
    // `Compensation Completed` after the last one's success.
    const parameters = (state.Parameters ?? {}) as Readonly<Record<string, unknown>>;
    const undo = fallible && parameters.mode === "compensate";
    const starts =
      undo &&
      parameters.opens === true &&
      readPath(raw, "$.failure.name").kind === "missing" &&
      readPath(raw, "$.failure.Error").kind === "value";
    const emits = state.Resource === TaskResource.Emit ? 1 : 0;
    const completes = undo && parameters.completes === true ? 1 : 0;
    const counted = (attempts: number, succeeded = false) => ({
      calls: fallible ? attempts : 0,
      events: emits + (starts ? 1 : 0) + (succeeded ? completes : 0),
    });
    const retries = retrier ? (retrier.MaxAttempts ?? 3) : 0;
    const delays = retryDelays(retrier, retries, mode === "expected");
    const success = applyOutputPath(
      applyResultPath(
        raw,
        state.ResultSelector ? evalPayload(state.ResultSelector, UNKNOWN) : UNKNOWN,
        state.ResultPath,
      ),
      state.OutputPath,
    );
    const catcher = matching(state.Catch, error);
    const failure = (): Step => {
      const attempts = retries + 1;
      const duration = attempts * callMs + sum(delays) * 1000;
      const weight = mode === "worst" || failsHere ? 1 : failureRate ** attempts;
      if (!catcher) {
        return {
          ...counted(attempts),
          weight,
          transitions: attempts,
          durationMs: duration,
          next: null,
          output: raw,
          failed: { error },
        };
      }
      const caught: Sym = { Error: error, Cause: UNKNOWN };
      return {
        ...counted(attempts),
        weight,
        transitions: attempts,
        durationMs: duration,
        next: catcher.Next,
        output: applyResultPath(raw, caught, catcher.ResultPath),
      };
    };
    const next = nextOf(state);
    if (!fallible)
      return [
        {
          ...counted(1, true),
          weight: 1,
          transitions: 1,
          durationMs: callMs,
          next,
          output: success,
        },
      ];
    if (failsHere) return [failure()];
    if (mode === "worst") {
      const attempts = retries + 1;
      const duration = attempts * callMs + sum(delays) * 1000;
      return [
        {
          ...counted(attempts, true),
          weight: 1,
          transitions: attempts,
          durationMs: duration,
          next,
          output: success,
        },
        failure(),
      ];
    }
    // Expected mode: attempt j succeeds with probability p^(j-1)(1-p).
    let weight = 0;
    let transitions = 0;
    let duration = 0;
    for (let j = 1; j <= retries + 1; j++) {
      const pj = failureRate ** (j - 1) * (1 - failureRate);
      weight += pj;
      transitions += pj * j;
      duration += pj * (j * callMs + sum(delays.slice(0, j - 1)) * 1000);
    }
    const steps: Step[] = [];
    if (weight > 0) {
      steps.push({
        ...counted(transitions / weight, true),
        weight,
        transitions: transitions / weight,
        durationMs: duration / weight,
        next,
        output: success,
      });
    }
    const failed = failure();
    if (failed.weight > NEGLIGIBLE) steps.push(failed);
    return steps;
  }

  /** Turns combined branch or iteration outcomes into the Parallel/Map state's own steps. */
  private join(
    state: Extract<State, { Type: "Parallel" | "Map" }>,
    raw: Sym,
    combos: readonly Combination[],
  ): Step[] {
    return combos.map((combo) => {
      const failedError = combo.error;
      if (failedError !== undefined) {
        const catcher = matching(state.Catch, failedError);
        const base = {
          weight: combo.weight,
          transitions: 1 + combo.transitions,
          durationMs: combo.durationMs,
          calls: combo.calls,
          events: combo.events,
        };
        if (!catcher) return { ...base, next: null, output: raw, failed: { error: failedError } };
        const caught: Sym = { Error: failedError, Cause: UNKNOWN };
        return {
          ...base,
          next: catcher.Next,
          output: applyResultPath(raw, caught, catcher.ResultPath),
        };
      }
      const selected = state.ResultSelector
        ? evalPayload(state.ResultSelector, combo.outputs)
        : combo.outputs;
      const output = applyOutputPath(
        applyResultPath(raw, selected, state.ResultPath),
        state.OutputPath,
      );
      return {
        weight: combo.weight,
        transitions: 1 + combo.transitions,
        durationMs: combo.durationMs,
        calls: combo.calls,
        events: combo.events,
        next: nextOf(state),
        output,
      };
    });
  }

  /**
   * Combinations of one outcome per branch (or iteration). Every combination when there are at most
   * COMBINATION_LIMIT; beyond that, a base combination plus every combination where exactly one
   * branch deviates from it (for a map, only the first item: items are interchangeable). The base is
   * each list's likeliest outcome (expected mode, the weight of the rest spread over the kept ones),
   * or its first outcome, a task's success (worst mode, which also keeps the all-costliest one).
   */
  private combine(lists: readonly (readonly Path[])[], kind: "parallel" | "map"): Combination[] {
    const size = lists.reduce((n, list) => n * Math.max(1, list.length), 1);
    if (size <= COMBINATION_LIMIT) return product(lists);
    const worst = this.options.mode === "worst";
    this.notes.add(
      `Beyond ${COMBINATION_LIMIT} combinations of branch or item outcomes, only those where one ${kind === "map" ? "item" : "branch"} deviates from the ${worst ? "first" : "likeliest"} are followed.`,
    );
    const base = lists.map((list) =>
      worst ? list[0] : [...list].sort((a, b) => b.weight - a.weight)[0],
    );
    const choices: (readonly Path[])[] = [];
    const deviating = kind === "map" ? lists.slice(0, 1) : lists;
    deviating.forEach((list, i) => {
      for (const path of list) {
        if (path !== base[i]) choices.push(base.map((b, j) => (j === i ? path : b)).filter(isPath));
      }
    });
    choices.unshift(base.filter(isPath));
    if (worst) {
      const costliest = lists.map(
        (list) => [...list].sort((a, b) => b.transitions - a.transitions)[0],
      );
      choices.push(costliest.filter(isPath));
    }
    // A deviation of the first item stands for the same deviation of any item.
    const positions = kind === "map" ? lists.length : 1;
    const combos = choices.map((paths, i) => {
      const combo = combination(paths);
      return i === 0 || (worst && i === choices.length - 1)
        ? combo
        : { ...combo, weight: combo.weight * positions };
    });
    if (worst) return combos;
    const kept = sum(combos.map((c) => c.weight));
    return combos.map((c) => ({ ...c, weight: kept > 0 ? c.weight / kept : c.weight }));
  }

  /** Merges paths that end the same way: weighted means (expected) or maxima (worst). */
  private merge(paths: readonly Path[]): readonly Path[] {
    const groups = new Map<string, Path>();
    for (const path of paths) {
      if (this.options.mode === "expected" && path.weight < NEGLIGIBLE) continue;
      const key = `${path.failed}\u0000${path.error ?? ""}\u0000${this.keys.of(path.output)}`;
      const seen = groups.get(key);
      if (!seen) {
        groups.set(key, path);
      } else if (this.options.mode === "worst") {
        groups.set(key, {
          ...seen,
          transitions: Math.max(seen.transitions, path.transitions),
          durationMs: Math.max(seen.durationMs, path.durationMs),
          calls: Math.max(seen.calls, path.calls),
          events: Math.max(seen.events, path.events),
        });
      } else {
        const weight = seen.weight + path.weight;
        const mix = (f: (p: Path) => number) =>
          (f(seen) * seen.weight + f(path) * path.weight) / weight;
        groups.set(key, {
          ...seen,
          weight,
          transitions: mix((p) => p.transitions),
          durationMs: mix((p) => p.durationMs),
          calls: mix((p) => p.calls),
          events: mix((p) => p.events),
        });
      }
    }
    return [...groups.values()];
  }
}

/** Every combination of one path per list. */
function product(lists: readonly (readonly Path[])[]): Combination[] {
  let choices: Path[][] = [[]];
  for (const list of lists)
    choices = choices.flatMap((chosen) => list.map((path) => [...chosen, path]));
  return choices.map((paths) => combination(paths));
}

/** Branches (and the iterations of one round) run concurrently: costs add, durations overlap. */
function combination(paths: readonly Path[]): Combination {
  const failed = paths.find((p) => p.failed);
  return {
    weight: paths.reduce((w, p) => w * p.weight, 1),
    transitions: sum(paths.map((p) => p.transitions)),
    durationMs: Math.max(0, ...paths.map((p) => p.durationMs)),
    calls: sum(paths.map((p) => p.calls)),
    events: sum(paths.map((p) => p.events)),
    outputs: paths.map((p) => p.output),
    ...(failed ? { error: failed.error ?? "States.BranchFailed" } : {}),
  };
}

/** The path with its output cut to its first levels when it is too big to carry whole. */
function summarized(path: Path): Path {
  return symSize(path.output, ITEM_OUTPUT_BUDGET + 1) <= ITEM_OUTPUT_BUDGET
    ? path
    : { ...path, output: pruned(path.output, ITEM_OUTPUT_LEVELS) };
}

/** The value with every array or object `levels` deep replaced by UNKNOWN (still present). */
function pruned(value: Sym, levels: number): Sym {
  if (typeof value !== "object" || value === null) return value;
  if (levels === 0) return UNKNOWN;
  if (Array.isArray(value)) return (value as readonly Sym[]).map((v) => pruned(v, levels - 1));
  return Object.fromEntries(
    Object.entries(value as { readonly [key: string]: Sym }).map(([k, v]) => [
      k,
      pruned(v, levels - 1),
    ]),
  );
}

const isPath = (path: Path | undefined): path is Path => path !== undefined;

interface Combination extends Counts {
  readonly weight: number;
  readonly transitions: number;
  readonly durationMs: number;
  readonly outputs: readonly Sym[];
  readonly error?: string;
}

/** What a path counts besides transitions and time. */
interface Counts {
  readonly calls: number;
  readonly events: number;
}

const cost = (step: Step) => ({
  weight: step.weight,
  transitions: step.transitions,
  durationMs: step.durationMs,
  calls: step.calls ?? 0,
  events: step.events ?? 0,
});

function chain(step: Step, rest: Path): Path {
  return {
    ...rest,
    weight: step.weight * rest.weight,
    transitions: step.transitions + rest.transitions,
    durationMs: step.durationMs + rest.durationMs,
    calls: (step.calls ?? 0) + rest.calls,
    events: (step.events ?? 0) + rest.events,
  };
}

/** Weighted mean of transitions over paths (weights need not sum to 1). */
function mean(paths: readonly Path[]): number {
  const weight = sum(paths.map((p) => p.weight));
  return weight === 0 ? 0 : sum(paths.map((p) => p.weight * p.transitions)) / weight;
}

/** Weighted share of paths that end failed. */
function failureShare(paths: readonly Path[]): number {
  const weight = sum(paths.map((p) => p.weight));
  return weight === 0 ? 1 : sum(paths.filter((p) => p.failed).map((p) => p.weight)) / weight;
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

function nextOf(state: { readonly Next?: string; readonly End?: true }): string | null {
  return state.Next ?? null;
}

/** The error a failing call is assumed to raise: the first its own retry policy names, if any. */
function representativeError(state: TaskState): string {
  const first = state.Retry?.[0]?.ErrorEquals.find((e) => e.startsWith("Baton."));
  return first ?? "Baton.ServiceError";
}

/** The first retrier or catcher that handles `error`, as Step Functions picks it. */
function matching<T extends Retrier | Catcher>(
  list: readonly T[] | undefined,
  error: string,
): T | undefined {
  return list?.find(
    (r) =>
      r.ErrorEquals.includes(error) ||
      r.ErrorEquals.includes("States.ALL") ||
      (r.ErrorEquals.includes("States.TaskFailed") && !error.startsWith("States.")),
  );
}

/** Seconds waited before each retry; full jitter averages half the delay in expected mode. */
function retryDelays(
  retrier: Retrier | undefined,
  retries: number,
  averageJitter: boolean,
): number[] {
  if (!retrier) return [];
  const interval = retrier.IntervalSeconds ?? 1;
  const backoff = retrier.BackoffRate ?? 2;
  const jitter = averageJitter && retrier.JitterStrategy === "FULL" ? 0.5 : 1;
  return Array.from({ length: retries }, (_, k) => {
    const delay = interval * backoff ** k;
    return (
      (retrier.MaxDelaySeconds === undefined ? delay : Math.min(delay, retrier.MaxDelaySeconds)) *
      jitter
    );
  });
}
