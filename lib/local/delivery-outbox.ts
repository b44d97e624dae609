/**
 * Deliveries the local bus has not finished, on disk: EventBridge keeps an event it accepted until
 * its targets took it (at-least-once); an in-memory bus loses whatever was in flight when the
 * process dies, and an execution record then waits for a status or a `Step Compensated` that
 * will never come. Each delivery is appended to `<dir>/outbox.log` (`append-log.ts`) before it
 * starts: at once (`addAll`), or with the log's next write when the publisher can wait for it
 * (`addAllLater`: the events of one turn of the event loop go in one write). A line saying it is
 * done follows when its target took it or it was dead-lettered (with the next write: a crash in
 * between delivers it again, which the targets take); the next process delivers what has no done
 * line (`pending`). The deliveries of one event to its rules are noted together. Outboxes of
 * earlier versions (a file per delivery) are read too. In memory only (nothing kept) when no
 * directory is given.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { AppendLog } from "./append-log.ts";
import { type BusEvent, busEventJson } from "./event-bus.ts";

export interface PendingDelivery {
  readonly rule: string;
  readonly event: BusEvent;
}

/** A line of the log: a delivery started (`add`) or finished (`done`). */
type OutboxLine =
  | { readonly add: number; readonly delivery: PendingDelivery }
  | { readonly done: number };

const LOG_FILE = "outbox.log";
/** Rewritten (unfinished deliveries only) once this big. */
const COMPACT_ABOVE = 4 * 1024 * 1024;

export class DeliveryOutbox {
  readonly #log: AppendLog | undefined;
  #next = 0;
  /** Lines of the deliveries not finished yet, by handle: what a rewrite keeps. */
  readonly #open = new Map<number, string>();
  /** What the previous process left unfinished (kept in the log until taken and restarted). */
  #left = new Map<number, PendingDelivery>();
  /** Finished deliveries whose `done` line is queued (`done`), not written yet. */
  #done: number[] = [];

