/**
 * Storage of the shared circuit: its state, changed by compare-and-set on `version`, and the call
 * counts of its sliding window, changed only by atomic increments (no read-modify-write, so no
 * outcome is lost when many callers record at once).
 */
import type { CallBucket, CircuitRecord } from "../registry/registry-model.ts";

/** Calls to add to a bucket, and how many of them failed. */
export interface CallCounts {
  readonly calls: number;
  readonly failures: number;
}

export interface CircuitStore {
  /** The current circuit; `CLOSED_CIRCUIT` (version 0) when none was written yet. */
  readCircuit(service: string): Promise<CircuitRecord>;
  /**
   * Writes `next` (whose `version` must be `expectedVersion + 1`) only if the stored version is
   * still `expectedVersion` (0: no item). Returns false when another caller wrote first.
   */
  writeCircuit(service: string, next: CircuitRecord, expectedVersion: number): Promise<boolean>;
  /**
   * Adds `counts` (calls, and the failures among them) to time bucket `bucket`, held in slot
   * `bucket % slots`, atomically. A slot holding an older bucket starts over from these counts; a
   * slot already holding a newer bucket drops them (the calls are older than the window).
   */
  countCalls(service: string, bucket: number, slots: number, counts: CallCounts): Promise<void>;
  /** Every slot's bucket and counts (old buckets included: the caller picks its window). */
  readCalls(service: string): Promise<readonly CallBucket[]>;
}
