/** Load counters in memory: one process (the harness, tests). */
import type { InstanceLoadStore, LoadCounter } from "./load-store.ts";

export class MemoryLoadStore implements InstanceLoadStore {
  readonly #counters = new Map<string, LoadCounter & { service: string }>();

  async started(service: string, instanceId: string, slot: number): Promise<void> {
    this.#add(service, instanceId, slot, { inFlight: 1, calls: 1, failures: 0 });
  }

  async finished(
    service: string,
    instanceId: string,
    slot: number,
    failed: boolean,
  ): Promise<void> {
    this.#add(service, instanceId, slot, { inFlight: -1, calls: 0, failures: failed ? 1 : 0 });
  }

  async read(service: string, fromSlot: number): Promise<readonly LoadCounter[]> {
    return [...this.#counters.values()]
      .filter((c) => c.service === service && c.slot >= fromSlot)
      .map(({ service: _, ...counter }) => counter);
  }

  #add(
    service: string,
    instanceId: string,
    slot: number,
    delta: Pick<LoadCounter, "inFlight" | "calls" | "failures">,
  ): void {
    const key = `${service}\u0000${slot}\u0000${instanceId}`;
    const now = this.#counters.get(key) ?? {
      service,
      instanceId,
      slot,
      inFlight: 0,
      calls: 0,
      failures: 0,
    };
    this.#counters.set(key, {
      ...now,
      inFlight: now.inFlight + delta.inFlight,
      calls: now.calls + delta.calls,
      failures: now.failures + delta.failures,
    });
  }
}
