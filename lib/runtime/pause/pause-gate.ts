/**
 * The check a call attempt passes before anything is sent (docs/limits-and-pause.md). Not paused:
 * the attempt goes on, its number corrected by the attempts turned away earlier. Paused: it parks
 * here up to `PAUSE_PARK_MS`, polling, and goes on if resumed meanwhile; otherwise it is counted
 * and fails with `Baton.Paused`, which the Task's own retrier (`PAUSE_RETRIER`) asks again later.
 * Compensations never wait: a cancel of a paused execution compensates at once.
 */
import type { ServiceCallRequest } from "../../core/contract.ts";
import { BatonError } from "../../core/errors.ts";
import type { Clock } from "../circuit/clock.ts";
import { BatonRuntimeError } from "../errors.ts";
import type { PauseState, PauseStore } from "./pause-store.ts";

/** Longest a paused attempt waits in the handler before handing back to Step Functions. */
export const PAUSE_PARK_MS = 5_000;
const POLL_MS = 250;

export interface GateResult {
  readonly request: ServiceCallRequest;
  /** Milliseconds spent parked (the Lambda's remaining time shrank by as much). */
  readonly waitedMs: number;
}

export const pauseKey = (request: ServiceCallRequest): string =>
  request.itemPath === undefined ? request.stepId : `${request.itemPath}.${request.stepId}`;

export async function passPauseGate(
  request: ServiceCallRequest,
  store: PauseStore,
  clock: Clock,
  options: { readonly maxWaitMs?: number; readonly sleep?: (ms: number) => Promise<void> } = {},
): Promise<GateResult> {
  if (request.mode !== "call") return { request, waitedMs: 0 };
  const started = clock.now();
  const read = async (): Promise<PauseState | undefined> => {
    try {
      return await store.get(request.executionId);
    } catch {
      // Pause is a request, not a safety rule: an unreadable flag does not stop the call.
      return undefined;
    }
  };
  let state = await read();
  const park = Math.max(0, Math.min(PAUSE_PARK_MS, options.maxWaitMs ?? PAUSE_PARK_MS));
  const sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  while (state?.paused === true && clock.now() - started < park) {
    await sleep(POLL_MS);
    state = await read();
  }
  const waitedMs = clock.now() - started;
  if (state?.paused === true) {
    await store.bounce(request.executionId, pauseKey(request)).catch(() => undefined);
    throw new BatonRuntimeError(
      BatonError.Paused,
      `Execution ${request.executionId} is paused: step ${request.stepId} was not sent and waits until POST /executions/${request.executionId}/resume.`,
      { step: request.stepId },
    );
  }
  const turnedAway = state?.bounces[pauseKey(request)] ?? 0;
  if (turnedAway === 0) return { request, waitedMs };
  return {
    request: { ...request, attempt: Math.max(1, request.attempt - turnedAway) },
    waitedMs,
  };
}
