/**
 * Deliveries the local bus has not finished, on disk: EventBridge keeps an event it accepted until
 * its targets took it (at-least-once); an in-memory bus loses whatever was in flight when the
 * process dies, and an execution record then waits for a status or a `Step Compensated` that
 * will never come. Each delivery is written (`<dir>/<event id>.<n>.json`, synchronously) before
 * it starts and removed when its target took it or it was dead-lettered; the next process
 * delivers what is left (`pending`). In memory only (nothing kept) when no directory is given.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BusEvent } from "./event-bus.ts";

export interface PendingDelivery {
  readonly rule: string;
  readonly event: BusEvent;
}

export class DeliveryOutbox {
  readonly #dir: string | undefined;
  #next = 0;

  constructor(dir?: string) {
    this.#dir = dir;
    if (dir !== undefined) mkdirSync(dir, { recursive: true });
  }

  /** Notes a delivery about to start; returns its handle for `done`. */
  add(delivery: PendingDelivery): string | undefined {
    const dir = this.#dir;
    if (dir === undefined) return undefined;
    this.#next += 1;
    const file = join(dir, `${delivery.event.id}.${this.#next}.json`);
    try {
      writeFileSync(`${file}.tmp`, JSON.stringify(delivery));
      renameSync(`${file}.tmp`, file);
      return file;
    } catch (error) {
      // Delivery still happens; only its survival of a crash is lost.
      console.error(
        `baton dev: delivery of event ${delivery.event.id} not kept on disk: ${String(error)}`,
      );
      return undefined;
    }
  }

  /** The delivery finished (taken, or dead-lettered). */
  done(handle: string | undefined): void {
    if (handle !== undefined) rmSync(handle, { force: true });
  }

  /** Deliveries a previous process left unfinished, oldest event first; removed from disk. */
  takePending(): PendingDelivery[] {
    const dir = this.#dir;
    if (dir === undefined) return [];
    const pending: PendingDelivery[] = [];
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      if (!name.endsWith(".json")) {
        rmSync(file, { force: true });
        continue;
      }
      try {
        const delivery = JSON.parse(readFileSync(file, "utf8")) as PendingDelivery;
        if (typeof delivery.rule === "string" && typeof delivery.event?.id === "string")
          pending.push(delivery);
      } catch {
        // A torn file: the delivery it held is lost, as it would have been without the outbox.
      }
      rmSync(file, { force: true });
    }
    return pending.sort((a, b) => a.event.time.localeCompare(b.event.time));
  }
}
