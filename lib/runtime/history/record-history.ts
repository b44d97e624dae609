/**
 * The history writer in AWS: the events rule sends every event of the orchestration bus (no
 * replays) to a queue, drained in batches into the events table. Storing is idempotent (an event's
 * item is keyed by its time and id), so a batch that failed is simply delivered again; a message
 * that is not an event is logged and dropped, since delivering it again cannot change it.
 */
import { consoleLogger, describeError, type Logger } from "../logger.ts";
import { type EventHistoryStore, type HistoryEvent, toHistoryEvent } from "./bus-history.ts";

export interface RecordHistoryDeps {
  readonly store: EventHistoryStore;
  /** @default consoleLogger */
  readonly logger?: Logger;
}

/** The SQS batch response (partial failures). */
export interface HistoryBatchResponse {
  readonly batchItemFailures: readonly { readonly itemIdentifier: string }[];
}

interface Message {
  readonly messageId: string;
  readonly body: string;
}

export async function recordHistory(
  batch: unknown,
  deps: RecordHistoryDeps,
): Promise<HistoryBatchResponse> {
  const logger = deps.logger ?? consoleLogger;
  const records = (batch as { readonly Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) throw new TypeError("not an SQS batch: no Records list");
  const kept: { readonly id: string; readonly event: HistoryEvent }[] = [];
  for (const record of records as Message[]) {
    const event = toHistoryEvent(parse(record.body));
    if (typeof event === "string")
      logger.warn("not stored in the history", { messageId: record.messageId, reason: event });
    else kept.push({ id: record.messageId, event });
  }
  try {
    await deps.store.append(kept.map((k) => k.event));
    return { batchItemFailures: [] };
  } catch (error) {
    logger.error("history not stored; the batch will be delivered again", {
      error: describeError(error),
      events: kept.length,
    });
    return { batchItemFailures: kept.map((k) => ({ itemIdentifier: k.id })) };
  }
}

function parse(body: unknown): unknown {
  try {
    return typeof body === "string" ? JSON.parse(body) : undefined;
  } catch {
    return undefined;
  }
}
