/**
 * Attempts of an execution's steps, from its events (`GET /executions/{id}/events`): every
 * `Step Started` paired with the `Step Succeeded`, `Step Failed` or `Step Compensated` of the same
 * step, mode (`call` or `compensate`) and attempt; and the order compensations ran in. Pure: no DOM.
 */
import type { ExecutionEvent } from "../../runtime/records/document.ts";

export type AttemptMode = "call" | "compensate";
export type AttemptOutcome = "running" | "succeeded" | "failed" | "compensated";

export interface Attempt {
  readonly stepId: string;
  readonly mode: AttemptMode;
  readonly attempt: number;
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly outcome: AttemptOutcome;
  /** HTTP status the service answered, when it answered. */
  readonly httpStatus?: number;
  readonly instance?: string;
  readonly error?: string;
}

type Obj = { readonly [key: string]: unknown };
const isObj = (value: unknown): value is Obj =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

const OUTCOMES: Readonly<Record<string, AttemptOutcome>> = {
  "Step Succeeded": "succeeded",
  "Step Failed": "failed",
  "Step Compensated": "compensated",
};

export function attemptsOf(events: readonly ExecutionEvent[]): Attempt[] {
  const byKey = new Map<string, Attempt>();
  for (const event of [...events].sort((a, b) =>
    a.time < b.time ? -1 : a.time > b.time ? 1 : 0,
  )) {
    const detail = isObj(event.detail) ? event.detail : {};
    const stepId = event.stepId ?? str(detail.stepId);
    const mode =
      detail.mode === "compensate" ? "compensate" : detail.mode === "call" ? "call" : undefined;
    const attempt = event.attempt ?? (typeof detail.attempt === "number" ? detail.attempt : 1);
    if (stepId === undefined || mode === undefined) continue;
    const key = `${stepId}\u0000${mode}\u0000${attempt}`;
    const known = byKey.get(key);
    const startedAt = str(detail.startedAt) ?? known?.startedAt ?? event.time;
    if (event.type === "Step Started") {
      if (known === undefined)
        byKey.set(key, { stepId, mode, attempt, startedAt, outcome: "running" });
      continue;
    }
    const outcome = OUTCOMES[event.type];
    if (outcome === undefined) continue;
    const error = isObj(detail.error)
      ? `${str(detail.error.name) ?? "Error"}: ${str(detail.error.message) ?? ""}`
      : undefined;
    const instance = str(detail.instance);
    byKey.set(key, {
      stepId,
      mode,
      attempt,
      startedAt,
      endedAt: str(detail.endedAt) ?? event.time,
      outcome,
      ...(typeof detail.status === "number" ? { httpStatus: detail.status } : {}),
      ...(instance === undefined ? {} : { instance }),
      ...(error === undefined ? {} : { error }),
    });
  }
  return [...byKey.values()];
}

/** Steps in the order their compensation finished (the saga undoes newest first). */
export function compensationOrder(events: readonly ExecutionEvent[]): string[] {
  return attemptsOf(events)
    .filter((a) => a.mode === "compensate" && a.outcome === "compensated")
    .sort((a, b) => ((a.endedAt ?? "") < (b.endedAt ?? "") ? -1 : 1))
    .map((a) => a.stepId);
}

/** Where a bar sits on the execution's time axis, in percent of its width. */
export function barPosition(
  from: string,
  to: string | undefined,
  axis: { readonly start: number; readonly end: number },
): { readonly left: number; readonly width: number } {
  const span = Math.max(1, axis.end - axis.start);
  const start = Date.parse(from);
  const end = to === undefined ? axis.end : Date.parse(to);
  const left = Math.min(100, Math.max(0, ((start - axis.start) / span) * 100));
  const width = Math.max(0.6, Math.min(100 - left, ((end - start) / span) * 100));
  return { left, width };
}
