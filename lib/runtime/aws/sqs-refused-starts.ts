/**
 * Refused trigger and schedule starts into the dead-letter queue, in the shape EventBridge gives
 * a target it could not deliver to (the event as body, the reason in `ERROR_CODE` and
 * `ERROR_MESSAGE`), so `GET /dlq` lists them beside failed deliveries (`sqs-dead-letter-queue.ts`).
 */
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { RefusedStartSink, TriggerEvent } from "../triggered-start.ts";

/** SQS message attribute values are capped well above this; the reason stays readable. */
const MAX_MESSAGE_CHARS = 2000;

export class SqsRefusedStarts implements RefusedStartSink {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(client: SQSClient, queueUrl: string) {
    this.#client = client;
    this.#queueUrl = queueUrl;
  }

  async send(event: TriggerEvent, code: string, message: string): Promise<void> {
    await this.#client.send(
      new SendMessageCommand({
        QueueUrl: this.#queueUrl,
        MessageBody: JSON.stringify(event),
        MessageAttributes: {
          ERROR_CODE: { DataType: "String", StringValue: code },
          ERROR_MESSAGE: { DataType: "String", StringValue: message.slice(0, MAX_MESSAGE_CHARS) },
        },
      }),
    );
  }
}
