/**
 * Keeping execution records: the records rules deliver Step Functions status changes (default bus)
 * and Baton orchestration events to an SQS queue, drained in batches (`applyBatch` groups them by
 * execution). Messages of an execution whose recording failed are reported as batch item failures,
 * so only they come back (and after the queue's retries, go to its dead-letter queue); the updater
 * tolerates the repeat (idempotent, order-independent). A single EventBridge event (a direct
 * invocation) is recorded as a batch of one.
 */
import { consoleLogger, describeError, type Logger } from "./logger.ts";
import { applyBatch, type UpdaterDeps } from "./records/updater.ts";

export interface ExecutionRecordsDeps extends UpdaterDeps {
  /** Where ignored events and failures are reported. @default consoleLogger */
  readonly logger?: Logger;
}

/** The SQS event (the fields read). */
export interface QueueBatch {
  readonly Records: readonly { readonly messageId: string; readonly body: string }[];
}

export interface BatchResponse {
  readonly batchItemFailures: readonly { readonly itemIdentifier: string }[];
}

export function isQueueBatch(event: unknown): event is QueueBatch {
  return (
    typeof event === "object" &&
    event !== null &&
    Array.isArray((event as { Records?: unknown }).Records)
  );
}

export async function recordEvents(
  event: unknown,
  deps: ExecutionRecordsDeps,
): Promise<BatchResponse> {
  const logger = deps.logger ?? consoleLogger;
  const messages = isQueueBatch(event)
    ? event.Records.map((r) => ({ id: r.messageId, event: parseBody(r.body) }))
    : [{ id: "", event }];
  const results = await applyBatch(
    messages.map((m) => m.event),
    deps,
  );
  const failures: { itemIdentifier: string }[] = [];
  for (const [i, result] of results.entries()) {
    if (result?.outcome === "ignored") logger.warn("event ignored", { reason: result.reason });
    if (result?.outcome !== "failed") continue;
    const id = messages[i]?.id ?? "";
    // A direct invocation has no message to retry alone: the whole event fails.
    if (id === "") throw result.error;
    logger.error("recording failed; the message will be delivered again", {
      messageId: id,
      error: describeError(result.error),
    });
    failures.push({ itemIdentifier: id });
  }
  return { batchItemFailures: failures };
}

/** A message body that is not JSON is ignored by `observe` (it is not an object). */
function parseBody(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}
