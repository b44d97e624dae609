/**
 * The dead-letter queue of undeliverable events, a port: SQS in AWS
 * (`aws/sqs-dead-letter-queue.ts`), in memory locally (`lib/local/dead-letters.ts`).
 */
import type { Json } from "../core/model.ts";

export interface DeadLetter {
  /** Queue message id. */
  readonly id: string;
  readonly source: string | null;
  readonly detailType: string | null;
  readonly detail: Json;
  readonly reason: string | null;
  /** ISO time the message entered the queue. */
  readonly sentAt: string | null;
  readonly receiveCount: number;
}

export interface RedriveResult {
  readonly redriven: number;
  readonly failed: readonly { readonly id: string; readonly reason: string }[];
}

export interface DeadLetterQueue {
  /** Up to `limit` messages, without consuming them. */
  list(limit: number): Promise<DeadLetter[]>;
  /** Redelivers up to `max` messages; delivered ones leave the queue. */
  redrive(max: number): Promise<RedriveResult>;
  /** Approximate number of messages waiting. */
  count(): Promise<number>;
}

/** An event in EventBridge envelope form, as handed to `redeliverForeign`. */
export interface ForeignEvent {
  readonly source: string;
  readonly "detail-type": string;
  readonly detail: Json;
  readonly id?: string;
  readonly time?: string;
  readonly resources?: readonly string[];
}
