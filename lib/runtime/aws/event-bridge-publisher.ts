/**
 * The AWS `EventPublisher`: `PutEvents` on the orchestration bus in batches of ten. Publishing never
 * throws: entries EventBridge refuses go to the dead-letter queue with the reason.
 */
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from "@aws-sdk/client-eventbridge";
import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { EVENT_SOURCE } from "../../core/wire.ts";
import type { EventEntry, EventPublisher } from "../events.ts";
import { consoleLogger, type Logger } from "../logger.ts";
import { MeteredPublisher } from "../metrics.ts";
import { getClients } from "./clients.ts";
import { ENV, requireEnv } from "./env.ts";
import { logger } from "./powertools-logger.ts";
import { metricsSink } from "./powertools-metrics.ts";

const PUT_EVENTS_BATCH = 10;
const SQS_BATCH = 10;

export interface EventBridgePublisherOptions {
  readonly client: EventBridgeClient;
  readonly busName: string;
  readonly sqs: SQSClient;
  readonly dlqUrl: string;
  /** Last resort when even the dead-letter queue refuses. @default an error on `logger` */
  readonly onLost?: (entry: EventEntry, reason: string) => void;
  /** @default consoleLogger */
  readonly logger?: Logger;
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
    (this.#options.logger ?? consoleLogger).error("baton event undeliverable", {
      detailType: letter.entry.detailType,
      detail: safeDetail(letter.entry.detail),
      reason: fullReason,
    });
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

/**
 * The AWS publisher from the environment (`BATON_EVENT_BUS`, `BATON_DLQ_URL`), built once; every
 * event it publishes is metered (`../metrics.ts`), flushed by each handler's `publishMetrics`.
 */
let defaultPublisher: EventPublisher | undefined;
export function getDefaultEventPublisher(): EventPublisher {
  if (defaultPublisher !== undefined) return defaultPublisher;
  const clients = getClients();
  const bus = new EventBridgePublisher({
    client: clients.events,
    sqs: clients.sqs,
    busName: requireEnv(ENV.eventBus),
    dlqUrl: requireEnv(ENV.dlqUrl),
    logger,
  });
  defaultPublisher = new MeteredPublisher(bus, metricsSink);
  return defaultPublisher;
}
