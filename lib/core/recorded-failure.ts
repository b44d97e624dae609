/**
 * `$.failure`, the failure a compensation chain and the final `Fail` read. Two shapes reach it:
 *
 * - recorded: `{name, message, step, Error, Cause}`, written by a Pass (compiler/failure.ts) or by
 *   the first undo's handler; `Cause` is the JSON text `{Error, Cause, step}`.
 * - caught: `{Error, Cause}` exactly as a `Catch` leaves it, when a service-call Task's Baton error
 *   goes straight to its first undo (or to `Fail`) with no Pass on the way, as a hand-wired saga
 *   does. `Cause` is then the handler's error message, `{message, step, …}` as JSON, inside the
 *   Lambda error envelope `{errorMessage, errorType, …}` in AWS.
 *
 * Both have `Error` and `Cause`, which is all the `Fail` states read; the undo handler turns a
 * caught one into a recorded one (`recordedFailure`) for the states and templates after it.
 */
import type { Json } from "./model.ts";

export interface RecordedFailure {
  readonly name: string;
  readonly message: string;
  readonly step: string;
  readonly Error: string;
  readonly Cause: string;
}

/** The message and step inside an error's cause text (any of the shapes above, or plain text). */
export function parseCause(cause: string | undefined): { message?: string; step?: string } {
  if (cause === undefined) return {};
  const json = parseJsonText(cause);
  if (json === undefined || typeof json !== "object" || json === null || Array.isArray(json))
    return { message: cause };
  const o = json as Readonly<Record<string, unknown>>;
  // A failure recorded from a caught error: {Error, Cause, step} (compiler/failure.ts).
  if (typeof o.Cause === "string" && typeof o.step === "string") {
    return { message: parseCause(o.Cause).message ?? o.Cause, step: o.step };
  }
  if (typeof o.errorMessage === "string") {
    const inner = parseCause(o.errorMessage);
    return inner.step === undefined ? { message: o.errorMessage } : inner;
  }
  // A Baton failure's message may itself be a Lambda error envelope or a service-call failure.
  const message =
    typeof o.message === "string" ? (parseCause(o.message).message ?? o.message) : cause;
  return { message, ...(typeof o.step === "string" ? { step: o.step } : {}) };
}

/** Whether `value` is a caught `{Error, Cause}` that no state has recorded yet. */
export function isCaughtFailure(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { Error?: unknown }).Error === "string" &&
    typeof (value as { name?: unknown }).name !== "string"
  );
}

/**
 * The recorded shape of `$.failure` (either shape in, see the header); `undefined` for anything
 * that is neither. A recorded failure keeps its fields; a caught one gets `name`, `message` and
 * `step` from its cause, and a `Cause` in the recorded form, so every failure reports the same.
 */
export function recordedFailure(value: unknown): RecordedFailure | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const o = value as Readonly<Record<string, unknown>>;
  const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
  const name = text(o.name) ?? text(o.Error);
  if (name === undefined) return undefined;
  if (text(o.name) !== undefined) {
    // A Pass records the caught Cause as the message: the handler's JSON, in AWS inside the
    // Lambda error envelope. The readable message (and step) inside it is what events report.
    const parsed = parseCause(text(o.message));
    const message = parsed.message ?? "";
    const step = text(o.step) || (parsed.step ?? "");
    return {
      name,
      message,
      step,
      Error: text(o.Error) ?? name,
      Cause:
        text(o.Cause) ?? text(o.cause) ?? JSON.stringify({ Error: name, Cause: message, step }),
    };
  }
  const caught = text(o.Cause);
  const parsed = parseCause(caught);
  const message = parsed.message ?? caught ?? "";
  const step = parsed.step ?? "";
  return {
    name,
    message,
    step,
    Error: name,
    Cause: JSON.stringify({ Error: name, Cause: caught ?? message, step }),
  };
}

function parseJsonText(value: string): Json | undefined {
  try {
    return JSON.parse(value) as Json;
  } catch {
    return undefined;
  }
}
