/**
 * Where workflows live at run time (DynamoDB: `aws/dynamo-workflow-store.ts`, in AWS and in
 * `baton dev`): one head per workflow (aliases, tags, deletion) and its immutable versions, each
 * with the source as written and the catalogue entry compiled from it.
 */
import type { CatalogueWorkflow } from "../../core/project/catalogue.ts";
import type { AuditEntry, AuditPage } from "./audit.ts";
import type { Aliases } from "./routing.ts";

/** Who published a version: `api` (`PUT /workflows/{name}`) or `deploy` (a workflow file). */
export type VersionOrigin = "api" | "deploy";

export interface WorkflowVersionRecord {
  readonly name: string;
  readonly version: number;
  /** The body as sent (YAML or JSON), or the workflow file's text. */
  readonly source: string;
  /** sha256 of the canonical JSON of the parsed source: an identical body publishes nothing. */
  readonly sourceHash: string;
  readonly entry: CatalogueWorkflow;
  readonly publishedAt: string;
  /** The caller's identity (IAM principal, JWT `sub`), or `deploy`. */
  readonly publishedBy: string;
  readonly origin: VersionOrigin;
}

export interface WorkflowHead {
  readonly name: string;
  readonly aliases: Aliases;
  readonly tags: readonly string[];
  readonly description?: string;
  readonly updatedAt: string;
  /** Set by `DELETE /workflows/{name}`: starts 404, versions stay for running executions. */
  readonly deletedAt?: string;
  /** Newest version a deploy (workflow file) published; a later deploy of a newer file wins. */
  readonly deployedVersion?: number;
}

/** A write lost a race with another writer (the API answers 409; retrying is safe). */
export class WorkflowConflictError extends Error {
  override readonly name = "WorkflowConflictError";
}

export interface WorkflowStore {
  /** Every head, deleted ones included. */
  heads(): Promise<WorkflowHead[]>;
  head(name: string): Promise<WorkflowHead | undefined>;
  /** Writes a head; with `expectedUpdatedAt` only if it was not changed since (else conflict). */
  putHead(head: WorkflowHead, expectedUpdatedAt: string | undefined): Promise<void>;
  version(name: string, version: number): Promise<WorkflowVersionRecord | undefined>;
  /** The newest version, or undefined. */
  latest(name: string): Promise<WorkflowVersionRecord | undefined>;
  /** Versions newest first. */
  versions(name: string, limit: number): Promise<WorkflowVersionRecord[]>;
  /** Adds a version; a version that exists already is a conflict (versions are immutable). */
  putVersion(record: WorkflowVersionRecord): Promise<void>;
  /** Adds an entry to the workflow's audit list. */
  appendAudit(entry: AuditEntry): Promise<void>;
  /** The audit list, newest first; `cursor` from the previous page. */
  audit(name: string, limit: number, cursor?: string): Promise<AuditPage>;
}
