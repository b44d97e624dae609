/**
 * Publishing on the orchestration bus. Business code depends on `EventPublisher` only; AWS uses
 * `EventBridgePublisher`, tests use `RecordingPublisher`, the local runtime brings its own.
 * Publishing never throws: entries EventBridge refuses go to the dead-letter queue with the reason.
 */

import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import type { Json } from "../core/model.ts";
import { getClients } from "./aws/clients.ts";
import { ENV, requireEnv } from "./aws/env.ts";

export const EVENT_SOURCE = "baton";

/** Every detail type Baton publishes (SERVICE.md, "Events"); `emit` steps add their own. */
import { DetailType } from "../core/contract.ts";

export { DetailType };
export type BatonDetailType = (typeof DetailType)[keyof typeof DetailType];

export interface EventEntry {
  readonly detailType: string;
  /** A JSON object; serialised once by the publisher. */
  readonly detail: object;
}

export interface EventPublisher {
  /** Resolves once every entry is on the bus or in the dead-letter queue; never rejects. */
  publish(entries: readonly EventEntry[]): Promise<void>;
}

/**
 * Detail of `Step Started`, `Step Retried`, `Step Succeeded`, `Step Failed` and `Step Compensated`,
 * one per attempt of a call (mode `call`) or of a compensation (mode `compensate`). Fields not
 * known yet are `null` (e.g. `durationMs` on `Step Started`), never absent.
 */
export interface StepEventDetail {
  readonly executionId: string;
  readonly workflow: string;
  readonly version: number;
  readonly stepId: string;
  readonly mode: "call" | "compensate";
  /** 1 for the first try. */
  readonly attempt: number;
  /** Which redrive of the execution made the call (absent or 0 for the first run). */
  readonly redriveCount?: number;
  readonly service: string;
  /** Instance id that was called; null before an instance was picked. */
  readonly instance: string | null;
  /** ISO time the attempt started. */
  readonly startedAt: string;
  /** ISO time the attempt ended; null on `Step Started` / `Step Retried`. */
  readonly endedAt: string | null;
  readonly durationMs: number | null;
  /** HTTP status of the response, null when there was none. */
  readonly status: number | null;
  /** `name` is a `Baton.*` catalogue name; `retryable` says whether the ASL retry may run again. */
  readonly error: {
    readonly name: string;
    readonly message: string;
    readonly retryable: boolean;
  } | null;
}

/** Detail of `Service Registered` / `Service Deregistered`. */
export interface ServiceEventDetail {
  readonly service: string;
  /** Set when a single instance was registered or deregistered. */
  readonly instance?: string;
  /** Instance ids of the service after the change (whole-service registrations). */
  readonly instances?: readonly string[];
  /** true when the service (or instance) did not exist before. */
  readonly created?: boolean;
}

/** Detail of `Instance Health Changed`. */
export interface InstanceHealthEventDetail {
  readonly service: string;
  readonly instance: string;
  readonly url: string;
  readonly healthy: boolean;
  readonly previouslyHealthy: boolean;
  /** Why the last probe succeeded or failed, e.g. `HTTP 503` or `connection refused`. */
  readonly reason: string;
  readonly checkedAt: string;
}

/** Detail of `Circuit Opened` / `Circuit Half-Opened` / `Circuit Closed`. */
export interface CircuitEventDetail {
  readonly service: string;
  readonly state: "CLOSED" | "OPEN" | "HALF_OPEN";
  readonly previousState: "CLOSED" | "OPEN" | "HALF_OPEN";
  /** Failures counted inside the window when the circuit opened. */
  readonly failures: number;
  readonly at: string;
}

const PUT_EVENTS_BATCH = 10;
const SQS_BATCH = 10;

export interface EventBridgePublisherOptions {
  readonly client: EventBridgeClient;
  readonly busName: string;
  readonly sqs: SQSClient;
  readonly dlqUrl: string;
  /** Last resort when even the dead-letter queue refuses: defaults to a structured console.error. */
  readonly onLost?: (entry: EventEntry, reason: string) => void;
}

interface DeadLetter {
  readonly entry: EventEntry;
  readonly reason: string;
}

export class EventBridgePublisher implements EventPublisher {
  readonly #options: EventBridgePublisherOptions;

  constructor(options: EventBridgePublisherOptions) {
    this.#options = options;
  }

