/**
 * The sagas the cost bench compares: Baton workflows and, for each, the machine a careful engineer
 * wires by hand for the same steps (the aws-samples saga-pattern-cdk shape: one Lambda Task per
 * step, each Catch going to the chain of undo Tasks for the steps that succeeded before it, then a
 * Fail; a Succeed at the end). Parallel steps and map items are undone by a Parallel or Map of
 * undo Tasks, because by hand one cannot tell which branches or items succeeded.
 */
import type { StateMachineDefinition } from "../../lib/core/asl.ts";
import { REFERENCE_LAMBDA } from "./engine-count.ts";

export interface Scenario {
  readonly name: string;
  /** The Baton workflow document (what a user writes). */
  readonly workflow: unknown;
  readonly input: unknown;
  /** Items of each map (the walk and the run must agree). */
  readonly mapItems: number;
  readonly reference: StateMachineDefinition;
}

type States = StateMachineDefinition["States"];

const call = (id: string) => ({
  id,
  call: `svc POST /${id}`,
  compensate: { call: `svc DELETE /${id}` },
});

const task = (next: string | undefined, catchTo?: string): States[string] =>
  ({
    Type: "Task",
    Resource: REFERENCE_LAMBDA,
    ResultPath: null,
    Retry: [
      {
        ErrorEquals: [
          "Lambda.ServiceException",
          "Lambda.AWSLambdaException",
          "Lambda.SdkClientException",
        ],
        MaxAttempts: 2,
        IntervalSeconds: 1,
        BackoffRate: 2,
      },
    ],
    ...(catchTo === undefined
      ? {}
      : { Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: catchTo }] }),
    ...(next === undefined ? { End: true } : { Next: next }),
  }) as States[string];

/** Undo chain: undo ids in order, then Fail. Returns the first state's name. */
function undoChain(states: Record<string, unknown>, ids: readonly string[]): string {
  let next = "Saga failed";
  for (const id of [...ids].reverse()) {
    const name = `Undo ${id}`;
    if (states[name] === undefined) states[name] = task(next);
    next = name;
  }
  return next;
}

/** Transient Lambda faults are retried, as in the samples; a step's own failure is not. */
function linearReference(ids: readonly string[]): StateMachineDefinition {
  const states: Record<string, unknown> = {
    "Saga failed": { Type: "Fail", Error: "SagaFailed", Cause: "a step failed; undone" },
    "Saga succeeded": { Type: "Succeed" },
  };
  ids.forEach((id, i) => {
    states[id] = task(ids[i + 1] ?? "Saga succeeded", undoChain(states, ids.slice(0, i).reverse()));
  });
  return { StartAt: ids[0] ?? "Saga succeeded", States: states as States };
}

export function linear(n: number): Scenario {
  const ids = Array.from({ length: n }, (_, i) => `s${i + 1}`);
  return {
    name: `linear ${n}`,
    workflow: { workflow: `linear-${n}`, steps: ids.map(call) },
    input: {},
    mapItems: 0,
    reference: linearReference(ids),
  };
}

/** a, then b1 | b2 | b3 in parallel, then j (fan-in). */
export function fanOut(): Scenario {
  const branches = ["b1", "b2", "b3"];
  const states: Record<string, unknown> = {
    "Saga failed": { Type: "Fail", Error: "SagaFailed", Cause: "a step failed; undone" },
    "Saga succeeded": { Type: "Succeed" },
    "Undo a": task("Saga failed"),
    "Undo fan": {
      Type: "Parallel",
      Branches: branches.map((b) => ({
        StartAt: `Undo ${b}`,
        States: { [`Undo ${b}`]: task(undefined) },
      })),
      ResultPath: null,
      Next: "Undo a",
    },
    a: task("fan", "Saga failed"),
    fan: {
      Type: "Parallel",
      Branches: branches.map((b) => ({ StartAt: b, States: { [b]: task(undefined) } })),
      ResultPath: null,
      // A failed branch may leave its siblings done: undo the whole fan-out, then a.
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Undo fan" }],
      Next: "j",
    },
    j: task("Saga succeeded", "Undo fan"),
  };
  return {
    name: "fan-out/fan-in",
    workflow: {
      workflow: "fan-out",
      steps: [
        call("a"),
        ...branches.map((b) => ({ ...call(b), dependsOn: ["a"] })),
        { ...call("j"), dependsOn: branches },
      ],
    },
    input: {},
    mapItems: 0,
    reference: { StartAt: "a", States: states as States },
  };
}

/** p, then a map over input.items calling q per item, then f. */
export function mapSaga(items: number): Scenario {
  const states: Record<string, unknown> = {
    "Saga failed": { Type: "Fail", Error: "SagaFailed", Cause: "a step failed; undone" },
    "Saga succeeded": { Type: "Succeed" },
    "Undo p": task("Saga failed"),
    "Undo each q": {
      Type: "Map",
      ItemsPath: "$.items",
      ItemProcessor: {
        ProcessorConfig: { Mode: "INLINE" },
        StartAt: "Undo q",
        States: { "Undo q": task(undefined) },
      },
      ResultPath: null,
      Next: "Undo p",
    },
    p: task("each", "Saga failed"),
    each: {
      Type: "Map",
      ItemsPath: "$.items",
      ItemProcessor: {
        ProcessorConfig: { Mode: "INLINE" },
        StartAt: "q",
        States: { q: task(undefined) },
      },
      ResultPath: null,
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Undo each q" }],
      Next: "f",
    },
    f: task("Saga succeeded", "Undo each q"),
  };
  return {
    name: `map of ${items}`,
    workflow: {
      workflow: "map-saga",
      steps: [
        call("p"),
        { id: "each", map: { items: "{{ input.items }}", steps: [call("q")] } },
        call("f"),
      ],
    },
    input: { items: Array.from({ length: items }, (_, i) => ({ n: i })) },
    mapItems: items,
    reference: { StartAt: "p", States: states as States },
  };
}
