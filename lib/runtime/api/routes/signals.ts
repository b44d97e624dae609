/**
 * `POST /executions/{id}/signals/{name}`: resumes the `await` step waiting for that signal with the
 * JSON body as its result. 200 when a waiting step was resumed; 202 when the execution is running
 * and will reach an `await` for that signal later (the signal is kept and completes the step as
 * soon as it parks); 404 when nothing waits or will wait for it; 409 when it was already delivered
 * or the step stopped waiting. An `await` inside a `map` waits per item: `?item=<index>` (nested
 * maps: the indices joined by `.`, outermost first) addresses one item's waiter.
 */
import { ITEM_ADDRESS, waiterKey } from "../../../core/effect-keys.ts";
import type { CatalogueStep } from "../../../core/project/catalogue.ts";
import { isEngineError } from "../../execution-engine.ts";
import type { ApiDeps } from "../deps.ts";
import { badRequest, conflict, json, notFound, readJson } from "../http.ts";
import { type Route, route } from "../router.ts";
import { requireExecution } from "./executions.ts";

const SIGNAL_NAME = /^[^\s\p{Cc}]{1,256}$/u;

export const signalRoutes: readonly Route<ApiDeps>[] = [
  route("POST", "/executions/{id}/signals/{name}", async ({ deps, params, request }) => {
    const signal = params.name ?? "";
    if (!SIGNAL_NAME.test(signal)) {
      throw badRequest(
        "The signal name must be 1 to 256 characters without spaces or control characters.",
      );
    }
    const item = request.query.item;
    if (item !== undefined && !ITEM_ADDRESS.test(item)) {
      throw badRequest(
        `Query parameter item must be a map item's index, or its indices through nested maps joined by "." (e.g. 2 or 0.1), got ${JSON.stringify(item)}.`,
      );
    }
    const payload = readJson(request, null) ?? null;
    const execution = await requireExecution(deps, params.id ?? "");
    const awaits = awaitsOf(deps.catalogue.get(execution.workflow)?.steps ?? [], signal);
    if (item === undefined && awaits.outside.length === 0 && awaits.inMaps.length > 0) {
      throw badRequest(
        `Signal ${signal} is awaited inside map ${awaits.inMaps.join(", ")}, where each item waits on its own; address one item with ?item=<index> (e.g. ?item=0).`,
      );
    }
    const key = waiterKey(signal, item);
    const expected = item === undefined ? awaits.outside : awaits.inMaps;
    const result = await deps.signals.deliver(execution.id, key, payload, {
      acceptEarly: execution.status === "RUNNING" && expected.length > 0,
    });
    const target = item === undefined ? { signal } : { signal, item };
    const named = item === undefined ? signal : `${signal} for map item ${item}`;
    switch (result.kind) {
      case "not-waiting":
        throw notFound(
          execution.status === "RUNNING"
            ? `No step of execution ${execution.id} waits for signal ${named}.`
            : `Execution ${execution.id} is ${execution.status}; no step waits for signal ${named}.`,
        );
      case "already-delivered":
        throw conflict(`Signal ${named} was already delivered to execution ${execution.id}.`);
      case "stored":
        return json(202, { executionId: execution.id, ...target, delivered: false, pending: true });
      case "waiter":
        try {
          await deps.engine.sendTaskSuccess(result.taskToken, payload);
        } catch (error) {
          if (isEngineError(error, "task-gone")) {
            await deps.signals.markExpired(execution.id, key, result.taskToken);
            throw conflict(
              `Step ${result.stepId} no longer waits for signal ${named} (it timed out or the execution stopped).`,
            );
          }
          await deps.signals.release(execution.id, key, result.taskToken);
          throw error;
        }
        await deps.signals.markDelivered(execution.id, key, result.taskToken);
        return json(200, {
          executionId: execution.id,
          ...target,
          delivered: true,
          step: result.stepId,
        });
    }
  }),
];

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
