/**
 * `POST /executions/{id}/signals/{name}`: resumes the `await` step waiting for that signal with the
 * JSON body as its result. 200 when a waiting step was resumed; 202 when the execution is running
 * and will reach an `await` for that signal later (the signal is kept and completes the step as
 * soon as it parks); 404 when nothing waits or will wait for it; 409 when it was already delivered
 * or the step stopped waiting.
 */
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
    const payload = readJson(request, null) ?? null;
    const execution = await requireExecution(deps, params.id ?? "");
    const awaits = deps.catalogue
      .get(execution.workflow)
      ?.steps.some((step) => step.kind === "await" && step.signal === signal);
    const result = await deps.signals.deliver(execution.id, signal, payload, {
      acceptEarly: execution.status === "RUNNING" && awaits === true,
    });
    switch (result.kind) {
      case "not-waiting":
        throw notFound(
          execution.status === "RUNNING"
            ? `No step of execution ${execution.id} waits for signal ${signal}.`
            : `Execution ${execution.id} is ${execution.status}; no step waits for signal ${signal}.`,
        );
      case "already-delivered":
        throw conflict(`Signal ${signal} was already delivered to execution ${execution.id}.`);
      case "stored":
        return json(202, { executionId: execution.id, signal, delivered: false, pending: true });
      case "waiter":
        try {
          await deps.engine.sendTaskSuccess(result.taskToken, payload);
        } catch (error) {
          if (isEngineError(error, "task-gone")) {
            await deps.signals.markExpired(execution.id, signal, result.taskToken);
            throw conflict(
              `Step ${result.stepId} no longer waits for signal ${signal} (it timed out or the execution stopped).`,
            );
          }
          await deps.signals.release(execution.id, signal, result.taskToken);
          throw error;
        }
        await deps.signals.markDelivered(execution.id, signal, result.taskToken);
        return json(200, {
          executionId: execution.id,
          signal,
          delivered: true,
          step: result.stepId,
        });
    }
  }),
];
