/**
 * Execution records: the `ExecutionStore` port (DynamoDB: `aws/dynamo-execution-store.ts`).
 *
 * A record is a small execution item (the "head": start, cancel, status changes and compensation
 * phase) plus the execution's events appended as their own log items. The document is the merge (`state.ts`) of the head, the
 * delta of every logged event and any extra delta logged with them (a finished run's state trace):
 * appending never rewrites what is there, so records grow linearly with the steps.
 */
import type { ExecutionDocument, ExecutionEvent, ExecutionStatus, Page } from "./document.ts";
import type { RecordState } from "./state.ts";

/** A pagination cursor that is malformed or belongs to another listing (the API answers 400). */
export class InvalidCursorError extends Error {
  override readonly name = "InvalidCursorError";
}

export interface MergeResult {
  readonly document: ExecutionDocument;
  readonly state: RecordState;
  /** The state before this merge; undefined when the record did not exist. */
  readonly previous: RecordState | undefined;
  /** false when the delta was already contained in the head (a duplicate). */
  readonly changed: boolean;
}

/** One event as logged: its order key among the execution's events, and the event. */
export interface LoggedEvent {
  readonly order: string;
  readonly event: ExecutionEvent;
}

/** What is stored of one execution, read in one consistent query. */
export interface StoredRecord {
  /** The execution item's state; undefined when it does not exist yet. */
  readonly head: RecordState | undefined;
  /** Write counter of the execution item (0 when absent); head writes are conditional on it. */
  readonly rev: number;
  /** Order keys of the logged events. */
  readonly orders: ReadonlySet<string>;
  /** The head merged with every logged event and extra delta; undefined when nothing is stored. */
  readonly state: RecordState | undefined;
}

export interface ListOptions {
  readonly limit: number;
  readonly cursor?: string;
}

export interface ExecutionListOptions extends ListOptions {
  readonly status?: ExecutionStatus;
  /** Only executions whose `<startedAt>#<id>` sorts before this (the fleet listing's cursor). */
  readonly before?: string;
}

export interface IdempotencyClaim {
  readonly executionId: string;
  /** Hash of the request body, to refuse a reused key with a different body. */
  readonly requestHash: string;
}

export type ClaimResult =
  | { readonly claimed: true }
  | ({ readonly claimed: false } & IdempotencyClaim);

export interface ExecutionStore {
  get(id: string): Promise<ExecutionDocument | undefined>;
  /** The execution item and its log, read consistently. */
  read(id: string): Promise<StoredRecord>;
  /**
   * Writes the execution item if its write counter is still `rev` (0: if it does not exist);
   * false when another writer got there first (read again and re-merge).
   */
  writeHead(id: string, head: RecordState, rev: number): Promise<boolean>;
  /** Merges an execution-level delta into the head (read, merge, conditional write, retried). */
  merge(id: string, delta: RecordState): Promise<MergeResult>;
  /**
   * Appends events (and an extra delta, such as a state trace) as log items. Idempotent: the same
   * batch appended twice lands on the same item, overlapping batches are deduplicated on reading.
   */
  append(id: string, events: readonly LoggedEvent[], extra?: RecordState): Promise<void>;
  listEvents(id: string, options: ListOptions): Promise<Page<ExecutionEvent>>;
  /** A workflow's executions, newest first. Throws `InvalidCursorError` for a foreign cursor. */
  list(workflow: string, options: ExecutionListOptions): Promise<Page<ExecutionDocument>>;
  /** Executions started at or after `since` (ISO), newest first, at most `max`. */
  listSince(
    workflow: string,
    since: string,
    max: number,
  ): Promise<{ items: ExecutionDocument[]; truncated: boolean }>;
  /** Claims an idempotency key for an execution, or returns the existing claim. */
  claimIdempotencyKey(workflow: string, key: string, claim: IdempotencyClaim): Promise<ClaimResult>;
}
