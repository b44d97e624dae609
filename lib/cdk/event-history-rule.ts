/**
 * Keeps the bus history (`GET /events`): one rule takes every event of the orchestration bus but
 * replays (`replay-name` absent, the pattern AWS documents for live traffic) to an SQS queue, which
 * the history function drains in batches of up to 100 into the events table.
 *
 * Why this and not a CloudWatch Logs target: EventBridge archives cannot be queried; a log group is
 * cheaper per event but is read with FilterLogEvents or Logs Insights (asynchronous, billed per GB
 * scanned) and MiniStack delivers no rule target to CloudWatch Logs, so nothing of it could be
 * tested below AWS. A table is read by one Query per day of the window, in either order, and TTL
 * drops old items for free (docs/events.md).
 */
import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import { type EventBus, type EventPattern, Rule } from "aws-cdk-lib/aws-events";
import { SqsQueue } from "aws-cdk-lib/aws-events-targets";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { type IQueue, Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { NOT_REPLAYED } from "../core/wire.ts";

/** The history function's timeout (the queue's visibility timeout is six times it). */
export const EVENT_HISTORY_TIMEOUT = Duration.seconds(30);

export interface EventHistoryRuleProps {
  readonly eventBus: EventBus;
  /** The history function (`functions/event-history.ts`). */
  readonly historyFunction: IFunction;
  /** Where messages go after `maxReceiveCount` failed receives (the queue itself, for the redrive policy). */
  readonly deadLetterQueue: IQueue;
  /** Where events the rule could not deliver go (`BatonDeadLetterQueue.targetQueue`). */
  readonly targetDeadLetterQueue: IQueue;
  readonly queueName: string;
  /** @default 8 */
  readonly maxReceiveCount?: number;
  /** @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

export class EventHistoryRule extends Construct {
  readonly rule: Rule;
  readonly queue: Queue;

  constructor(scope: Construct, id: string, props: EventHistoryRuleProps) {
    super(scope, id);
    this.queue = new Queue(this, "Queue", {
      queueName: props.queueName,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(EVENT_HISTORY_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: {
        queue: props.deadLetterQueue,
        maxReceiveCount: props.maxReceiveCount ?? 8,
      },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    // Every event of this account on the bus, as the archive takes them, minus replays: the history
    // already holds a replayed event's original. (`replay-name` is not a key CDK's type knows.)
    const pattern = { account: [Stack.of(this).account], ...NOT_REPLAYED };
    this.rule = new Rule(this, "Rule", {
      description: "Every orchestration bus event but replays, to the bus history",
      eventBus: props.eventBus,
      eventPattern: pattern as unknown as EventPattern,
      targets: [
        new SqsQueue(this.queue, {
          deadLetterQueue: props.targetDeadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
    props.historyFunction.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
      }),
    );
  }
}
