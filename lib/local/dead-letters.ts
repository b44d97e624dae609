/**
 * The local dead-letter queue: events whose rule target kept failing. Persisted as one JSON file
 * (written atomically) so `baton dev` keeps them across restarts; in memory when no file is given.
 */
import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { BusEvent } from "./event-bus.ts";

export interface DeadLetter {
  readonly id: string;
  /** Name of the rule whose target failed. */
  readonly rule: string;
  readonly event: BusEvent;
  readonly reason: string;
  readonly failedAt: string;
  readonly attempts: number;
}

export interface RedriveOutcome {
  readonly redriven: number;
  readonly failed: readonly { readonly id: string; readonly reason: string }[];
}

export class LocalDeadLetterQueue {
  readonly #file: string | undefined;
  #letters: DeadLetter[] = [];
  #writing: Promise<void> = Promise.resolve();

  private constructor(file: string | undefined) {
    this.#file = file;
  }

  /** Opens the queue, reading `file` when it exists. A corrupt file is kept aside, never lost. */
  static async open(file?: string): Promise<LocalDeadLetterQueue> {
    const queue = new LocalDeadLetterQueue(file);
    if (file === undefined) return queue;
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch {
      return queue;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) queue.#letters = parsed as DeadLetter[];
    } catch {
      await rename(file, `${file}.corrupt-${Date.now()}`);
    }
    return queue;
  }

  list(): readonly DeadLetter[] {
    return [...this.#letters];
  }

  async add(letter: Omit<DeadLetter, "id">): Promise<DeadLetter> {
    const stored = { id: randomUUID(), ...letter };
    this.#letters.push(stored);
    await this.#persist();
    return stored;
  }

  /**
   * Redelivers the listed letters (all when `ids` is omitted) through `deliver`; delivered ones
   * leave the queue, failed ones stay with the new reason.
   */
  async redrive(
    deliver: (letter: DeadLetter) => Promise<void>,
    ids?: readonly string[],
  ): Promise<RedriveOutcome> {
    const chosen = this.#letters.filter((l) => ids === undefined || ids.includes(l.id));
    let redriven = 0;
    const failed: { id: string; reason: string }[] = [];
    for (const letter of chosen) {
      try {
        await deliver(letter);
        this.#letters = this.#letters.filter((l) => l.id !== letter.id);
        redriven++;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        failed.push({ id: letter.id, reason });
        this.#letters = this.#letters.map((l) =>
          l.id === letter.id ? { ...l, reason, attempts: l.attempts + 1, failedAt: new Date().toISOString() } : l,
        );
      }
    }
    await this.#persist();
    return { redriven, failed };
  }

  /** Resolves when every write so far is on disk. */
  flush(): Promise<void> {
    return this.#writing;
  }

  #persist(): Promise<void> {
    const file = this.#file;
    if (file === undefined) return Promise.resolve();
    const snapshot = JSON.stringify(this.#letters, null, 2);
    this.#writing = this.#writing
      .catch(() => undefined) // one failed write must not block every later one
      .then(async () => {
      await mkdir(dirname(file), { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      await writeFile(temporary, snapshot);
      await rename(temporary, file);
    });
    return this.#writing;
  }
}
