/**
 * A local EventBridge bus: events in the EventBridge envelope, rules with event patterns
 * (`event-pattern.ts`), asynchronous delivery to in-process targets with a few retries, and a
 * dead-letter queue for events a target kept refusing. One bus carries what AWS splits over the
 * orchestration bus and the default bus (Step Functions status changes), which is enough locally.
 */

import { randomUUID } from "node:crypto";
import type { Json } from "../core/model.ts";
import { EVENT_SOURCE } from "../core/wire.ts";
import type { RedriveResult } from "../runtime/dead-letter-queue.ts";
import type { EventEntry, EventPublisher } from "../runtime/events.ts";
import type { LocalDeadLetter, LocalDeadLetterQueue } from "./dead-letters.ts";
import type { DeliveryOutbox } from "./delivery-outbox.ts";
import { assertPattern, type EventPattern, matchesPattern } from "./event-matcher.ts";

export const LOCAL_ACCOUNT = "000000000000";
export const LOCAL_REGION = "local";

/** The EventBridge event envelope. */
export interface BusEvent {
  readonly version: "0";
  readonly id: string;
  readonly "detail-type": string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Json;
  /** Set on an event a replay delivered again (as EventBridge does); rules may match on it. */
  readonly "replay-name"?: string;
}

export interface PutEntry {
  readonly source: string;
  readonly detailType: string;
  readonly detail: unknown;
  readonly resources?: readonly string[];
  readonly time?: string;
}

export type RuleTarget = (event: BusEvent) => Promise<void> | void;

export interface EventBusOptions {
  /** Where events go after the target failed every retry; dropped with a log line otherwise. */
  readonly deadLetters?: LocalDeadLetterQueue;
  /** Pauses before each retry of a failing target. @default [50, 250] */
  readonly retryDelaysMs?: readonly number[];
  /** Called when a target fails for good (after retries), e.g. to log it. */
  readonly onTargetFailure?: (rule: string, event: BusEvent, reason: string) => void;
  /** Keeps unfinished deliveries on disk, for `deliverPending` after a crash. */
  readonly outbox?: DeliveryOutbox;
}

interface Rule {
  readonly name: string;
  readonly pattern: EventPattern;
  readonly target: RuleTarget;
}

export class LocalEventBus {
  readonly #rules = new Map<string, Rule>();
  readonly #pending = new Set<Promise<void>>();
  readonly #listeners = new Set<(event: BusEvent) => void>();
  readonly #options: EventBusOptions;

  constructor(options: EventBusOptions = {}) {
    this.#options = options;
    options.deadLetters?.attach((letter) => this.redeliver(letter));
  }

  /** Adds (or replaces) a rule. Throws `EventPatternError` when the pattern is invalid. */
  addRule(name: string, pattern: unknown, target: RuleTarget): void {
    assertPattern(pattern);
    this.#rules.set(name, { name, pattern, target });
  }

  removeRule(name: string): boolean {
    return this.#rules.delete(name);
  }

