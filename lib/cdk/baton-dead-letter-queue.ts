/**
 * The dead-letter queue for everything that could not be delivered: EventBridge rule targets, the
 * bus itself, the records handler's failed invocations and the handlers' event publisher.
 * Encrypted, TLS only, kept 14 days.
 *
 * SQS allows 20 statements per queue policy, and CDK would add one per rule using the queue (one
 * per workflow trigger). Instead the queue gets one statement for every EventBridge rule and bus
 * of this account and region, and rules are handed `targetQueue`, a reference that adds nothing.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { type IQueue, Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { acknowledge } from "./nag.ts";

export interface BatonDeadLetterQueueProps {
  readonly queueName: string;
  /** @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

export class BatonDeadLetterQueue extends Construct {
  readonly queue: Queue;
  /** The same queue for EventBridge rule targets and buses: using it adds no policy statement. */
  readonly targetQueue: IQueue;

  constructor(scope: Construct, id: string, props: BatonDeadLetterQueueProps) {
    super(scope, id);
    this.queue = new Queue(this, "Queue", {
      queueName: props.queueName,
      // SQS-managed SSE needs no key policy for EventBridge to send here.
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    const stack = Stack.of(this);
    const events = (resource: string): string =>
      stack.formatArn({
        service: "events",
        resource,
        resourceName: "*",
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    this.queue.addToResourcePolicy(
      new PolicyStatement({
        sid: "AllowEventBridgeOfThisAccount",
        principals: [new ServicePrincipal("events.amazonaws.com")],
        actions: ["sqs:SendMessage"],
        resources: [this.queue.queueArn],
        conditions: {
          ArnLike: { "aws:SourceArn": [events("rule"), events("event-bus")] },
          StringEquals: { "aws:SourceAccount": stack.account },
        },
      }),
    );
    this.targetQueue = Queue.fromQueueArn(this, "ForTargets", this.queue.queueArn);
    acknowledge(
      this.queue,
      "AwsSolutions-SQS3",
      "This queue is the dead-letter queue of EventBridge targets and of the event publisher.",
    );
  }
}
