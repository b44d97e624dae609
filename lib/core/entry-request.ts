/**
 * The first step's entry. A machine whose first state is a service-call Task starts there, with no
 * entry Choice in front (one transition less on every run, as a hand-wired machine starts at its
 * first Task). That Task sends the machine's whole input as `state` instead of reading
 * `$.context…` (absent from a raw input, a read `States.Runtime` no Catch could catch), and the
 * handler tells the runs that are not normal ones apart before doing anything:
 *
 * - a resume request (`batonResume`) fails with `Baton.EntryResume`, a compensate-only request
 *   (`batonCompensate`) with `Baton.EntryCompensate`, a raw input (a child execution, a direct
 *   Step Functions start) with `Baton.EntryRaw`; the Task's `Catch` (ResultPath null, the input
 *   kept) sends each to the state that builds its execution state (compile.ts), which goes on to
 *   the chain or back to this Task;
 * - a built state (`execution-state.ts`) becomes the request every other Task sends: its
 *   `executionId` and `redriveCount` from the state's context, its template data from the state.
 *
 * Nothing is sent, published or counted before that, so only resume, compensate-only and raw runs
 * pay one more invocation and two more transitions; normal runs pay nothing.
 */
import type { ServiceCallRequest, TemplateData } from "./contract.ts";
import { isExecutionState } from "./execution-state.ts";

/** The redirect names (not in the error catalogue: never a step's error, not retried). */
export const EntryRedirect = {
  Resume: "Baton.EntryResume",
  CompensateOnly: "Baton.EntryCompensate",
  RawInput: "Baton.EntryRaw",
} as const;
export type EntryRedirectName = (typeof EntryRedirect)[keyof typeof EntryRedirect];

export class EntryRedirectError extends Error {
  override readonly name: EntryRedirectName;

  constructor(name: EntryRedirectName, message: string) {
    super(message);
    this.name = name;
  }
}

/** The template roots a first step may read (top level: no item, iteration or outer results). */
const STATE_ROOTS = ["input", "steps", "context"] as const;

/**
 * The request as any other Task sends it, from a first step's `state` form; a request without
 * `state` is returned as it is. Throws `EntryRedirectError` for a run that does not start here.
 */
export function entryRequest(request: ServiceCallRequest): ServiceCallRequest {
  const { state, dataFromState, ...rest } = request;
  if (state === undefined) return request;
  const fields =
    typeof state === "object" && state !== null && !Array.isArray(state) ? state : undefined;
  if (fields !== undefined && "batonResume" in fields)
    throw new EntryRedirectError(
      EntryRedirect.Resume,
      "A resume request: restore its state first.",
    );
  if (fields !== undefined && "batonCompensate" in fields)
    throw new EntryRedirectError(
      EntryRedirect.CompensateOnly,
      "A compensate-only request: run the compensation chain.",
    );
  if (!isExecutionState(state))
    throw new EntryRedirectError(
      EntryRedirect.RawInput,
      "A raw input: build the execution state first.",
    );
  const roots = (dataFromState ?? []).filter((root): root is (typeof STATE_ROOTS)[number] =>
    (STATE_ROOTS as readonly string[]).includes(root),
  );
  const data: TemplateData = Object.fromEntries(roots.map((root) => [root, state[root]]));
  return {
    ...rest,
    executionId: state.context.executionId,
    redriveCount: state.context.redriveCount,
    ...(roots.length === 0 ? {} : { data }),
  };
}
