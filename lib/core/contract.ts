/**
 * The contract between compiled ASL and the runtime: the payload each task receives and the
 * execution state layout. The names both sides use (task resources, placeholders, event sources
 * and detail types) are in `wire.ts`. Nothing here imports AWS code.
 */
import type { ExecutionState } from "./execution-state.ts";
import type { HttpMethod, Json, JsonObject } from "./model.ts";
import type { RecordedFailure } from "./recorded-failure.ts";

/**
 * Seconds a service's circuit stays open before one call may probe it, unless its registry entry
 * says otherwise. The compiler makes retries of `Baton.CircuitOpen` wait at least this long.
 */
export const DEFAULT_CIRCUIT_COOLDOWN_SECONDS = 30;

/** What the service-call task receives (resolved `Parameters` of a call or compensation Task). */
export interface ServiceCallRequest {
  readonly workflow: string;
  readonly version: number;
  /** `$$.Execution.Name`: the execution id (the API names executions by their id). */
  readonly executionId: string;
  /** The step this call belongs to (for a compensation, the step being compensated). */
  readonly stepId: string;
  /**
   * The map item the call runs in, `<mapId>[<index>]` (nested maps: `orders[1].lines[0]`); absent
   * outside maps. Part of the idempotency key, so each item's call is its own effect.
   */
  readonly itemPath?: string;
  /** `call` for the step itself, `compensate` for its compensation. */
  readonly mode: "call" | "compensate";
  /** `$$.State.RetryCount` + 1. */
  readonly attempt: number;
  /** Which redrive of the execution this run is (0 for the first run; see the resume entry). */
  readonly redriveCount?: number;
  /** Seconds for this attempt; the handler aborts the request after it. */
  readonly timeout: number;
  /** Whether the workflow declared `idempotent: true` (informational). */
  readonly idempotent?: boolean;
  readonly service: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly query?: { readonly [key: string]: Json };
  readonly headers?: { readonly [key: string]: Json };
  readonly body?: Json;
  /**
   * Present when `path`, `query`, `headers` or `body` hold `{{ … }}` templates: the values they
   * may read. The handler resolves them (a read of an absent value without `??` fails the step with
   * `Baton.TemplateError`), because a JSONPath in `Parameters` would fail uncatchably instead.
   */
  readonly data?: TemplateData;
  /**
   * The first step of a machine that starts at it sends the machine's whole input here instead of
   * `executionId`, `redriveCount` and `data` (lib/core/entry-request.ts), with `dataFromState`
   * naming the roots its templates read.
   */
  readonly state?: Json;
  readonly dataFromState?: readonly string[];
  /**
   * A compensation's `$.failure` (the failure being compensated): recorded, or caught as the
   * failing Task's `Catch` left it (lib/core/recorded-failure.ts). A caught one means this undo is
   * the first of the saga (with `opens`): the handler publishes `Compensation Started` before it. The
   * result carries the recorded failure back (`failure`), which the Task writes to `$.failure`.
   */
  readonly failure?: Json;
  /**
   * An undo of the top-level chain's clean copy, where a caught `failure` means the saga starts
   * here (elsewhere, e.g. after an undo failed, it may still be caught though the saga started).
   */
  readonly opens?: boolean;
  /**
   * This undo ends the saga's chain when it succeeds (the last compensation of a linear saga): the
   * handler publishes `Compensation Completed` after it, so no event state follows it.
   */
  readonly completes?: boolean;
  /**
   * `select: body.items`: keep only that part of the response as `body`. Applied by the handler; a
   * response without it fails the step with `Baton.OutputInvalid` (the call took effect, so its
   * compensation runs).
   */
  readonly select?: string;
  /**
   * The step's `output` JSON Schema: the body (after `select`) must match it, else the step fails
   * with `Baton.OutputInvalid`, not retried (the call took effect, so it is compensated).
   */
  readonly output?: JsonObject;
  /**
   * Set by `<id>#again`, the Task making a compensable step's remaining attempts after one whose
   * outcome was unknown (see `AgainRetry`): `attempt` then counts that Task's own attempts.
   */
  readonly again?: AgainAttempts;
}

export interface AgainAttempts {
  /** The step's `retry.maxAttempts`: attempts in all, those before `#again` included. */
  readonly maxAttempts: number;
  /** Error names the step's policy retries (`Baton.CircuitOpen` when it retries an open circuit). */
  readonly retryOn: readonly string[];
  /** The caught `Cause` of the uncertain attempt: its failure names the attempt it was. */
  readonly after?: string;
}

/**
 * The values a call's templates read, each taken from a location that always exists where the
 * Task runs (`$.input`, `$.steps`, `$.outer`, `$.item`, `$.index`, `$.context`, `$.failure`), so
 * building this payload can never fail. Only the roots the templates use are sent.
 */
