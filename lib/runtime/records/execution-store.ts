/** Execution records: the `ExecutionStore` port (DynamoDB: `aws/dynamo-execution-store.ts`). */
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
  /** false when the delta was already contained in the record (a duplicate). */
  readonly changed: boolean;
}

export interface ListOptions {
  readonly limit: number;
  readonly cursor?: string;
}

export interface ExecutionListOptions extends ListOptions {
  readonly status?: ExecutionStatus;
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
  /** Merges a delta into the record (creating it); idempotent and order-independent. */
  merge(id: string, delta: RecordState): Promise<MergeResult>;
  /** Stores an event under its order key; false when it was already there. */
  putEvent(id: string, order: string, event: ExecutionEvent): Promise<boolean>;
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
