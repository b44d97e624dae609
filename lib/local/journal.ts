/**
 * What the local engine must not forget across restarts: each execution's input, status and the
 * results of the work it has done (for redrive and crash recovery). Kept in
 * `<dataDir>/executions/journal.log`, one line per write holding the whole entry (the last line of
 * an execution wins; `append-log.ts`); in memory only when no directory is given. Journals of
 * earlier versions (a file per execution) are read and folded into the log.
 *
 * Writes are synchronous appends, batched every 20 ms, or at once with `writeNow` for what must be
 * on disk before anyone hears of it (a new execution, a final status): with asynchronous writes,
 * an older snapshot still in flight could land after a newer one, and a `kill -9` then left an
 * execution RUNNING for good. What only has to be on disk before the caller goes on (the start of
 * a compensation, a call about to go out) waits for `durable`: the entries of every execution
 * asking in one turn of the event loop go in one write (group commit, `append-log.ts`).
 */
import { rmSync } from "node:fs";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Json } from "../core/model.ts";
import { AppendLog } from "./append-log.ts";

const LOG_FILE = "journal.log";

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
  /** Each entry's last line in the log (what a rewrite of the log keeps). */
  readonly #lines = new Map<string, string>();
  #log: AppendLog | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Entries queued for the log's next write, and when it is done. */
  readonly #queued = new Map<string, Promise<void>>();

  private constructor(dir: string | undefined) {
    this.#dir = dir;
  }

  /** Opens the journal, loading every entry found in `dir`; unreadable records are skipped. */
  static async open(dir?: string): Promise<ExecutionJournal> {
    const journal = new ExecutionJournal(dir);
    if (dir === undefined) return journal;
    await mkdir(dir, { recursive: true });
    // A file per execution: what earlier versions kept. Folded into the log, then removed.
    const legacy: string[] = [];
    for (const name of await readdir(dir)) {
      if (!name.endsWith(".json")) continue;
      try {
        journal.#load(JSON.parse(await readFile(join(dir, name), "utf8")));
        legacy.push(join(dir, name));
      } catch {
        // A torn or foreign file: leave it for inspection rather than crash the server.
      }
    }
    for (const record of AppendLog.read(join(dir, LOG_FILE))) journal.#load(record);
    for (const entry of journal.#entries.values()) journal.#lines.set(entry.id, serialized(entry));
    journal.#log = new AppendLog(join(dir, LOG_FILE), [...journal.#lines.values()]);
    for (const file of legacy) rmSync(file, { force: true });
    return journal;
  }

  #load(record: unknown): void {
    const entry = record as ExecutionEntry;
    if (typeof entry?.id === "string" && typeof entry.workflow === "string")
      this.#entries.set(entry.id, entry);
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
      for (const id of this.#dirty) void this.durable(id);
      this.#log?.flush();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Writes one entry now, synchronously: it is on disk when this returns. */
  writeNow(id: string): void {
    const log = this.#log;
    if (log === undefined || !this.#entries.has(id)) return;
    // Queued already: written (as it is now) with the queue.
    if (this.#queued.has(id)) log.flush();
    else log.append(this.#line(id), this.#live);
  }

  /**
   * Resolves once the entry, as it is when written (the end of this turn of the event loop, with
   * every other entry asked for meanwhile), is on disk; rejects when it could not be written.
   */
  durable(id: string): Promise<void> {
    const log = this.#log;
    if (log === undefined || !this.#entries.has(id)) return Promise.resolve();
    const queued = this.#queued.get(id);
    if (queued !== undefined) return queued;
    const written = log.later(() => {
      this.#queued.delete(id);
      return this.#line(id);
    }, this.#live);
    this.#queued.set(id, written);
    return written;
  }

  /** The entry's line, noted as its last (what a rewrite of the log keeps). */
  #line(id: string): string {
    this.#dirty.delete(id);
    const line = serialized(this.#entries.get(id) as ExecutionEntry);
    this.#lines.set(id, line);
    return line;
  }

  readonly #live = (): string[] => [...this.#lines.values()];

  async close(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
    this.#log?.close();
    this.#log = undefined;
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
