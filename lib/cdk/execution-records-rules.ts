/**
 * Feeds the execution-records handler: Step Functions status changes of Baton's own state machines
 * (default bus, `aws.states`) and Baton's step and compensation events (orchestration bus). Failed
 * deliveries are retried, then dead-lettered.
 */

import { Duration } from "aws-cdk-lib";
import { type EventBus, Match, Rule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { EVENT_SOURCE, STATUS_CHANGE_DETAIL_TYPE, STEP_FUNCTIONS_SOURCE } from "../core/wire.ts";

/** Detail types the records handler folds into step records (the bus carries more). */
export const RECORDED_DETAIL_TYPE_PREFIXES: readonly string[] = ["Step ", "Compensation "];
/**
 * ARNs listed per status-change rule. PutRule limits a pattern to 4096 characters; 20 ARNs of the
 * longest names stay well under it.
 */
export const ARNS_PER_RULE = 20;

export interface ExecutionRecordsRulesProps {
  readonly recordsFunction: IFunction;
  /** ARNs of the state machines whose executions are recorded. */
  readonly stateMachineArns: readonly string[];
  readonly eventBus: EventBus;
  readonly deadLetterQueue: IQueue;
  /** Source of Baton's own events. @default "baton" */
  readonly eventSource?: string;
}

export class ExecutionRecordsRules extends Construct {
  readonly statusChangeRules: readonly Rule[];
  readonly stepEventsRule: Rule;

  constructor(scope: Construct, id: string, props: ExecutionRecordsRulesProps) {
    super(scope, id);
    const target = (): LambdaFunction =>
      new LambdaFunction(props.recordsFunction, {
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: 8,
        maxEventAge: Duration.hours(2),
      });
    this.statusChangeRules = chunks(props.stateMachineArns, ARNS_PER_RULE).map(
      (arns, index) =>
        new Rule(this, `StatusChange${index}`, {
          description: "Baton state machine execution status changes to the records handler",
          eventPattern: {
            source: [STEP_FUNCTIONS_SOURCE],
            detailType: [STATUS_CHANGE_DETAIL_TYPE],
            detail: { stateMachineArn: [...arns] },
          },
          targets: [target()],
        }),
    );
    this.stepEventsRule = new Rule(this, "StepEvents", {
      description: "Baton step and compensation events to the records handler",
      eventBus: props.eventBus,
      eventPattern: {
        source: [props.eventSource ?? EVENT_SOURCE],
        detailType: Match.anyOf(
          ...RECORDED_DETAIL_TYPE_PREFIXES.map((prefix) => Match.prefix(prefix)),
        ),
      },
      targets: [target()],
    });
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}
