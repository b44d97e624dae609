/**
 * One append-only file of JSON lines, for what `baton dev` must keep across a `kill -9` (the
 * execution journal, the bus's undelivered deliveries). A record is one `write` to an open file
 * (synchronous: it is in the file when `append` returns), where a file per record cost a create,
 * a rename and later an unlink, each a metadata change the disk must order. Group commit: what
 * only has to be in the file before something that can wait for it (a call going out, a delivery
 * starting) is queued with `later`, and everything queued in one turn of the event loop goes in
 * one write (one system call instead of one per line, a few percent of `baton dev`'s main
 * thread); a synchronous `append` writes the queue first, so lines stay in order. When the file has
 * grown to `compactAbove` bytes and several times what is still live, it is rewritten with the
 * live lines only (written aside, then renamed over it: a crash leaves the old or the new file).
 * Reading skips a line a crash cut short.
 */
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";

export interface AppendLogOptions {
  /** Rewrite once the file is this big and four times the live lines. @default 16 MiB */
  readonly compactAbove?: number;
}

/** Lines queued by `later`, written together; `line` is called at write time. */
interface Batch {
  readonly lines: (() => string)[];
  readonly written: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

export class AppendLog {
  readonly #file: string;
  readonly #compactAbove: number;
  #fd: number;
  #bytes = 0;
  /** Size at which the live lines are counted next. */
  #nextCheck = 0;
  #batch: Batch | undefined;
  /** What `live` the last caller gave, for a rewrite due after a queued write. */
  #live: () => readonly string[] = () => [];

  /** Opens `file` holding `lines` (what `read` returned, or the live lines): rewritten first. */
  constructor(file: string, lines: readonly string[], options: AppendLogOptions = {}) {
    this.#file = file;
    this.#compactAbove = options.compactAbove ?? 16 * 1024 * 1024;
    this.#fd = this.#rewrite(lines);
  }

  /** The parsed lines of `file` (none when it does not exist), a torn or foreign line left out. */
  static read(file: string): unknown[] {
    if (!existsSync(file)) return [];
    const parsed: unknown[] = [];
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (line === "") continue;
      try {
        parsed.push(JSON.parse(line));
      } catch {
        // Cut short by a crash mid-write: what it held is lost, as with no log at all.
      }
    }
    return parsed;
  }

  /**
   * Appends one line (no newline inside: JSON). `live` gives the lines still needed, read only when
   * the file is due for a rewrite.
   */
  append(line: string, live: () => readonly string[]): void {
    this.#live = live;
    this.#write([line]);
  }

  /**
   * Queues a line for the write at the end of this turn of the event loop (with every other line
   * queued meanwhile, or sooner with the next `append` or `flush`); resolves once it is in the
   * file, rejects when the write failed. `line` is called at write time: a record changed again
   * before then is written as it is by then, once.
   */
  later(line: () => string, live: () => readonly string[]): Promise<void> {
    this.#live = live;
    if (this.#batch === undefined) {
      let resolve = (): void => {};
      let reject = (_: unknown): void => {};
      const written = new Promise<void>((yes, no) => {
        resolve = yes;
        reject = no;
      });
      // A failed write rejects it for whoever waits; nobody waiting is no unhandled rejection.
      written.catch(() => {});
      this.#batch = { lines: [], written, resolve, reject };
      setImmediate(() => {
        try {
          this.flush();
        } catch {
          // Reported to the waiters (`written` rejected).
        }
      });
    }
    this.#batch.lines.push(line);
    return this.#batch.written;
  }

  /** Writes what `later` queued, now. */
  flush(): void {
    if (this.#batch !== undefined) this.#write([]);
  }

  /** Writes the queued lines then `lines`, with one write. */
  #write(lines: readonly string[]): void {
    const batch = this.#batch;
    this.#batch = undefined;
    try {
      const all = batch === undefined ? lines : [...batch.lines.map((line) => line()), ...lines];
      const data = `${all.join("\n")}\n`;
      writeSync(this.#fd, data);
      this.#bytes += Buffer.byteLength(data);
    } catch (error) {
      batch?.reject(error);
      throw error;
    }
    batch?.resolve();
    if (this.#bytes < this.#nextCheck) return;
    const live = this.#live();
    const liveBytes = live.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
    if (this.#bytes >= 4 * liveBytes) {
      closeSync(this.#fd);
      this.#fd = this.#rewrite(live);
    } else {
      this.#nextCheck = Math.max(this.#compactAbove, 4 * liveBytes);
    }
  }

  close(): void {
    this.flush();
    closeSync(this.#fd);
  }

  #rewrite(lines: readonly string[]): number {
    const aside = `${this.#file}.tmp`;
    const fd = openSync(aside, "w");
    try {
      const data = lines.length === 0 ? "" : `${lines.join("\n")}\n`;
      writeSync(fd, data);
      this.#bytes = Buffer.byteLength(data);
      this.#nextCheck = Math.max(this.#compactAbove, 4 * this.#bytes);
    } finally {
      closeSync(fd);
    }
    renameSync(aside, this.#file);
    return openSync(this.#file, "a");
  }
}
