/**
 * Proves a compiled machine can never raise `States.Runtime` from a path Baton emits: every
 * JSONPath a state reads (`.$` payload values and the paths inside their intrinsics, `InputPath`,
 * `ItemsPath`, `TimestampPath`, `ErrorPath`, `CausePath`, Choice variables…) must point at a
 * location that is present whenever the state runs. A location is present when
 * - it is structural: the state layout Baton builds (`$.input`, `$.steps`, `$.context.executionId`,
 *   `$.caught.Error`, `$.joined…`; see `ALWAYS`), or
 * - every way into the state proves it: a Choice rule that tested `IsPresent` (a `Not IsPresent`
 *   rule proves it on the later rules and the Default), or a state before that wrote it
 *   (`ResultPath`), and nothing in between replaced the whole state.
 * A Choice rule may read a location its own `And` tested with `IsPresent` first.
 * Reads below user data (`$.input.x`, `$.steps.a.body`, `$.outer…`, `$.item.x`) are never
 * structural, so every one of them needs such a proof.
 */
import type { AslJson, ChoiceRule, State, StateMachineDefinition } from "../../lib/core/asl.ts";
import { TaskResource } from "../../lib/core/wire.ts";

export interface UnsafeRead {
  /** `Outer state / inner state` for states inside Parallel branches and Map processors. */
  readonly state: string;
  readonly field: string;
  readonly path: string;
}

/**
 * Structural locations: what Baton itself builds and Step Functions guarantees. `$.batonResume…`
 * and `$.batonCompensate…` are the entry payloads the API builds (behind an `IsPresent` test).
 */
const ALWAYS: readonly RegExp[] = [
  /^\$\$(\..*)?$/,
  /^\$$/,
  /^\$\.(input|steps|outer|item|index|itemPath|context|failure|caught|all)$/,
  /^\$\.context\.(executionId|startedAt|redriveCount)$/,
  /^\$\.failure\.(name|message|step|Error|Cause)$/,
  /^\$\.caught\.(Error|Cause)$/,
  /^\$\.joined(\..*|\[.*)?$/,
  /^\$\.failures\[0\]$/,
  /^\$\.undone\.failed$/,
  /^\$\.final\.output$/,
  /^\$\.(batonResume|batonCompensate)(\.[A-Za-z]+)?$/,
  /^\$\.batonCompensate\.failure\.(name|message|step)$/,
  /^\$\.resumeFrom$/,
  // A loop iteration's branch: the Parallel's Parameters give it `iteration` and `history`; its end
  // Pass builds `{record, history, done}` for the record Pass that follows.
  /^\$\.(iteration|history|done|record)$/,
  /^\$\.record\.iteration$/,
  // The newest iteration of a loop, read by its exit Pass: the back-edge Choice goes there only
  // when `done` is true, which only a recorded iteration sets.
  /^\$\.steps\.[a-z][a-z0-9_]*\.iterations\[0\]\.steps$/,
];

const PATH_FIELDS = [
  "InputPath",
  "OutputPath",
  "ItemsPath",
  "TimestampPath",
  "SecondsPath",
  "ErrorPath",
  "CausePath",
] as const;

/** Every read in the machine (and its nested machines) that is not proven present. */
export function unsafeReads(definition: StateMachineDefinition, prefix = ""): UnsafeRead[] {
  const facts = presentFacts(definition);
  const unsafe: UnsafeRead[] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    const known = facts.get(name) ?? new Set<string>();
    const where = `${prefix}${name}`;
    for (const [field, path] of stateReads(state)) {
      if (!isPresent(path, known)) unsafe.push({ state: where, field, path });
    }
    if (state.Type === "Choice") {
      // Rules run in order: a `Not IsPresent` rule that did not match proves presence to the rest.
      const seen = new Set(known);
      state.Choices.forEach((rule, i) => {
        for (const path of unguardedRuleReads(rule, seen)) {
          unsafe.push({ state: where, field: `Choices[${i}]`, path });
        }
        const r = rule as { Not?: { Variable?: string; IsPresent?: boolean } };
        if (r.Not?.Variable !== undefined && r.Not.IsPresent === true) seen.add(r.Not.Variable);
      });
    }
    if (state.Type === "Parallel") {
      state.Branches.forEach((branch, i) => {
        unsafe.push(...unsafeReads(branch, `${where} / branch ${i} / `));
      });
    }
    if (state.Type === "Map")
      unsafe.push(...unsafeReads(state.ItemProcessor, `${where} / item / `));
  }
  return unsafe;
}

/**
 * Reads of `$.failure.name|message|step` that a caught `{Error, Cause}` can reach: a Task `Catch`
 * that writes `$.failure` leaves only `Error` and `Cause` there, until an undo that gives the
 * failure back recorded succeeds (its `Catch` edges keep it caught). Every state on the way must
 * read only those two (lib/core/recorded-failure.ts). Top-level states only: no nested machine
 * has such a Catch.
 */
