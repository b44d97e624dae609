/**
 * Runs the health-check handler on a fixed schedule (every minute by default), and on every
 * `Instance Suspected` event (a call to the instance failed) so it is probed at once.
 */
import { Duration } from "aws-cdk-lib";
import { type EventBus, Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { DetailType, EVENT_SOURCE } from "../core/wire.ts";

export interface HealthCheckScheduleProps {
  readonly healthCheck: IFunction;
  readonly deadLetterQueue: IQueue;
  /** The orchestration bus, where the service-call handler announces suspect instances. */
  readonly eventBus: EventBus;
  /** @default Duration.minutes(1) */
  readonly interval?: Duration;
}

export class HealthCheckSchedule extends Construct {
  readonly rule: Rule;
  readonly suspectRule: Rule;

  constructor(scope: Construct, id: string, props: HealthCheckScheduleProps) {
    super(scope, id);
    this.rule = new Rule(this, "Rule", {
      description: "Probes every registered Baton service instance",
      schedule: Schedule.rate(props.interval ?? Duration.minutes(1)),
      targets: [
        new LambdaFunction(props.healthCheck, {
          deadLetterQueue: props.deadLetterQueue,
          // The next run is a minute away; a stale probe is worth less than a fresh one.
          retryAttempts: 0,
          maxEventAge: Duration.minutes(1),
        }),
      ],
    });
    this.suspectRule = new Rule(this, "Suspects", {
      description: "Probes a Baton service instance at once when a call to it failed",
      eventBus: props.eventBus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [DetailType.InstanceSuspected] },
      targets: [
        new LambdaFunction(props.healthCheck, {
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: 0,
          maxEventAge: Duration.minutes(1),
        }),
      ],
    });
  }
}
