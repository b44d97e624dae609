/**
 * Storage of the shared circuit: its state, changed by compare-and-set on `version`, and the call
 * counts of its sliding window, changed only by atomic increments (no read-modify-write, so no
 * outcome is lost when many callers record at once).
 */
import type { CallBucket, CircuitRecord } from "../registry/registry-model.ts";

export interface CircuitStore {
  /** The current circuit; `CLOSED_CIRCUIT` (version 0) when none was written yet. */
  readCircuit(service: string): Promise<CircuitRecord>;
  /**
   * Writes `next` (whose `version` must be `expectedVersion + 1`) only if the stored version is
   * still `expectedVersion` (0: no item). Returns false when another caller wrote first.
   */
  writeCircuit(service: string, next: CircuitRecord, expectedVersion: number): Promise<boolean>;
  /**
   * Counts one call (and one failure if `failed`) in time bucket `bucket`, held in slot
   * `bucket % slots`. A slot holding an older bucket starts over from this call; a slot already
   * holding a newer bucket drops it (the call is older than the window).
   */
  countCall(service: string, bucket: number, slots: number, failed: boolean): Promise<void>;
  /** Every slot's bucket and counts (old buckets included: the caller picks its window). */
  readCalls(service: string): Promise<readonly CallBucket[]>;
}