export function caughtFailureReads(definition: StateMachineDefinition): UnsafeRead[] {
  const states = definition.States;
  const unsafe: UnsafeRead[] = [];
  const seen = new Set<string>();
  const queue: string[] = [];
  for (const state of Object.values(states)) {
    for (const c of catchers(state)) if (c.ResultPath === "$.failure") queue.push(c.Next);
  }
  while (queue.length > 0) {
    const name = queue.shift() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const state = states[name];
    if (state === undefined) continue;
    for (const [field, path] of stateReads(state)) {
      if (/^\$\.failure\.(name|message|step)$/.test(path))
        unsafe.push({ state: name, field, path });
    }
    if (state.Type === "Choice") {
      for (const rule of JSON.stringify(state.Choices).match(
        /"\$\.failure\.(name|message|step)"/g,
      ) ?? [])
        unsafe.push({ state: name, field: "Choices", path: rule.slice(1, -1) });
    }
    for (const c of catchers(state)) queue.push(c.Next);
    if (givesFailureBack(state)) continue;
    if ("Next" in state && typeof state.Next === "string") queue.push(state.Next);
    if (state.Type === "Choice") {
      queue.push(...state.Choices.map((c) => c.Next));
      if (state.Default !== undefined) queue.push(state.Default);
    }
  }
  return unsafe;
}

function catchers(state: State): { Next: string; ResultPath?: string | null }[] {
  return (
    ((state as { Catch?: unknown }).Catch as { Next: string; ResultPath?: string | null }[]) ?? []
  );
}

/** `[field, path]` for every state-input path a state reads (result selectors excluded). */
function stateReads(state: State): [string, string][] {
  const reads: [string, string][] = [];
  const record = state as unknown as Record<string, AslJson | undefined>;
  for (const field of PATH_FIELDS) {
    const value = record[field];
    if (typeof value !== "string") continue;
    // OutputPath reads the state's own output: a field its Parameters just built is there.
    if (field === "OutputPath" && builtByParameters(record, value)) continue;
    reads.push([field, value]);
  }
  for (const field of ["Parameters", "ItemSelector"] as const) {
    const value = record[field];
    if (value !== undefined) for (const path of payloadPaths(value)) reads.push([field, path]);
  }
  // Result selectors read the task's result. Parallel and Map results are Baton's own branch and
  // item outputs ({steps, failure?}); no Task may select from a service's answer.
  if (state.Type === "Task" && "ResultSelector" in state && state.ResultSelector) {
    for (const path of payloadPaths(state.ResultSelector)) {
      // An undo given `failure` answers with it recorded (contract.ts, ServiceCallResult.failure).
      if (givesFailureBack(state) && RECORDED_FAILURE.test(path)) continue;
      reads.push(["ResultSelector", `result:${path}`]);
    }
  }
  return reads;
}

const RECORDED_FAILURE = /^\$\.failure\.(name|message|step|Error|Cause)$/;

function givesFailureBack(state: State): boolean {
  if (state.Type !== "Task" || state.Resource !== TaskResource.ServiceCall) return false;
  const parameters = state.Parameters as Record<string, AslJson> | undefined;
  return parameters?.mode === "compensate" && parameters["failure.$"] === "$.failure";
}

function builtByParameters(state: Record<string, AslJson | undefined>, path: string): boolean {
  const parameters = state.Parameters;
  const key = /^\$\.([A-Za-z_]+)$/.exec(path)?.[1];
  if (key === undefined || parameters === null || typeof parameters !== "object") return false;
  if (state.ResultPath !== undefined && state.ResultPath !== "$") return false;
  return key in parameters || `${key}.$` in parameters;
}

/** JSONPaths in the `.$` values of a payload, including those inside intrinsic functions. */
export function payloadPaths(value: AslJson): string[] {
  if (Array.isArray(value)) return value.flatMap(payloadPaths);
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, item]) =>
    key.endsWith(".$") && typeof item === "string" ? expressionPaths(item) : payloadPaths(item),
  );
}

/** The paths an expression reads: itself, or the path arguments of an intrinsic. */
function expressionPaths(expr: string): string[] {
  if (!expr.startsWith("States.")) return [expr];
  // Drop quoted literals (with their escapes) so text such as '$5' is not read as a path.
  const code = expr.replace(/'(?:\\.|[^'\\])*'/g, "''");
  return [...code.matchAll(/\$\$?[^,\s)]*/g)].map((m) => m[0]);
}

/** Paths a Choice rule reads without a guard (its own `IsPresent`, or one before it in an `And`). */
function unguardedRuleReads(rule: ChoiceRule, known: ReadonlySet<string>): string[] {
  const r = rule as unknown as {
    Variable?: string;
    IsPresent?: boolean;
    And?: ChoiceRule[];
    Or?: ChoiceRule[];
    Not?: ChoiceRule;
  };
  if (r.Variable !== undefined) {
    return r.IsPresent !== undefined || isPresent(r.Variable, known) ? [] : [r.Variable];
  }
  if (r.And) {
    const seen = new Set(known);
    const out: string[] = [];
    for (const child of r.And) {
      out.push(...unguardedRuleReads(child, seen));
      const c = child as { Variable?: string; IsPresent?: boolean };
      if (c.Variable !== undefined && c.IsPresent === true) seen.add(c.Variable);
    }
    return out;
  }
  if (r.Or) return r.Or.flatMap((child) => unguardedRuleReads(child, known));
  if (r.Not) return unguardedRuleReads(r.Not, known);
  return [];
}

