/**
 * Delivering a signal to the `await` step waiting for it: the step resumes with the payload as its
 * result. A signal that arrives before the step parks is kept (when the execution is running and
 * will reach such a step) and completes the step as soon as it parks. An `await` inside a `map`
 * waits per item, addressed by the item's index (nested maps: the indices joined by `.`).
 */
import { waiterKey } from "../core/effect-keys.ts";
import type { Json } from "../core/model.ts";
import type { CatalogueStep } from "../core/project/catalogue.ts";
import { isEngineError } from "./execution-engine.ts";
import {
  ExecutionStateError,
  type ExecutionsDeps,
  executionWorkflow,
} from "./execution-lifecycle.ts";
import type { ExecutionDocument } from "./records/document.ts";

/** The signal needs a map item to address (400). */
export class SignalTargetError extends Error {
  override readonly name = "SignalTargetError";
}

/** No step waits, or will wait, for the signal (404). */
export class SignalNotAwaitedError extends Error {
  override readonly name = "SignalNotAwaitedError";
}

export type SignalOutcome =
  /** A waiting step was resumed. */
  | { readonly delivered: true; readonly step: string }
  /** Kept for the step that will wait for it. */
  | { readonly delivered: false; readonly pending: true };

export async function deliverSignal(
  deps: Pick<ExecutionsDeps, "catalogue" | "signals" | "engine">,
  execution: ExecutionDocument,
  signal: string,
  item: string | undefined,
  payload: Json,
): Promise<SignalOutcome> {
  const awaits = awaitsOf(executionWorkflow(deps, execution)?.steps ?? [], signal);
  if (item === undefined && awaits.outside.length === 0 && awaits.inMaps.length > 0) {
    throw new SignalTargetError(
      `Signal ${signal} is awaited inside map ${awaits.inMaps.join(", ")}, where each item waits on its own; address one item with ?item=<index> (e.g. ?item=0).`,
    );
  }
  const key = waiterKey(signal, item);
  const expected = item === undefined ? awaits.outside : awaits.inMaps;
  const result = await deps.signals.deliver(execution.id, key, payload, {
    acceptEarly: execution.status === "RUNNING" && expected.length > 0,
  });
  const named = item === undefined ? signal : `${signal} for map item ${item}`;
  switch (result.kind) {
    case "not-waiting":
      throw new SignalNotAwaitedError(
        execution.status === "RUNNING"
          ? `No step of execution ${execution.id} waits for signal ${named}.`
          : `Execution ${execution.id} is ${execution.status}; no step waits for signal ${named}.`,
      );
    case "already-delivered":
      throw new ExecutionStateError(
        `Signal ${named} was already delivered to execution ${execution.id}.`,
      );
    case "stored":
      return { delivered: false, pending: true };
    case "waiter":
      try {
        await deps.engine.sendTaskSuccess(result.taskToken, payload);
      } catch (error) {
        if (isEngineError(error, "task-gone")) {
          await deps.signals.markExpired(execution.id, key, result.taskToken);
          throw new ExecutionStateError(
            `Step ${result.stepId} no longer waits for signal ${named} (it timed out or the execution stopped).`,
          );
        }
        await deps.signals.release(execution.id, key, result.taskToken);
        throw error;
      }
      await deps.signals.markDelivered(execution.id, key, result.taskToken);
      return { delivered: true, step: result.stepId };
  }
}

/**
 * The `await` steps of a workflow that wait for `signal`: ids of the maps holding them (each item
 * waits on its own) and whether one waits outside any map.
 */
function awaitsOf(
  steps: readonly CatalogueStep[],
  signal: string,
): { outside: string[]; inMaps: string[] } {
  const byId = new Map(steps.map((step) => [step.id, step]));
  const enclosingMap = (step: CatalogueStep): string | undefined => {
    for (let scope = step.scope; scope !== "/"; ) {
      const parent = byId.get(scope.split("/")[0] ?? "");
      if (parent === undefined) return undefined;
      if (parent.kind === "map") return parent.id;
      scope = parent.scope;
    }
    return undefined;
  };
  const outside: string[] = [];
  const inMaps = new Set<string>();
  for (const step of steps) {
    if (step.kind !== "await" || step.signal !== signal) continue;
    const map = enclosingMap(step);
    if (map === undefined) outside.push(step.id);
    else inMaps.add(map);
  }
  return { outside, inMaps: [...inMaps] };
}
