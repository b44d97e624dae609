/**
 * Releases the concurrency slots of workflows with a `concurrency` limit: every terminal status
 * change of their state machines (SUCCEEDED, FAILED, TIMED_OUT, ABORTED: crashes and timeouts
 * included) goes to the start-execution handler, which frees the slot and starts the next queued
 * execution (`lib/runtime/limits/concurrency.ts`). Deliveries are retried, then dead-lettered; a
 * lost one is reaped by the next drain that finds the semaphore full.
 */
import { Duration } from "aws-cdk-lib";
import { Rule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { STATUS_CHANGE_DETAIL_TYPE, STEP_FUNCTIONS_SOURCE } from "../core/wire.ts";
import { ARNS_PER_RULE } from "./execution-records-rules.ts";

export interface ConcurrencySlotsRuleProps {
  readonly startExecution: IFunction;
  /** State machines of the workflows with a concurrency limit. */
  readonly stateMachineArns: readonly string[];
  readonly deadLetterQueue: IQueue;
}

export const TERMINAL_STATUSES = ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"] as const;

export class ConcurrencySlotsRule extends Construct {
  readonly rules: readonly Rule[];

  constructor(scope: Construct, id: string, props: ConcurrencySlotsRuleProps) {
    super(scope, id);
    const arns = props.stateMachineArns;
    const rules: Rule[] = [];
    for (let i = 0; i < arns.length; i += ARNS_PER_RULE) {
      rules.push(
        new Rule(this, `Terminal${i / ARNS_PER_RULE}`, {
          description: "Terminal status changes of limited Baton workflows release their slot",
          eventPattern: {
            source: [STEP_FUNCTIONS_SOURCE],
            detailType: [STATUS_CHANGE_DETAIL_TYPE],
            detail: {
              stateMachineArn: arns.slice(i, i + ARNS_PER_RULE),
              status: [...TERMINAL_STATUSES],
            },
          },
          targets: [
            new LambdaFunction(props.startExecution, {
              deadLetterQueue: props.deadLetterQueue,
              retryAttempts: 8,
              maxEventAge: Duration.hours(2),
            }),
          ],
        }),
      );
    }
    this.rules = rules;
  }
}
