/**
 * The SQS `DeadLetterQueue` (the port is `lib/runtime/dead-letter-queue.ts`). It understands both message shapes that land there: Baton's
 * publisher fallback (`{source, detailType, detail, reason, failedAt}`) and EventBridge target
 * dead letters (the event envelope as body, the reason in `ERROR_CODE`/`ERROR_MESSAGE` attributes).
 */

import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Json } from "../../core/model.ts";
import { EVENT_SOURCE } from "../../core/wire.ts";
import type {
  DeadLetter,
  DeadLetterQueue,
  ForeignEvent,
  RedriveResult,
} from "../dead-letter-queue.ts";
import type { EventPublisher } from "../events.ts";

export interface SqsDeadLetterQueueOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  /** Republishes Baton events on the orchestration bus. */
  readonly publisher: EventPublisher;
  /**
   * Redelivers events Baton cannot republish under their own source (e.g. `aws.states` status
   * changes that failed to reach the record updater): the API wires this to `applyEvent`.
   */
  readonly redeliverForeign?: (event: ForeignEvent) => Promise<void>;
  /** Seconds a message being redriven stays hidden from other consumers. @default 60 */
  readonly visibilityTimeout?: number;
}

const SQS_MAX_BATCH = 10;

export class SqsDeadLetterQueue implements DeadLetterQueue {
  readonly #o: SqsDeadLetterQueueOptions;

  constructor(options: SqsDeadLetterQueueOptions) {
    this.#o = options;
  }

  async list(limit: number): Promise<DeadLetter[]> {
    const seen = new Map<string, DeadLetter>();
    // Peeking (visibility 0) can return the same message twice and fewer than asked: a few rounds.
    for (
      let round = 0;
      round < Math.ceil(limit / SQS_MAX_BATCH) + 2 && seen.size < limit;
      round++
    ) {
      const messages = await this.#receive(Math.min(SQS_MAX_BATCH, limit - seen.size), 0);
      let fresh = 0;
      for (const message of messages) {
        const letter = toDeadLetter(message);
        if (letter !== undefined && !seen.has(letter.id)) {
          seen.set(letter.id, letter);
          fresh += 1;
        }
      }
      if (fresh === 0) break;
    }
    return [...seen.values()].slice(0, limit);
  }

  async redrive(max: number): Promise<RedriveResult> {
    let redriven = 0;
    const failed: { id: string; reason: string }[] = [];
    const done = new Set<string>();
    while (redriven + failed.length < max) {
      const messages = await this.#receive(
        Math.min(SQS_MAX_BATCH, max - redriven - failed.length),
        this.#o.visibilityTimeout ?? 60,
      );
      const fresh = messages.filter((m) => m.MessageId !== undefined && !done.has(m.MessageId));
      if (fresh.length === 0) break;
      for (const message of fresh) {
        const id = message.MessageId ?? "";
        done.add(id);
        const reason = await this.#redeliver(message);
        if (reason === undefined) {
          await this.#o.client.send(
            new DeleteMessageCommand({
              QueueUrl: this.#o.queueUrl,
              ReceiptHandle: message.ReceiptHandle,
            }),
          );
          redriven += 1;
        } else {
          failed.push({ id, reason });
          // Make it visible again at once so it can be listed and inspected.
          await this.#o.client.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: this.#o.queueUrl,
              ReceiptHandle: message.ReceiptHandle,
              VisibilityTimeout: 0,
            }),
          );
        }
      }
    }
    return { redriven, failed };
  }

  async count(): Promise<number> {
    const result = await this.#o.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.#o.queueUrl,
        AttributeNames: ["ApproximateNumberOfMessages"],
      }),
    );
    return Number(result.Attributes?.ApproximateNumberOfMessages ?? "0");
  }

  /** undefined when delivered, else why not. */
  async #redeliver(message: Message): Promise<string | undefined> {
    const letter = toDeadLetter(message);
    if (letter === undefined || letter.detailType === null || letter.source === null) {
      return "the message is not an event Baton recognizes";
    }
    if (
      typeof letter.detail !== "object" ||
      letter.detail === null ||
      Array.isArray(letter.detail)
    ) {
      return "the event detail is not a JSON object";
    }
    if (letter.source === EVENT_SOURCE) {
      await this.#o.publisher.publish([{ detailType: letter.detailType, detail: letter.detail }]);
      return undefined;
    }
    if (this.#o.redeliverForeign === undefined)
      return `events from ${letter.source} cannot be republished`;
    const envelope = parseBody(message.Body) as Partial<ForeignEvent> | undefined;
    try {
      await this.#o.redeliverForeign({
        ...(envelope ?? {}),
        source: letter.source,
        "detail-type": letter.detailType,
        detail: letter.detail,
      });
      return undefined;
    } catch (error) {
      return `redelivery failed: ${(error as Error).message}`;
    }
  }

  async #receive(max: number, visibilityTimeout: number): Promise<Message[]> {
    const result = await this.#o.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#o.queueUrl,
        MaxNumberOfMessages: max,
        VisibilityTimeout: visibilityTimeout,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ["SentTimestamp", "ApproximateReceiveCount"],
        MessageAttributeNames: ["All"],
      }),
    );
    return result.Messages ?? [];
  }
}

export function toDeadLetter(message: Message): DeadLetter | undefined {
  if (message.MessageId === undefined) return undefined;
  const body = parseBody(message.Body);
  const o = (
    typeof body === "object" && body !== null && !Array.isArray(body) ? body : {}
  ) as Record<string, Json>;
  const attr = (name: string): string | undefined => message.MessageAttributes?.[name]?.StringValue;
  const text = (value: Json | undefined): string | null =>
    typeof value === "string" ? value : null;
  const sent = Number(message.Attributes?.SentTimestamp);
  const attributeReason = [attr("ERROR_CODE"), attr("ERROR_MESSAGE")]
    .filter((s) => s !== undefined)
    .join(": ");
  return {
    id: message.MessageId,
    source: text(o.source),
    detailType: text(o.detailType) ?? text(o["detail-type"]),
    detail: o.detail ?? (body === undefined ? (message.Body ?? null) : body),
    reason: text(o.reason) ?? (attributeReason === "" ? null : attributeReason),
    sentAt: Number.isFinite(sent) ? new Date(sent).toISOString() : null,
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? "0"),
  };
}

function parseBody(body: string | undefined): Json | undefined {
  if (body === undefined) return undefined;
  try {
    return JSON.parse(body) as Json;
  } catch {
    return undefined;
  }
}
