/**
 * What the local engine must not forget across restarts: each execution's input, status and the
 * results of the work it has done (for redrive and crash recovery). One JSON file per execution
 * under `<dataDir>/executions/`, written atomically; in memory only when no directory is given.
 *
 * Writes are synchronous (`writeFileSync` + `renameSync`), batched every 20 ms, or at once with
 * `writeNow` for what must be on disk before anyone hears of it (a new execution, a final status,
 * the start of a compensation): with asynchronous writes, an older snapshot still in flight could
 * be renamed over a newer one, and a `kill -9` then left an execution RUNNING on disk for good.
 */
import { renameSync, writeFileSync } from "node:fs";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Json } from "../core/model.ts";

export type EngineStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

/** A finished unit of work, replayed instead of re-run by a redrive. */
export interface RecordedResult {
  /** The step it belongs to (a compensation of the step invalidates it). */
  readonly stepId: string;
  readonly output: Json;
  /** A forward result whose compensation succeeded: replayed only to finish that compensation. */
  readonly undone?: true;
  /** The result of a compensation: replayed only to finish the compensation it belongs to. */
  readonly undo?: true;
}

export interface ExecutionEntry {
  readonly id: string;
  readonly workflow: string;
  readonly input: Json;
  status: EngineStatus;
  readonly startDate: number;
  stopDate: number | null;
  output: Json | null;
  error: string | null;
  cause: string | null;
  redriveCount: number;
  redriveDate: number | null;
  /** Execution id of the parent when started by a `workflow` step. */
  readonly parentId: string | null;
  /** Keyed by state name and canonical task input. */
  results: Record<string, RecordedResult>;
  /**
   * The failure the execution's saga started compensating (from its `Compensation Started`
   * event), written before any compensation runs: an execution interrupted with this set is
   * recovered by finishing its compensation, never by running forward again.
   */
  compensating?: { readonly name: string; readonly message: string; readonly step: string };
  /**
   * Service calls sent and not yet answered (replay keys), written before each goes out: after a
   * crash their outcome is uncertain, and the next run asks again until it knows.
   */
  inFlight?: Record<string, true>;
  /**
   * The current run's step results as the execution state holds them (`$.steps`, unioned over
   * every state exited), for a cancel with compensation. Absent in journals of older versions.
   */
  steps?: Record<string, Json>;
  /** Step results of the current run's top-level map items, by map id and index. */
  items?: Record<string, Record<number, Record<string, Json>>>;
  /** The current run's states entered and exited (the history's state events), by state name. */
  trace?: StateTrace;
}

export interface StateTrace {
  readonly entered: string[];
  readonly exited: string[];
}

export class ExecutionJournal {
  readonly #dir: string | undefined;
  readonly #entries = new Map<string, ExecutionEntry>();
  readonly #dirty = new Set<string>();
  #timer: NodeJS.Timeout | undefined;

  private constructor(dir: string | undefined) {
    this.#dir = dir;
  }

  /** Opens the journal, loading every entry found in `dir`; unreadable files are skipped. */
  static async open(dir?: string): Promise<ExecutionJournal> {
    const journal = new ExecutionJournal(dir);
    if (dir === undefined) return journal;
    await mkdir(dir, { recursive: true });
    for (const name of await readdir(dir)) {
      if (!name.endsWith(".json")) continue;
      try {
        const entry = JSON.parse(await readFile(join(dir, name), "utf8")) as ExecutionEntry;
        if (typeof entry.id === "string" && typeof entry.workflow === "string")
          journal.#entries.set(entry.id, entry);
      } catch {
        // A torn or foreign file: leave it for inspection rather than crash the server.
      }
    }
    return journal;
  }

  get(id: string): ExecutionEntry | undefined {
    return this.#entries.get(id);
  }

  all(): ExecutionEntry[] {
    return [...this.#entries.values()];
  }

  /** Adds or replaces an entry and schedules its write. */
  put(entry: ExecutionEntry): void {
    this.#entries.set(entry.id, entry);
    this.touch(entry.id);
  }

  /** Marks an entry changed (it was mutated in place); written soon, in a batch. */
  touch(id: string): void {
    if (this.#dir === undefined) return;
    this.#dirty.add(id);
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.flush().catch((error: unknown) =>
          console.error(`baton dev: the execution journal could not be written: ${String(error)}`),
        );
      }, 20);
      this.#timer.unref();
    }
  }

  /** Writes every pending change; resolves when they are on disk. */
  flush(): Promise<void> {
    try {
      for (const id of [...this.#dirty]) this.#write(id);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Writes one entry now, synchronously: it is on disk when this returns. */
  writeNow(id: string): void {
    this.#write(id);
  }

  #write(id: string): void {
    this.#dirty.delete(id);
    const dir = this.#dir;
    const entry = this.#entries.get(id);
    if (dir === undefined || entry === undefined) return;
    const file = join(dir, `${id}.json`);
    const temporary = `${file}.tmp`;
    writeFileSync(temporary, serialized(entry));
    renameSync(temporary, file);
  }

  async close(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }
}

/**
 * The entry as JSON. A value too deep to serialize (a service answering with JSON nested thousands
 * of levels) must not take the server down from a timer: the entry is kept without its data.
 */
function serialized(entry: ExecutionEntry): string {
  try {
    return JSON.stringify(entry);
  } catch (error) {
    console.error(`baton dev: execution ${entry.id} journalled without its data: ${String(error)}`);
    return JSON.stringify({ ...entry, input: null, output: null, results: {}, steps: {} });
  }
}
