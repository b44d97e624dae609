/**
 * The service calls one run of an execution has in flight, so `stop` can abort them (Step
 * Functions cannot, but locally the HTTP request is ours) and the cancel can wait for them, then
 * compensate what they may have done. Each settles to an outcome:
 * - `succeeded`: the call completed (before the abort took effect); its result is known.
 * - `failed`: the service answered with an error: it had no effect.
 * - `unknown`: no answer came (aborted by the stop, timed out, or still running when the wait
 *   ended): it may have taken effect, so it is compensated as uncertain.
 */
import { BatonError } from "../core/errors.ts";
import type { Json } from "../core/model.ts";

export type InFlightOutcome = "succeeded" | "failed" | "unknown";

export interface SettledCall {
  readonly stepId: string;
  readonly mode: "call" | "compensate";
  readonly outcome: InFlightOutcome;
  /** The call's result when it succeeded. */
  readonly result?: Json;
}

/** Errors after which the request may have reached the service and taken effect. */
const UNKNOWN_OUTCOME: ReadonlySet<string> = new Set([
  BatonError.Timeout,
  BatonError.Cancelled,
  "Baton.ConnectionLost",
  "States.Timeout",
]);

export class InFlightCalls {
  readonly #controller = new AbortController();
  readonly #pending = new Map<Promise<SettledCall>, Omit<SettledCall, "outcome">>();

  /** Aborted when the execution stops; the service call aborts its request on it. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Tracks one call until it settles; returns `call` unchanged. */
  track<T extends Json>(stepId: string, mode: "call" | "compensate", call: Promise<T>): Promise<T> {
    const settled: Promise<SettledCall> = call.then(
      (result) => ({ stepId, mode, outcome: "succeeded", result }),
      (error: unknown) => ({
        stepId,
        mode,
        outcome: UNKNOWN_OUTCOME.has(nameOf(error)) ? "unknown" : "failed",
      }),
    );
    this.#pending.set(settled, { stepId, mode });
    void settled.then(() => this.#pending.delete(settled));
    return call;
  }

  /**
   * Aborts every call in flight and waits for them, at most `timeoutMs`; a call still running
   * then counts as `unknown`. Returns what the calls in flight at this moment did.
   */
  async abort(timeoutMs: number): Promise<SettledCall[]> {
    const pending = [...this.#pending];
    this.#controller.abort();
    if (pending.length === 0) return [];
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), timeoutMs);
    });
    const outcomes = await Promise.all(
      pending.map(([call, which]) =>
        Promise.race([call, late]).then(
          (settled): SettledCall =>
            settled === "late" ? { ...which, outcome: "unknown" } : settled,
        ),
      ),
    );
    clearTimeout(timer);
    return outcomes;
  }
}

const nameOf = (error: unknown): string => (error instanceof Error ? error.name : "");
