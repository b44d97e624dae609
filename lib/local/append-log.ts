/**
 * One append-only file of JSON lines, for what `baton dev` must keep across a `kill -9` (the
 * execution journal, the bus's undelivered deliveries). A record is one `write` to an open file
 * (synchronous: it is in the file when `append` returns), where a file per record cost a create,
 * a rename and later an unlink, each a metadata change the disk must order. When the file has
 * grown to `compactAbove` bytes and several times what is still live, it is rewritten with the
 * live lines only (written aside, then renamed over it: a crash leaves the old or the new file).
 * Reading skips a line a crash cut short.
 */
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";

export interface AppendLogOptions {
  /** Rewrite once the file is this big and four times the live lines. @default 16 MiB */
  readonly compactAbove?: number;
}

export class AppendLog {
  readonly #file: string;
  readonly #compactAbove: number;
  #fd: number;
  #bytes = 0;
  /** Size at which the live lines are counted next. */
  #nextCheck = 0;

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
    const data = `${line}\n`;
    writeSync(this.#fd, data);
    this.#bytes += Buffer.byteLength(data);
    if (this.#bytes < this.#nextCheck) return;
    const lines = live();
    const liveBytes = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
    if (this.#bytes >= 4 * liveBytes) {
      closeSync(this.#fd);
      this.#fd = this.#rewrite(lines);
    } else {
      this.#nextCheck = Math.max(this.#compactAbove, 4 * liveBytes);
    }
  }

  close(): void {
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
