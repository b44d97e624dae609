/** `SlotStore` in memory: the harness, unit tests and benches without DynamoDB. */
import type { AcquireResult, QueuedStart, SemaphoreHolders, SlotStore } from "./slot-store.ts";

export class MemorySlotStore implements SlotStore {
  readonly #semaphores = new Map<string, { holders: Record<string, number>; reapedAt: number }>();
  readonly #queues = new Map<string, Map<string, QueuedStart>>();
  readonly #byExecution = new Map<string, QueuedStart>();

  async acquire(
    semaphore: string,
    holder: string,
    limit: number,
    now: number,
  ): Promise<AcquireResult> {
    const s = this.#semaphore(semaphore);
    if (s.holders[holder] !== undefined) return "held";
    if (Object.keys(s.holders).length >= limit) return "full";
    s.holders[holder] = now;
    return "acquired";
  }

  async release(semaphore: string, holder: string): Promise<boolean> {
    const s = this.#semaphore(semaphore);
    if (s.holders[holder] === undefined) return false;
    delete s.holders[holder];
    return true;
  }

  async holders(semaphore: string): Promise<SemaphoreHolders> {
    const s = this.#semaphore(semaphore);
    return { holders: { ...s.holders }, reapedAt: s.reapedAt };
  }

  async markReaped(semaphore: string, now: number, notBefore: number): Promise<boolean> {
    const s = this.#semaphore(semaphore);
    if (s.reapedAt > notBefore) return false;
    s.reapedAt = now;
    return true;
  }

  async enqueue(start: QueuedStart): Promise<void> {
    const queue = this.#queues.get(start.semaphore) ?? new Map<string, QueuedStart>();
    this.#queues.set(start.semaphore, queue);
    if (queue.has(start.position)) return;
    queue.set(start.position, start);
    this.#byExecution.set(start.executionId, start);
  }

  async head(semaphore: string, max: number): Promise<readonly QueuedStart[]> {
    const queue = this.#queues.get(semaphore);
    if (queue === undefined) return [];
    return [...queue.keys()]
      .sort()
      .slice(0, max)
      .flatMap((position) => {
        const start = queue.get(position);
        return start === undefined ? [] : [start];
      });
  }

  async queuedOf(executionId: string): Promise<QueuedStart | undefined> {
    return this.#byExecution.get(executionId);
  }

  async claim(start: QueuedStart): Promise<boolean> {
    const queue = this.#queues.get(start.semaphore);
    const found = queue?.get(start.position);
    if (queue === undefined || found === undefined) return false;
    const claimed = { ...found, claimed: true };
    queue.set(start.position, claimed);
    this.#byExecution.set(start.executionId, claimed);
    return true;
  }

  async remove(start: QueuedStart, options: { readonly unclaimedOnly: boolean }): Promise<boolean> {
    const queue = this.#queues.get(start.semaphore);
    const found = queue?.get(start.position);
    if (queue === undefined || found === undefined) return false;
    if (options.unclaimedOnly && found.claimed) return false;
    queue.delete(start.position);
    this.#byExecution.delete(start.executionId);
    return true;
  }

  /** Every semaphore's holders and queued starts (execution ids): what a leak check reads. */
  usage(): { held: Record<string, string[]>; queued: Record<string, string[]> } {
    const held: Record<string, string[]> = {};
    for (const [name, s] of this.#semaphores) {
      const ids = Object.keys(s.holders);
      if (ids.length > 0) held[name] = ids;
    }
    const queued: Record<string, string[]> = {};
    for (const [name, queue] of this.#queues) {
      const ids = [...queue.keys()].sort().flatMap((p) => queue.get(p)?.executionId ?? []);
      if (ids.length > 0) queued[name] = ids;
    }
    return { held, queued };
  }

  #semaphore(name: string): { holders: Record<string, number>; reapedAt: number } {
    let s = this.#semaphores.get(name);
    if (s === undefined) {
      s = { holders: {}, reapedAt: 0 };
      this.#semaphores.set(name, s);
    }
    return s;
  }
}
