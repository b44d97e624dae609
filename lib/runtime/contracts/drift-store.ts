/**
 * Stored drift: the last contract check of each service, per Region, so `GET /drift` and
 * `GET /services/{name}` answer what is broken now without fetching anything. One record per
 * (service, Region): Regions may run different workflows (those published through one Region's API
 * stay there), so each judges its own and none overwrites another's (docs/contracts.md).
 */
import type { DriftedWorkflow } from "./drift-of.ts";

export interface ContractCheckRecord {
  readonly service: string;
  /** The Region (or `local`) whose deployed workflows were judged. */
  readonly region: string;
  /** The contract's URL, or `inline`. */
  readonly source: string;
  /** Hash of the registered `openapi` value: a record of a contract since replaced is stale. */
  readonly sourceHash: string;
  /** What was judged: the contract source and the deployed workflows' names and versions. */
  readonly fingerprint: string;
  /** The fetched document's ETag, sent as `If-None-Match` on the next scheduled refresh. */
  readonly etag?: string;
  /** ISO time of the last check (a `304` counts). */
  readonly checkedAt: string;
  /** ISO time the current drift was first seen; absent when there is none. */
  readonly driftSince?: string;
  /** Deployed workflows the contract breaks; empty when none. */
  readonly drift: readonly DriftedWorkflow[];
  /** Problems were left out to keep the record storable (over `MAX_STORED_PROBLEMS`). */
  readonly truncated?: boolean;
}

export interface DriftStore {
  get(service: string, region: string): Promise<ContractCheckRecord | undefined>;
  /** Every record, every service and Region, sorted by service then Region. */
  list(): Promise<ContractCheckRecord[]>;
  put(record: ContractCheckRecord): Promise<void>;
}

/**
 * Problems kept per record: a DynamoDB item holds 400 KB and a message is a few hundred bytes, so
 * a contract that breaks everything is stored as its first problems and `truncated`.
 */
export const MAX_STORED_PROBLEMS = 200;

/** The record as stored: at most `MAX_STORED_PROBLEMS` problems, in order. */
export function storable(record: ContractCheckRecord): ContractCheckRecord {
  let left = MAX_STORED_PROBLEMS;
  let truncated = false;
  const drift: DriftedWorkflow[] = [];
  for (const workflow of record.drift) {
    if (left <= 0) {
      truncated = true;
      break;
    }
    const problems = workflow.problems.slice(0, left);
    if (problems.length < workflow.problems.length) truncated = true;
    left -= problems.length;
    drift.push({ ...workflow, problems });
  }
  return truncated ? { ...record, drift, truncated } : record;
}

export class MemoryDriftStore implements DriftStore {
  readonly #records = new Map<string, ContractCheckRecord>();

  async get(service: string, region: string): Promise<ContractCheckRecord | undefined> {
    return this.#records.get(`${service}|${region}`);
  }

  async list(): Promise<ContractCheckRecord[]> {
    return [...this.#records.values()].sort(
      (a, b) => a.service.localeCompare(b.service) || a.region.localeCompare(b.region),
    );
  }

  async put(record: ContractCheckRecord): Promise<void> {
    this.#records.set(`${record.service}|${record.region}`, storable(record));
  }
}
