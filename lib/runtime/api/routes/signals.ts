/**
 * `POST /executions/{id}/signals/{name}`: resumes the `await` step waiting for that signal with the
 * JSON body as its result (`signal-delivery.ts`). 200 when a waiting step was resumed; 202 when the
 * execution is running and will reach an `await` for that signal later; 404 when nothing waits or
 * will wait for it; 409 when it was already delivered or the step stopped waiting. An `await`
 * inside a `map` waits per item: `?item=<index>` (nested maps: the indices joined by `.`,
 * outermost first) addresses one item's waiter.
 */
import { ITEM_ADDRESS } from "../../../core/effect-keys.ts";
import { deliverSignal } from "../../signal-delivery.ts";
import type { ApiDeps } from "../deps.ts";
import { badRequest, json, readJson } from "../http.ts";
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
    const outcome = await deliverSignal(deps, execution, signal, item, payload);
    const target = item === undefined ? { signal } : { signal, item };
    return json(outcome.delivered ? 200 : 202, {
      executionId: execution.id,
      ...target,
      ...outcome,
    });
  }),
];