export interface TemplateData {
  readonly input?: Json;
  /** This scope's step results; `outer` holds the enclosing scopes' (branches, map items). */
  readonly steps?: Json;
  readonly outer?: Json;
  readonly item?: Json;
  readonly index?: Json;
  /** The loop iteration the call runs in (0-based), inside a loop. */
  readonly iteration?: Json;
  /** `{executionId, startedAt, redriveCount}` for `execution.startedAt`. */
  readonly context?: Json;
  /** The recorded failure `{name, message, step}`, read by compensations as `error`. */
  readonly error?: Json;
}

/** What the service-call task returns on success; stored at `$.steps.<id>`. */
export interface ServiceCallResult {
  readonly status: number;
  readonly headers: { readonly [key: string]: string };
  readonly body: Json;
  /** Instance id that served the call. */
  readonly instance: string;
  readonly attempt: number;
  /** A compensation given `failure`: it in the recorded shape, for the Task to write back. */
  readonly failure?: RecordedFailure;
}

/**
 * A failed call throws an error whose `name` is from `errors.ts` and whose message is a JSON string
 * of this shape, so ASL `Cause` carries it to the execution record.
 */
export interface ServiceCallFailure {
  readonly message: string;
  readonly step: string;
  /** The attempt that failed (1 for the first), when the handler knows it. */
  readonly attempt?: number;
  readonly status?: number;
  readonly instance?: string;
}

/**
 * What the child-input task (`TaskResource.ChildInput`, the start-execution Lambda) receives before a
 * `workflow` step starts its child: the step's `input` as written plus the state roots its
 * templates read. The handler resolves the templates (an absent read fails the step with
 * `Baton.TemplateError`), checks the result against the child's input schema (a mismatch fails it
 * with `Baton.InvalidInput`, published as `Execution Rejected` with source `workflow`) and returns
 * the child's start (`ChildStart`): its input, schema defaults applied, in the state it starts with.
 */
export interface ChildInputRequest {
  /** Tells this request from a trigger's on the shared handler. */
  readonly check: "child-input";
  /** The parent workflow, its version and execution, and the `workflow` step. */
  readonly workflow: string;
  readonly version: number;
  readonly executionId: string;
  readonly stepId: string;
  /** The map item the step runs in, as `ServiceCallRequest.itemPath`; absent outside maps. */
  readonly itemPath?: string;
  /** The child workflow's name. */
  readonly child: string;
  /** The step's `input` as written (templates unresolved). */
  readonly input: Json;
  /** Present when `input` holds templates: the values they may read. */
  readonly data?: TemplateData;
}

/**
 * What the child-input task returns: the name the `workflow` step starts the child under
 * (`Name.$`) and the child's state built with it (`Input.$`), whose `context.startedBy` names the
 * parent (`workflow:<parent workflow>/<parent execution id>`), so the child's record says who
 * started it.
 */
// A type alias (not an interface) so a start is a `Json` value as it is.
export type ChildStart = {
  readonly name: string;
  readonly state: ExecutionState;
};

/** Payload of the await-signal task (`.waitForTaskToken`). */
export interface AwaitSignalRequest {
  readonly workflow: string;
  readonly executionId: string;
  readonly stepId: string;
  readonly signal: string;
  /** The map item the await runs in (as `ServiceCallRequest.itemPath`): each item waits on its own. */
  readonly itemPath?: string;
  readonly taskToken: string;
  readonly timeout: number;
}

/**
 * Execution state layout while a compiled workflow runs (the JSONPath `$`):
 * - `$.input`: the execution input.
 * - `$.context`: `{ executionId, startedAt, redriveCount }` (built by the API's start request, or
 *   by the `Start` Pass from a raw input; see execution-state.ts).
 * - `$.steps.<id>`: each finished step's result. Skipped and failed steps are absent, except a step
 *   that failed after an attempt whose outcome is unknown (it may have taken effect): it holds
 *   `{uncertain: true}`. So `IsPresent` on `$.steps.<id>` means "succeeded or may have taken
 *   effect", which is exactly what the compensation guards need.
 * - `$.item`, `$.index`, `$.itemPath`: inside a map iteration (`itemPath`: `<mapId>[<index>]`,
 *   joined by `.` through nested maps).
 * - `$.failure`: `{ name, message, step, cause }` once a step failed (read by compensations as
 *   `error`; `cause` is the first three as JSON text, what the final `Fail` reports).
 * - `$.compensationFailed`: the error of a compensation that failed after its retries (the chain
 *   goes on on its dirty copy; map and loop entries read it).
 */
export const STATE = {
  input: "$.input",
  context: "$.context",
  steps: "$.steps",
  item: "$.item",
  index: "$.index",
  itemPath: "$.itemPath",
  failure: "$.failure",
  compensationFailed: "$.compensationFailed",
} as const;
