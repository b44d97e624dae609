/**
 * The audit list of a workflow: who published, aliased or deleted it, and who cancelled,
 * redrove, paused or resumed its executions (`GET /workflows/{name}/audit`). Entries live beside the workflow's
 * versions in the workflows table and are never changed.
 */
import type { Logger } from "../logger.ts";
import type { WorkflowStore } from "./workflow-store.ts";

export const AUDIT_ACTIONS = [
  "published",
  "aliased",
  "deleted",
  "cancelled",
  "redriven",
  "paused",
  "resumed",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  readonly workflow: string;
  /** ISO-8601 time of the change. */
  readonly at: string;
  readonly action: AuditAction;
  /** The caller: IAM principal ARN, JWT `sub`, or `anonymous` (no auth, `baton dev`). */
  readonly by: string;
  /** The version published, or the version the execution ran. */
  readonly version?: number;
  readonly alias?: string;
  readonly executionId?: string;
  /** What changed, in words: the alias's routing, the cancel's options. */
  readonly detail?: string;
}

export interface AuditPage {
  readonly items: readonly AuditEntry[];
  /** Opaque: the next (older) page. */
  readonly cursor?: string;
}

/**
 * Appends an entry after the change it records was made. A failed write is logged, not thrown:
 * the change happened, and answering 500 would invite a retry that does it twice (there is no
 * transaction spanning the change and its entry).
 */
export async function recordAudit(
  store: WorkflowStore | undefined,
  entry: AuditEntry,
  logger: Logger | undefined,
): Promise<void> {
  if (store === undefined) return;
  try {
    await store.appendAudit(entry);
  } catch (error) {
    (logger ?? console).error("audit entry not written", {
      entry: JSON.stringify(entry),
      error: (error as Error).message,
    });
  }
}