  constructor(dir?: string) {
    if (dir === undefined) return;
    mkdirSync(dir, { recursive: true });
    const left: PendingDelivery[] = [];
    const keep = (delivery: PendingDelivery | undefined): void => {
      if (typeof delivery?.rule === "string" && typeof delivery.event?.id === "string")
        left.push(delivery);
    };
    const legacy: string[] = [];
    for (const name of readdirSync(dir)) {
      if (name === LOG_FILE) continue;
      const file = join(dir, name);
      legacy.push(file);
      // A file per delivery: what earlier versions kept.
      if (!name.endsWith(".json")) continue;
      try {
        keep(JSON.parse(readFileSync(file, "utf8")) as PendingDelivery);
      } catch {
        // A torn file: the delivery it held is lost, as it would have been without the outbox.
      }
    }
    const started = new Map<number, PendingDelivery>();
    for (const line of AppendLog.read(join(dir, LOG_FILE)) as OutboxLine[]) {
      if (typeof line !== "object" || line === null) continue;
      if ("add" in line) started.set(line.add, line.delivery);
      else if ("done" in line) started.delete(line.done);
    }
    for (const delivery of started.values()) keep(delivery);
    for (const delivery of left) {
      this.#next += 1;
      this.#left.set(this.#next, delivery);
      this.#open.set(this.#next, JSON.stringify({ add: this.#next, delivery }));
    }
    this.#log = new AppendLog(join(dir, LOG_FILE), [...this.#open.values()], {
      compactAbove: COMPACT_ABOVE,
    });
    for (const file of legacy) rmSync(file, { force: true });
  }

  /** Notes a delivery about to start, on disk when this returns; returns its handle for `done`. */
  add(delivery: PendingDelivery): number | undefined {
    return this.addAll([delivery.rule], delivery.event)[0];
  }

  /**
   * Notes the deliveries of one event to each of `rules` about to start, on disk when this returns
   * (one write, the event serialised once); returns their handles for `done`, in the order of
   * `rules`.
   */
  addAll(rules: readonly string[], event: BusEvent): (number | undefined)[] {
    const log = this.#log;
    if (log === undefined || rules.length === 0) return rules.map(() => undefined);
    const opened = this.#noteOpen(rules, event);
    try {
      log.append(opened.lines, this.#live);
      return opened.handles;
    } catch (error) {
      this.#lost(opened.handles, event, error);
      return rules.map(() => undefined);
    }
  }

  /**
   * `addAll` for whoever can wait: the lines go with the log's next write (this turn's group
   * commit, `append-log.ts`). `written` resolves once they are on disk (true), or false when they
   * could not be written (logged; the deliveries still happen, without surviving a crash). A
   * delivery starts only once `written` has resolved.
   */
  addAllLater(
    rules: readonly string[],
    event: BusEvent,
  ): { handles: (number | undefined)[]; written: Promise<boolean> } {
    const log = this.#log;
    if (log === undefined || rules.length === 0)
      return { handles: rules.map(() => undefined), written: Promise.resolve(true) };
    let opened: { handles: number[]; lines: string };
    try {
      opened = this.#noteOpen(rules, event);
    } catch (error) {
      this.#lost([], event, error);
      return { handles: rules.map(() => undefined), written: Promise.resolve(false) };
    }
    const written = log
      .later(() => opened.lines, this.#live)
      .then(
        () => true,
        (error: unknown) => {
          this.#lost(opened.handles, event, error);
          return false;
        },
      );
    return { handles: opened.handles, written };
  }

  /**
   * The delivery finished (taken, or dead-lettered). Noted on disk with the log's next write (the
   * deliveries finishing together cost one). A crash before that delivers it again, which the
   * targets take (at least once).
   */
  done(handle: number | undefined): void {
    const log = this.#log;
    if (handle === undefined || log === undefined || !this.#open.delete(handle)) return;
    this.#done.push(handle);
    if (this.#done.length > 1) return; // queued already, with the others
    log
      .later(() => {
        const lines = this.#done.map((h) => JSON.stringify({ done: h } satisfies OutboxLine));
        this.#done = [];
        return lines.join("\n");
      }, this.#live)
      .catch((error: unknown) => {
        // Delivered again after a crash: the targets take duplicates.
        console.error(`baton dev: finished delivery not noted on disk: ${String(error)}`);
      });
  }

  /** Handles and log lines for the deliveries of `event` to `rules`, the event serialised once. */
  #noteOpen(rules: readonly string[], event: BusEvent): { handles: number[]; lines: string } {
    // The line `JSON.stringify({ add, delivery: { rule, event } })` writes.
    const eventJson = busEventJson(event);
    const handles: number[] = [];
    const lines = rules.map((rule) => {
      this.#next += 1;
      const handle = this.#next;
      handles.push(handle);
      const line = `{"add":${handle},"delivery":{"rule":${JSON.stringify(rule)},"event":${eventJson}}}`;
      this.#open.set(handle, line);
      return line;
    });
    return { handles, lines: lines.join("\n") };
  }

  /** Deliveries whose lines could not be written: they still happen, without surviving a crash. */
  #lost(handles: readonly number[], event: BusEvent, error: unknown): void {
    for (const handle of handles) this.#open.delete(handle);
    console.error(`baton dev: delivery of event ${event.id} not kept on disk: ${String(error)}`);
  }

  readonly #live = (): string[] => [...this.#open.values()];

  /**
   * Deliveries a previous process left unfinished, oldest event first. The caller restarts them
   * at once (each is added again as it starts); their old lines are closed after that, so a crash
   * in between loses none.
   */
  takePending(): PendingDelivery[] {
    const taken = this.#left;
    this.#left = new Map();
    queueMicrotask(() => {
      for (const handle of taken.keys()) this.done(handle);
      try {
        this.#log?.flush();
      } catch {
        // Reported by `done`; delivered again after a crash, which the targets take.
      }
    });
    return [...taken.values()].sort((a, b) => a.event.time.localeCompare(b.event.time));
  }
}