  async publish(entries: readonly EventEntry[]): Promise<void> {
    const failed: DeadLetter[] = [];
    for (let i = 0; i < entries.length; i += PUT_EVENTS_BATCH) {
      failed.push(...(await this.#putBatch(entries.slice(i, i + PUT_EVENTS_BATCH))));
    }
    if (failed.length > 0) await this.#deadLetter(failed);
  }

  async #putBatch(batch: readonly EventEntry[]): Promise<DeadLetter[]> {
    const requestEntries: PutEventsRequestEntry[] = [];
    const failed: DeadLetter[] = [];
    const sent: EventEntry[] = [];
    for (const entry of batch) {
      const detail = serialise(entry.detail);
      if (detail === undefined) {
        failed.push({ entry, reason: "detail is not serialisable to JSON" });
        continue;
      }
      sent.push(entry);
      requestEntries.push({
        Source: EVENT_SOURCE,
        DetailType: entry.detailType,
        Detail: detail,
        EventBusName: this.#options.busName,
      });
    }
    if (requestEntries.length === 0) return failed;
    try {
      const result = await this.#options.client.send(
        new PutEventsCommand({ Entries: requestEntries }),
      );
      if ((result.FailedEntryCount ?? 0) === 0) return failed;
      // Result entries are in request order; a failed one has ErrorCode instead of EventId.
      sent.forEach((entry, index) => {
        const outcome = result.Entries?.[index];
        if (outcome?.EventId === undefined || outcome.ErrorCode !== undefined) {
          const code = outcome?.ErrorCode ?? "Unknown";
          failed.push({
            entry,
            reason: `PutEvents ${code}: ${outcome?.ErrorMessage ?? "no message"}`,
          });
        }
      });
    } catch (error) {
      const reason = `PutEvents failed: ${describe(error)}`;
      for (const entry of sent) failed.push({ entry, reason });
    }
    return failed;
  }

  async #deadLetter(letters: readonly DeadLetter[]): Promise<void> {
    const failedAt = new Date().toISOString();
    for (let i = 0; i < letters.length; i += SQS_BATCH) {
      const batch = letters.slice(i, i + SQS_BATCH);
      try {
        const result = await this.#options.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: this.#options.dlqUrl,
            Entries: batch.map((letter, index) => ({
              Id: String(index),
              MessageBody: JSON.stringify({
                source: EVENT_SOURCE,
                detailType: letter.entry.detailType,
                detail: safeDetail(letter.entry.detail),
                reason: letter.reason,
                failedAt,
              }),
            })),
          }),
        );
        for (const failure of result.Failed ?? []) {
          const letter = batch[Number(failure.Id)];
          if (letter !== undefined) this.#lost(letter, `SQS ${failure.Code}: ${failure.Message}`);
        }
      } catch (error) {
        for (const letter of batch)
          this.#lost(letter, `SendMessageBatch failed: ${describe(error)}`);
      }
    }
  }

  #lost(letter: DeadLetter, reason: string): void {
    const fullReason = `${letter.reason}; dead-letter queue: ${reason}`;
    if (this.#options.onLost !== undefined) {
      this.#options.onLost(letter.entry, fullReason);
      return;
    }
    // The log is the last durable place left; keep the whole event so it can be replayed by hand.
    console.error(
      JSON.stringify({
        level: "ERROR",
        message: "baton event undeliverable",
        detailType: letter.entry.detailType,
        detail: safeDetail(letter.entry.detail),
        reason: fullReason,
      }),
    );
  }
}

function serialise(detail: object): string | undefined {
  try {
    return JSON.stringify(detail);
  } catch {
    return undefined;
  }
}

function safeDetail(detail: object): object | string {
  return serialise(detail) === undefined ? String(detail) : detail;
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

export interface PublishedEvent {
  readonly source: typeof EVENT_SOURCE;
  readonly detailType: string;
  readonly detail: Json;
}

/** Keeps every published event in memory, detail deep-copied as JSON (as the bus would). */
export class RecordingPublisher implements EventPublisher {
  readonly events: PublishedEvent[] = [];

  async publish(entries: readonly EventEntry[]): Promise<void> {
    for (const entry of entries) {
      this.events.push({
        source: EVENT_SOURCE,
        detailType: entry.detailType,
        detail: JSON.parse(JSON.stringify(entry.detail)) as Json,
      });
    }
  }

  ofType(detailType: string): PublishedEvent[] {
    return this.events.filter((event) => event.detailType === detailType);
  }

  detailTypes(): string[] {
    return this.events.map((event) => event.detailType);
  }

  clear(): void {
    this.events.length = 0;
  }
}

/** The AWS publisher from the environment (`BATON_EVENT_BUS`, `BATON_DLQ_URL`), built once. */
let defaultPublisher: EventPublisher | undefined;
export function getDefaultEventPublisher(): EventPublisher {
  if (defaultPublisher !== undefined) return defaultPublisher;
  const clients = getClients();
  defaultPublisher = new EventBridgePublisher({
    client: clients.events,
    sqs: clients.sqs,
    busName: requireEnv(ENV.eventBus),
    dlqUrl: requireEnv(ENV.dlqUrl),
  });
  return defaultPublisher;
}
