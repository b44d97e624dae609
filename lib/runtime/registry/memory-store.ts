/**
 * The registry in memory, with the same semantics as `DynamoRegistryStore` (conditional circuit
 * writes included). Used by tests and benchmarks; every operation yields to the event loop first so
 * concurrent callers interleave as they would against a remote table.
 */

import type { CallCounts, CircuitStore } from "../circuit/circuit-store.ts";
import { type Clock, systemClock } from "../circuit/clock.ts";
import { UnknownServiceError } from "../errors.ts";
import {
  type CallBucket,
  type CircuitRecord,
  CLOSED_CIRCUIT,
  INITIAL_HEALTH,
  type InstanceEntry,
  type InstanceHealth,
  type InstanceRecord,
  type ServiceEntry,
  type ServiceRecord,
  type ServiceSettings,
  settingsOf,
} from "./registry-model.ts";
import type { PutResult, RegistryStore } from "./registry-store.ts";

interface StoredService {
  settings: ServiceSettings;
  createdAt: number;
  updatedAt: number;
  readonly instances: Map<string, InstanceRecord>;
}

export interface InMemoryRegistryStoreOptions {
  readonly clock?: Clock;
  /** Yield to the event loop before each operation (default true); off for benchmarks. */
  readonly yieldEachCall?: boolean;
}

export class InMemoryRegistryStore implements RegistryStore, CircuitStore {
  readonly #services = new Map<string, StoredService>();
  readonly #circuits = new Map<string, CircuitRecord>();
  readonly #calls = new Map<string, Map<number, CallBucket>>();
  readonly #clock: Clock;
  readonly #yield: boolean;
  /** Number of operations served, for tests asserting on caching. */
  calls = 0;

  constructor(options: InMemoryRegistryStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#yield = options.yieldEachCall ?? true;
  }

  async getService(name: string): Promise<ServiceRecord | undefined> {
    await this.#tick();
    return this.#record(name);
  }

  async listServices(): Promise<ServiceRecord[]> {
    await this.#tick();
    return [...this.#services.keys()]
      .sort((a, b) => a.localeCompare(b))
      .flatMap((name) => this.#record(name) ?? []);
  }

  async putService(entry: ServiceEntry): Promise<PutResult> {
    await this.#tick();
    const now = this.#clock.now();
    const existing = this.#services.get(entry.name);
    const stored: StoredService = existing ?? {
      settings: settingsOf(entry),
      createdAt: now,
      updatedAt: now,
      instances: new Map(),
    };
    stored.settings = settingsOf(entry);
    stored.updatedAt = now;
    const keep = new Set(entry.instances.map((instance) => instance.id));
    for (const id of stored.instances.keys()) if (!keep.has(id)) stored.instances.delete(id);
    for (const instance of entry.instances) upsert(stored, instance, now);
    this.#services.set(entry.name, stored);
    return { created: existing === undefined };
  }

  async deleteService(name: string): Promise<boolean> {
    await this.#tick();
    this.#circuits.delete(name);
    this.#calls.delete(name);
    return this.#services.delete(name);
  }

  async putInstance(service: string, instance: InstanceEntry): Promise<PutResult> {
    await this.#tick();
    const stored = this.#services.get(service);
    if (stored === undefined) {
      throw new UnknownServiceError(
        `Service ${service} is not registered; PUT /services/${service} first.`,
      );
    }
    return upsert(stored, instance, this.#clock.now());
  }

  async deleteInstance(service: string, instanceId: string): Promise<boolean> {
    await this.#tick();
    return this.#services.get(service)?.instances.delete(instanceId) ?? false;
  }

  async setInstanceHealth(
    service: string,
    instanceId: string,
    health: InstanceHealth,
  ): Promise<boolean> {
    await this.#tick();
    const instances = this.#services.get(service)?.instances;
    const current = instances?.get(instanceId);
    if (instances === undefined || current === undefined) return false;
    instances.set(instanceId, { ...current, ...health });
    return true;
  }

  async readCircuit(service: string): Promise<CircuitRecord> {
    await this.#tick();
    return this.#circuits.get(service) ?? CLOSED_CIRCUIT;
  }

  async writeCircuit(
    service: string,
    next: CircuitRecord,
    expectedVersion: number,
  ): Promise<boolean> {
    await this.#tick();
    // Check and set run without an await in between: atomic, like a DynamoDB conditional write.
    const currentVersion = this.#circuits.get(service)?.version ?? 0;
    if (currentVersion !== expectedVersion) return false;
    this.#circuits.set(service, { ...next });
    return true;
  }

  async countCalls(
    service: string,
    bucket: number,
    slots: number,
    added: CallCounts,
  ): Promise<void> {
    await this.#tick();
    const counts = this.#calls.get(service) ?? new Map<number, CallBucket>();
    this.#calls.set(service, counts);
    const slot = bucket % slots;
    const current = counts.get(slot);
    if (current !== undefined && current.bucket > bucket) return;
    const base = current?.bucket === bucket ? current : { bucket, calls: 0, failures: 0 };
    counts.set(slot, {
      bucket,
      calls: base.calls + added.calls,
      failures: base.failures + added.failures,
    });
  }

  async readCalls(service: string): Promise<readonly CallBucket[]> {
    await this.#tick();
    return [...(this.#calls.get(service)?.values() ?? [])];
  }

  #record(name: string): ServiceRecord | undefined {
    const stored = this.#services.get(name);
    if (stored === undefined) return undefined;
    return {
      ...stored.settings,
      instances: [...stored.instances.values()].sort((a, b) => a.id.localeCompare(b.id)),
      circuitState: this.#circuits.get(name) ?? CLOSED_CIRCUIT,
      createdAt: stored.createdAt,
      updatedAt: stored.updatedAt,
    };
  }

  async #tick(): Promise<void> {
    this.calls += 1;
    if (this.#yield) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function upsert(stored: StoredService, instance: InstanceEntry, now: number): PutResult {
  const current = stored.instances.get(instance.id);
  // An instance that moved to another URL starts with fresh health (see the DynamoDB store).
  const moved = current !== undefined && current.url !== instance.url;
  stored.instances.set(instance.id, {
    ...(current ?? { ...INITIAL_HEALTH, registeredAt: now }),
    ...(moved ? INITIAL_HEALTH : {}),
    id: instance.id,
    url: instance.url,
    weight: instance.weight,
    lastHeartbeatAt: now,
  });
  return { created: current === undefined };
}