/** A path is present if it is structural or a proven location is it or lies below it. */
function isPresent(path: string, known: ReadonlySet<string>): boolean {
  if (ALWAYS.some((re) => re.test(path))) return true;
  for (const fact of known) {
    if (fact === path || fact.startsWith(`${path}.`) || fact.startsWith(`${path}[`)) return true;
  }
  return false;
}

/**
 * For each state, the locations proven present on entry: the intersection, over every edge into
 * it, of what the edge proves (a fixpoint; the start state knows nothing).
 */
function presentFacts(definition: StateMachineDefinition): Map<string, Set<string>> {
  const ALL: Set<string> | "all" = "all";
  const facts = new Map<string, Set<string> | "all">();
  for (const name of Object.keys(definition.States)) facts.set(name, ALL);
  facts.set(definition.StartAt, new Set());
  let changed = true;
  while (changed) {
    changed = false;
    const incoming = new Map<string, Set<string>[]>();
    for (const [name, state] of Object.entries(definition.States)) {
      const here = facts.get(name);
      if (here === "all" || here === undefined) continue;
      for (const [target, proven] of edges(state, here)) {
        const list = incoming.get(target) ?? [];
        list.push(proven);
        incoming.set(target, list);
      }
    }
    for (const [target, list] of incoming) {
      if (target === definition.StartAt) continue;
      const [first, ...rest] = list;
      const meet = new Set(first);
      for (const other of rest) for (const fact of meet) if (!other.has(fact)) meet.delete(fact);
      const before = facts.get(target);
      if (before === "all" || before === undefined || before.size !== meet.size) {
        facts.set(target, meet);
        changed = true;
      }
    }
  }
  const out = new Map<string, Set<string>>();
  for (const [name, value] of facts) out.set(name, value === "all" ? new Set() : value);
  return out;
}

/** `[target, facts proven on arrival]` for each way out of a state. */
function edges(state: State, here: ReadonlySet<string>): [string, Set<string>][] {
  const out: [string, Set<string>][] = [];
  const s = state as unknown as Record<string, unknown>;
  if (state.Type === "Choice") {
    const negated = new Set(here);
    for (const rule of state.Choices) {
      out.push([rule.Next, new Set([...negated, ...provenBy(rule)])]);
      const r = rule as { Not?: { Variable?: string; IsPresent?: boolean } };
      if (r.Not?.Variable !== undefined && r.Not.IsPresent === true) negated.add(r.Not.Variable);
    }
    if (state.Default !== undefined) out.push([state.Default, negated]);
    return out;
  }
  const next = typeof s.Next === "string" ? s.Next : undefined;
  if (next !== undefined) out.push([next, afterState(s, here)]);
  for (const c of (s.Catch as { Next: string; ResultPath?: string | null }[] | undefined) ?? []) {
    // A catcher keeps the state input and adds the error at its ResultPath.
    const keeps = c.ResultPath !== undefined && c.ResultPath !== null && c.ResultPath !== "$";
    out.push([c.Next, keeps ? new Set(here) : new Set()]);
  }
  return out;
}

/** What a rule proves when it matches: the `IsPresent` tests at its top (or in its `And`). */
function provenBy(rule: ChoiceRule): string[] {
  const r = rule as { Variable?: string; IsPresent?: boolean; And?: ChoiceRule[] };
  if (r.Variable !== undefined && r.IsPresent === true) return [r.Variable];
  if (r.And) return r.And.flatMap(provenBy);
  return [];
}

/** Facts after a state's normal output: kept unless the state replaced the whole state. */
function afterState(s: Record<string, unknown>, here: ReadonlySet<string>): Set<string> {
  if (s.Type === "Wait" || s.Type === "Succeed" || s.Type === "Fail") return new Set(here);
  const resultPath = s.ResultPath;
  if (resultPath === null) return new Set(here);
  const producesResult =
    s.Type !== "Pass" ||
    s.Parameters !== undefined ||
    s.Result !== undefined ||
    s.InputPath !== undefined;
  if (resultPath === undefined || resultPath === "$") {
    return producesResult ? new Set() : new Set(here);
  }
  // A child execution's result (startExecution.sync:2) always has its Output; a Pass writes the
  // keys of the object it builds.
  const child =
    s.Resource === TaskResource.ChildWorkflow
      ? [`${resultPath}.Output`]
      : // The child-input Task's result is always a ChildStart: the child's name and state.
        s.Resource === TaskResource.ChildInput
        ? [`${resultPath}.name`, `${resultPath}.state`]
        : [];
  const built = s.Type === "Pass" ? (s.Parameters ?? s.Result) : undefined;
  const keys =
    built !== null && typeof built === "object" && !Array.isArray(built)
      ? Object.keys(built).map((k) => `${resultPath}.${k.replace(/\.\$$/, "")}`)
      : [];
  return new Set([...here, String(resultPath), ...child, ...keys]);
}
