/**
 * The local dead-letter queue: events whose rule target kept failing. Persisted as one JSON file
 * (written atomically) so `baton dev` keeps them across restarts; in memory when no file is given.
 * Implements the API's `DeadLetterQueue`, so `GET /dlq` and `POST /dlq/redrive` serve it.
 */
import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { DeadLetter, DeadLetterQueue, RedriveResult } from "../runtime/dead-letter-queue.ts";
import type { BusEvent } from "./event-bus.ts";

/** A stored dead letter: the event, the rule whose target refused it, and why. */
export interface LocalDeadLetter {
  readonly id: string;
  /** Name of the rule whose target failed. */
  readonly rule: string;
  readonly event: BusEvent;
  readonly reason: string;
  readonly failedAt: string;
  readonly attempts: number;
}

export type Redeliver = (letter: LocalDeadLetter) => Promise<void>;

export class LocalDeadLetterQueue implements DeadLetterQueue {
  readonly #file: string | undefined;
  #letters: LocalDeadLetter[] = [];
  #redeliver: Redeliver | undefined;
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
      if (Array.isArray(parsed)) queue.#letters = parsed as LocalDeadLetter[];
    } catch {
      await rename(file, `${file}.corrupt-${Date.now()}`);
    }
    return queue;
  }

  /** Where `redrive` delivers letters (the bus sets itself). */
  attach(redeliver: Redeliver): void {
    this.#redeliver = redeliver;
  }

  letters(): readonly LocalDeadLetter[] {
    return [...this.#letters];
  }

  async list(limit: number): Promise<DeadLetter[]> {
    return this.#letters.slice(0, limit).map(toApiLetter);
  }

  async count(): Promise<number> {
    return this.#letters.length;
  }

  async redrive(max: number): Promise<RedriveResult> {
    const redeliver = this.#redeliver;
    if (redeliver === undefined) {
      return {
        redriven: 0,
        failed: this.#letters.slice(0, max).map((l) => ({ id: l.id, reason: "no bus attached" })),
      };
    }
    return this.redriveWith(
      redeliver,
      this.#letters.slice(0, max).map((l) => l.id),
    );
  }

  async add(letter: Omit<LocalDeadLetter, "id">): Promise<LocalDeadLetter> {
    const stored = { id: randomUUID(), ...letter };
    this.#letters.push(stored);
    await this.#persist();
    return stored;
  }

  /**
   * Redelivers the listed letters (all when `ids` is omitted) through `deliver`; delivered ones
   * leave the queue, failed ones stay with the new reason.
   */
  async redriveWith(deliver: Redeliver, ids?: readonly string[]): Promise<RedriveResult> {
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
          l.id === letter.id
            ? { ...l, reason, attempts: l.attempts + 1, failedAt: new Date().toISOString() }
            : l,
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

function toApiLetter(letter: LocalDeadLetter): DeadLetter {
  return {
    id: letter.id,
    source: letter.event.source,
    detailType: letter.event["detail-type"],
    detail: letter.event.detail,
    reason: `rule ${letter.rule}: ${letter.reason}`,
    sentAt: letter.failedAt,
    receiveCount: letter.attempts,
  };
}
