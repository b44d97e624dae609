/**
 * The dead-letter queue for everything that could not be delivered: EventBridge rule targets,
 * the bus itself, and the handlers' event publisher. Encrypted, TLS only, kept 14 days.
 */
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { acknowledge } from "./nag.ts";

export interface DeadLetterQueueProps {
  readonly queueName: string;
  /** @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

export class DeadLetterQueue extends Construct {
  readonly queue: Queue;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new Queue(this, "Queue", {
      queueName: props.queueName,
      // SQS-managed SSE needs no key policy for EventBridge to send here.
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    acknowledge(
      this.queue,
      "AwsSolutions-SQS3",
      "This queue is the dead-letter queue of EventBridge targets and of the event publisher.",
    );
  }
}
