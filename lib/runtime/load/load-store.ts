/**
 * Per-instance load counters every caller shares (docs/service-load.md): for each service,
 * instance and minute slot, the calls sent, the calls still in flight and the calls that failed.
 * A call adds to the slot it was sent in and takes itself out of the same slot when it ends, so
 * a caller that dies mid-call leaks one in-flight count only until its slot is older than
 * `IN_FLIGHT_HORIZON_MS` (no call outlives it: Lambda stops at 15 minutes).
 */

/** Counters are kept per minute. */
export const SLOT_MS = 60_000;
/** In-flight counts older than this are ignored (the longest a service-call Lambda can run). */
export const IN_FLIGHT_HORIZON_MS = 15 * 60_000;
/** The longest window `GET /services/{name}/load` reads. */
export const MAX_WINDOW_SECONDS = 3600;

export const slotOf = (epochMs: number): number => Math.floor(epochMs / SLOT_MS);

/** One instance's counters in one minute slot. */
export interface LoadCounter {
  readonly instanceId: string;
  readonly slot: number;
  readonly inFlight: number;
  readonly calls: number;
  readonly failures: number;
}

export interface InstanceLoadStore {
  /** A call was sent to the instance: calls +1 and in flight +1 in `slot`. */
  started(service: string, instanceId: string, slot: number): Promise<void>;
  /** The call sent in `slot` ended: in flight -1 there, and failures +1 if it failed. */
  finished(service: string, instanceId: string, slot: number, failed: boolean): Promise<void>;
  /** Every counter of the service in slots `fromSlot` and later. */
  read(service: string, fromSlot: number): Promise<readonly LoadCounter[]>;
}

/** Calls in flight per instance: the sum over the slots within the horizon, never below zero. */
export function inFlightOf(
  counters: readonly LoadCounter[],
  now: number,
): ReadonlyMap<string, number> {
  const from = slotOf(now - IN_FLIGHT_HORIZON_MS);
  const sums = new Map<string, number>();
  for (const c of counters) {
    if (c.slot < from) continue;
    sums.set(c.instanceId, (sums.get(c.instanceId) ?? 0) + c.inFlight);
  }
  for (const [id, n] of sums) if (n < 0) sums.set(id, 0);
  return sums;
}
