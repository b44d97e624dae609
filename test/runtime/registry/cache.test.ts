/**
 * The registry cache on the call path: fresh entries from memory, and with `serveStaleMs` a
 * recently expired entry served at once while one refresh runs in the background.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../lib/runtime/circuit/clock.ts";
import { ServiceCache, type ServiceLookup } from "../../../lib/runtime/registry/cache.ts";
import type { ServiceRecord } from "../../../lib/runtime/registry/registry-model.ts";

/** A registry whose answers the test releases one by one. */
class GatedRegistry implements ServiceLookup {
  version = 1;
  reads = 0;
  readonly #gates: (() => void)[] = [];

  getService(name: string): Promise<ServiceRecord | undefined> {
    this.reads += 1;
    const version = this.version;
    return new Promise((resolve) => {
      this.#gates.push(() => resolve({ name, timeout: version } as unknown as ServiceRecord));
    });
  }

  release(): void {
    for (const open of this.#gates.splice(0)) open();
  }
}

const timeoutOf = (record: ServiceRecord | undefined): number | undefined => record?.timeout;

async function warm(cache: ServiceCache, registry: GatedRegistry): Promise<void> {
  const first = cache.getService("payments");
  registry.release();
  await first;
}

describe("ServiceCache", () => {
  it("serves an expired entry at once while one refresh runs, then the refreshed one", async () => {
    const clock = new ManualClock();
    const registry = new GatedRegistry();
    const cache = new ServiceCache(registry, { ttlMs: 1_000, serveStaleMs: 30_000, clock });
    await warm(cache, registry);
    registry.version = 2;
    clock.advance(1_001);

    // The store has not answered: both calls get the stale entry without waiting, one read runs.
    expect(timeoutOf(await cache.getService("payments"))).toBe(1);
    expect(timeoutOf(await cache.getService("payments"))).toBe(1);
    expect(registry.reads).toBe(2);

    registry.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(timeoutOf(await cache.getService("payments"))).toBe(2);
    expect(registry.reads).toBe(2);
  });

  it("waits for the store without serveStaleMs", async () => {
    const clock = new ManualClock();
    const registry = new GatedRegistry();
    const cache = new ServiceCache(registry, { ttlMs: 1_000, clock });
    await warm(cache, registry);
    registry.version = 2;
    clock.advance(1_001);

    const lookup = cache.getService("payments");
    let settled = false;
    void lookup.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    registry.release();
    expect(timeoutOf(await lookup)).toBe(2);
  });

  it("waits for the store once an entry expired longer ago than serveStaleMs", async () => {
    const clock = new ManualClock();
    const registry = new GatedRegistry();
    const cache = new ServiceCache(registry, { ttlMs: 1_000, serveStaleMs: 5_000, clock });
    await warm(cache, registry);
    registry.version = 2;
    clock.advance(1_000 + 5_001);

    const lookup = cache.getService("payments");
    registry.release();
    expect(timeoutOf(await lookup)).toBe(2);
  });
});