  ruleNames(): string[] {
    return [...this.#rules.keys()];
  }

  /** Observes every event put on the bus, synchronously, before delivery (timelines, tests). */
  listen(listener: (event: BusEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Puts events on the bus (in the outbox when this returns); delivery to matching rules happens
   * in the background.
   */
  put(entries: readonly PutEntry[]): BusEvent[] {
    const events = entries.map(toBusEvent);
    for (const event of events) this.#dispatch(event);
    return events;
  }

  /**
   * `put` for a caller that can wait: resolves once the events are in the outbox, written with
   * whatever else is put in this turn of the event loop (one write, `delivery-outbox.ts`).
   */
  putDurably(entries: readonly PutEntry[]): Promise<BusEvent[]> {
    const events = entries.map(toBusEvent); // throws here, as `put` does, on a bad detail
    return Promise.all(events.map((event) => this.#dispatch(event, "later"))).then(() => events);
  }

  /** Starts the deliveries of `event`, each once its outbox line is written (`now` or `later`). */
  #dispatch(event: BusEvent, write: "now" | "later" = "now"): Promise<unknown> | undefined {
    for (const listener of this.#listeners) listener(event);
    const rules: Rule[] = [];
    for (const rule of this.#rules.values())
      if (matchesPattern(rule.pattern, event)) rules.push(rule);
    const outbox = this.#options.outbox;
    if (rules.length === 0 || outbox === undefined) {
      for (const rule of rules) this.#track(this.#deliver(rule, event, undefined));
      return undefined;
    }
    // Every delivery of the event noted in the outbox with one write before any starts.
    const names = rules.map((r) => r.name);
    const { handles, written } =
      write === "now"
        ? { handles: outbox.addAll(names, event), written: undefined }
        : outbox.addAllLater(names, event);
    for (const [i, rule] of rules.entries())
      this.#track(this.#deliver(rule, event, handles[i], written));
    return written;
  }

  /**
   * Delivers stored events again, as an EventBridge archive replay does: the same id, time and
   * detail, marked with `replay-name`, to every rule whose pattern matches (rules that must not see
   * replays say `"replay-name": [{"exists": false}]`).
   */
  replay(events: readonly BusEvent[], replayName: string): BusEvent[] {
    const replayed = events.map((event) => ({ ...event, "replay-name": replayName }));
    for (const event of replayed) this.#dispatch(event);
    return replayed;
  }

  /**
   * Delivers again what a previous process left undelivered (see `DeliveryOutbox`), to the rules
   * that still exist; call once the rules are registered. Returns how many deliveries restarted.
   */
  deliverPending(): number {
    const pending = this.#options.outbox?.takePending() ?? [];
    let restarted = 0;
    for (const { rule: name, event } of pending) {
      const rule = this.#rules.get(name);
      if (rule === undefined) continue;
      this.#track(this.#deliver(rule, event, this.#options.outbox?.add({ rule: name, event })));
      restarted += 1;
    }
    return restarted;
  }

  /** Resolves once every delivery started so far (and any they caused) has finished. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** Delivers a dead letter again to its rule; throws when the rule is gone or the target fails. */
  async redeliver(letter: LocalDeadLetter): Promise<void> {
    const rule = this.#rules.get(letter.rule);
    if (rule === undefined) throw new Error(`rule "${letter.rule}" no longer exists`);
    await rule.target(letter.event);
  }

  /** Redrives the dead-letter queue (all letters, or the listed ids). */
  async redriveDeadLetters(ids?: readonly string[]): Promise<RedriveResult> {
    const queue = this.#options.deadLetters;
    if (queue === undefined) return { redriven: 0, failed: [] };
    return queue.redriveWith((letter) => this.redeliver(letter), ids);
  }

  /** An `EventPublisher` (the handlers' interface) publishing with `source: baton`. */
  publisher(source: string = EVENT_SOURCE): EventPublisher {
    return {
      // Resolves once the events are in the outbox (`putDurably`), as PutEvents answers once
      // EventBridge has them.
      publish: async (entries: readonly EventEntry[]): Promise<void> => {
        const written: Promise<unknown>[] = [];
        for (const entry of entries) {
          try {
            written.push(
              this.putDurably([{ source, detailType: entry.detailType, detail: entry.detail }]),
            );
          } catch (error) {
            // Publishing never throws (EventPublisher contract): an unserialisable detail is logged.
            console.error(`baton dev: event "${entry.detailType}" could not be published:`, error);
          }
        }
        await Promise.all(written);
      },
    };
  }

  #track(delivery: Promise<void>): void {
    this.#pending.add(delivery);
    void delivery.finally(() => this.#pending.delete(delivery));
  }

  /**
   * Delivers `event` to `rule` once `written` (its outbox line) has resolved; `handle`: its delivery
   * noted in the outbox, closed when it is over.
   */
  async #deliver(
    rule: Rule,
    event: BusEvent,
    handle: number | undefined,
    written?: Promise<unknown>,
  ): Promise<void> {
    if (written !== undefined) await written;
    try {
      await this.#deliverOnce(rule, event);
    } finally {
      this.#options.outbox?.done(handle);
    }
  }

  async #deliverOnce(rule: Rule, event: BusEvent): Promise<void> {
    const delays = this.#options.retryDelaysMs ?? [50, 250];
    let reason = "";
    for (let attempt = 0; attempt <= delays.length; attempt++) {
      if (attempt > 0) await sleep(delays[attempt - 1] ?? 0);
      try {
        await rule.target(event);
        return;
      } catch (error) {
        reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
    }
    this.#options.onTargetFailure?.(rule.name, event, reason);
    const queue = this.#options.deadLetters;
    if (queue === undefined) return;
    await queue.add({
      rule: rule.name,
      event,
      reason,
      failedAt: new Date().toISOString(),
      attempts: delays.length + 1,
    });
  }
}

/** Each event's JSON as `toBusEvent` made it, its detail serialised once (for the outbox). */
const eventJson = new WeakMap<BusEvent, string>();

/** `JSON.stringify(event)`, kept from when the bus made the event when it did. */
export function busEventJson(event: BusEvent): string {
  return eventJson.get(event) ?? JSON.stringify(event);
}

function toBusEvent(entry: PutEntry): BusEvent {
  // A JSON round trip, as the real bus delivers a copy and never the publisher's object.
  const detailJson = JSON.stringify(entry.detail ?? {});
  const envelope = {
    version: "0" as const,
    id: randomUUID(),
    "detail-type": entry.detailType,
    source: entry.source,
    account: LOCAL_ACCOUNT,
    time: entry.time ?? new Date().toISOString(),
    region: LOCAL_REGION,
    resources: [...(entry.resources ?? [])],
  };
  // What `JSON.stringify` gives for the event (detail last), without serialising the detail again.
  const json = `${JSON.stringify(envelope).slice(0, -1)},"detail":${detailJson}}`;
  const event: BusEvent = Object.assign(envelope, { detail: JSON.parse(detailJson) as Json });
  eventJson.set(event, json);
  return event;
}

const sleep = (ms: number): Promise<void> =>
  ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
