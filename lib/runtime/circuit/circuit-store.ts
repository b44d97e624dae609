/** Storage of the shared circuit state; every change is a compare-and-set on `version`. */
import type { CircuitRecord } from "../registry/registry-model.ts";

export interface CircuitStore {
  /** The current circuit; `CLOSED_CIRCUIT` (version 0) when none was written yet. */
  readCircuit(service: string): Promise<CircuitRecord>;
  /**
   * Writes `next` (whose `version` must be `expectedVersion + 1`) only if the stored version is
   * still `expectedVersion` (0: no item). Returns false when another caller wrote first.
   */
  writeCircuit(service: string, next: CircuitRecord, expectedVersion: number): Promise<boolean>;
}
