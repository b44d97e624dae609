/**
 * Feeds the execution-records function: Step Functions status changes of Baton's own state
 * machines (default bus, `aws.states`) and Baton's step and compensation events (orchestration bus)
 * go to one SQS queue, which the function drains in batches (grouped by execution inside the
 * handler), so recording costs a fraction of an invocation per event instead of one each.
 * Encrypted (SQS-managed), TLS only; a message whose execution failed to record comes back alone
 * (partial batch responses) and after `maxReceiveCount` receives moves to the dead-letter queue.
 * Rules that cannot deliver to the queue dead-letter there too.
 */

import { ArnFormat, Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import { type EventBus, type EventPattern, Match, Rule } from "aws-cdk-lib/aws-events";
import { SqsQueue } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { type IQueue, Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import {
  EVENT_SOURCE,
  NOT_REPLAYED,
  RECORDED_DETAIL_TYPE_PREFIXES,
  STATUS_CHANGE_DETAIL_TYPE,
  STEP_FUNCTIONS_SOURCE,
} from "../core/wire.ts";

/**
 * ARNs listed per status-change rule. PutRule limits a pattern to 4096 characters; 20 ARNs of the
 * longest names stay well under it.
 */
export const ARNS_PER_RULE = 20;
/** Messages per invocation at most, and how long the queue gathers them (records may lag this much). */
export const RECORDS_BATCH_SIZE = 100;
export const RECORDS_BATCHING_WINDOW_SECONDS = 1;
/** The records function's timeout (the queue's visibility timeout is six times it). */
export const RECORDS_TIMEOUT = Duration.seconds(30);

export interface ExecutionRecordsRulesProps {
  readonly recordsFunction: IFunction;
  /** The records function's timeout: the queue's visibility timeout is six times it. */
  readonly recordsTimeout: Duration;
  /** ARNs of the state machines whose executions are recorded. */
  readonly stateMachineArns: readonly string[];
  /**
   * Records every state machine whose ARN starts with this instead (the stack's name prefix, so
   * machines created at run time are recorded too); `stateMachineArns` is then not listed.
   * @default none
   */
  readonly stateMachineArnPrefix?: string;
  readonly eventBus: EventBus;
  /** Where messages go after `maxReceiveCount` failed receives, and undeliverable rule targets. */
  readonly deadLetterQueue: IQueue;
  readonly queueName: string;
  /** @default 8 */
  readonly maxReceiveCount?: number;
  /** @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
  /** Source of Baton's own events. @default "baton" */
  readonly eventSource?: string;
}

export class ExecutionRecordsRules extends Construct {
  readonly queue: Queue;
  readonly statusChangeRules: readonly Rule[];
  readonly stepEventsRule: Rule;

  constructor(scope: Construct, id: string, props: ExecutionRecordsRulesProps) {
    super(scope, id);
    this.queue = new Queue(this, "Queue", {
      queueName: props.queueName,
      // SQS-managed SSE needs no key policy for EventBridge to send here.
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.recordsTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: {
        queue: props.deadLetterQueue,
        maxReceiveCount: props.maxReceiveCount ?? 8,
      },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    // One statement for every rule of this account and region (a statement per rule would hit the
    // queue policy's 20-statement limit with many workflows); targets get a reference adding none.
    const stack = Stack.of(this);
    this.queue.addToResourcePolicy(
      new PolicyStatement({
        sid: "AllowEventBridgeRulesOfThisAccount",
        principals: [new ServicePrincipal("events.amazonaws.com")],
        actions: ["sqs:SendMessage"],
        resources: [this.queue.queueArn],
        conditions: {
          ArnLike: {
            "aws:SourceArn": stack.formatArn({
              service: "events",
              resource: "rule",
              resourceName: "*",
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          },
          StringEquals: { "aws:SourceAccount": stack.account },
        },
      }),
    );
    const targetQueue = Queue.fromQueueArn(this, "ForTargets", this.queue.queueArn);
    // The dead-letter queue's own policy admits every rule of the account (BatonDeadLetterQueue):
    // a reference adds no statement per rule.
    const targetDlq = Queue.fromQueueArn(this, "DlqForTargets", props.deadLetterQueue.queueArn);
    const target = (): SqsQueue =>
      new SqsQueue(targetQueue, {
        deadLetterQueue: targetDlq,
        retryAttempts: 8,
        maxEventAge: Duration.hours(2),
      });
    const prefix = props.stateMachineArnPrefix;
    if (prefix !== undefined) {
      this.statusChangeRules = [
        new Rule(this, "StatusChangePrefix", {
          description:
            "Status changes of every Baton state machine (name prefix) to the records handler",
          eventPattern: {
            source: [STEP_FUNCTIONS_SOURCE],
            detailType: [STATUS_CHANGE_DETAIL_TYPE],
            detail: { stateMachineArn: Match.prefix(prefix) },
          },
          targets: [target()],
        }),
      ];
    } else
      this.statusChangeRules = chunks(props.stateMachineArns, ARNS_PER_RULE).map(
        (arns, index) =>
          new Rule(this, `StatusChange${index}`, {
            description: "Baton state machine execution status changes to the records queue",
            eventPattern: {
              source: [STEP_FUNCTIONS_SOURCE],
              detailType: [STATUS_CHANGE_DETAIL_TYPE],
              detail: { stateMachineArn: [...arns] },
            },
            targets: [target()],
          }),
      );
    this.stepEventsRule = new Rule(this, "StepEvents", {
      description: "Baton step and compensation events to the records queue",
      eventBus: props.eventBus,
      // Replayed events (`POST /events/replay`) are left out: the records already hold them.
      eventPattern: {
        source: [props.eventSource ?? EVENT_SOURCE],
        detailType: Match.anyOf(
          ...RECORDED_DETAIL_TYPE_PREFIXES.map((prefix) => Match.prefix(prefix)),
        ),
        ...(NOT_REPLAYED as unknown as EventPattern),
      },
      targets: [target()],
    });
    props.recordsFunction.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: RECORDS_BATCH_SIZE,
        maxBatchingWindow: Duration.seconds(RECORDS_BATCHING_WINDOW_SECONDS),
        reportBatchItemFailures: true,
      }),
    );
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}
