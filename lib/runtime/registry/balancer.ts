/**
 * Picks the instance for a call among the healthy ones. Its own counters live in the container;
 * least_outstanding is given every caller's counts when the shared load counters could be read
 * (`load/shared-load.ts`): on Lambda a container runs one call at a time, so its own counts are
 * always zero and alone would make it round robin.
 */
import type { BalancingStrategy, InstanceEntry } from "./registry-model.ts";

export interface BalancerPick<T extends InstanceEntry> {
  readonly instance: T;
  /** Call when the request finishes (least_outstanding bookkeeping); idempotent. */
  readonly release: () => void;
}

export interface BalancerOptions {
  /** Uniform random in [0, 1); injectable for tests. */
  readonly random?: () => number;
}

export class Balancer {
  readonly #random: () => number;
  readonly #cursors = new Map<string, number>();
  readonly #outstanding = new Map<string, number>();

  constructor(options: BalancerOptions = {}) {
    this.#random = options.random ?? Math.random;
  }

  /** Picks among `instances` (already filtered to healthy ones); undefined when there are none. */
  pick<T extends InstanceEntry>(
    service: string,
    strategy: BalancingStrategy,
    instances: readonly T[],
    /** Every caller's in-flight calls per instance, for least_outstanding. @default this container's */
    shared?: (instanceId: string) => number,
  ): BalancerPick<T> | undefined {
    if (instances.length === 0) return undefined;
    const instance = this.#choose(service, strategy, instances, shared);
    const key = outstandingKey(service, instance.id);
    this.#outstanding.set(key, (this.#outstanding.get(key) ?? 0) + 1);
    let released = false;
    return {
      instance,
      release: () => {
        if (released) return;
        released = true;
        const count = (this.#outstanding.get(key) ?? 1) - 1;
        if (count <= 0) this.#outstanding.delete(key);
        else this.#outstanding.set(key, count);
      },
    };
  }

  /** In-flight calls this container has on an instance. */
  outstanding(service: string, instanceId: string): number {
    return this.#outstanding.get(outstandingKey(service, instanceId)) ?? 0;
  }

  #choose<T extends InstanceEntry>(
    service: string,
    strategy: BalancingStrategy,
    instances: readonly T[],
    shared: ((instanceId: string) => number) | undefined,
  ): T {
    switch (strategy) {
      case "round_robin":
        return this.#roundRobin(service, instances);
      case "least_outstanding":
        return this.#leastOutstanding(
          service,
          instances,
          shared ?? ((id) => this.outstanding(service, id)),
        );
      case "weighted_random":
        return this.#weightedRandom(instances);
    }
  }

  #roundRobin<T extends InstanceEntry>(service: string, instances: readonly T[]): T {
    const cursor = this.#cursors.get(service) ?? 0;
    this.#cursors.set(service, (cursor + 1) % Number.MAX_SAFE_INTEGER);
    return instances[cursor % instances.length] as T;
  }

  #leastOutstanding<T extends InstanceEntry>(
    service: string,
    instances: readonly T[],
    outstanding: (instanceId: string) => number,
  ): T {
    let least = Number.POSITIVE_INFINITY;
    let candidates: T[] = [];
    for (const instance of instances) {
      const count = outstanding(instance.id);
      if (count < least) {
        least = count;
        candidates = [instance];
      } else if (count === least) {
        candidates.push(instance);
      }
    }
    // Ties rotate, so an idle service still spreads sequential calls.
    return this.#roundRobin(service, candidates);
  }

  #weightedRandom<T extends InstanceEntry>(instances: readonly T[]): T {
    const total = instances.reduce((sum, instance) => sum + instance.weight, 0);
    let target = this.#random() * total;
    for (const instance of instances) {
      target -= instance.weight;
      if (target < 0) return instance;
    }
    return instances[instances.length - 1] as T;
  }
}

const outstandingKey = (service: string, instanceId: string): string =>
  `${service}\u0000${instanceId}`;
