/** Alarms on the shared parts: dead-letter queue depth and each handler's throttles and errors. */
import { Duration } from "aws-cdk-lib";
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  type IMetric,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export interface PlatformAlarmsProps {
  readonly alarmNamePrefix: string;
  readonly deadLetterQueue: IQueue;
  /** Handlers by short name (used in alarm names). */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** @default no action */
  readonly alarmAction?: IAlarmAction;
}

export class PlatformAlarms extends Construct {
  readonly deadLetterDepth: Alarm;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: PlatformAlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const make = (alarmId: string, name: string, metric: IMetric, description: string): Alarm => {
      const alarm = new Alarm(this, alarmId, {
        alarmName: `${props.alarmNamePrefix}-${name}`,
        alarmDescription: description,
        metric,
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      if (props.alarmAction !== undefined) alarm.addAlarmAction(props.alarmAction);
      return alarm;
    };
    this.deadLetterDepth = make(
      "DeadLetterDepth",
      "dlq-depth",
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period,
        statistic: "Maximum",
      }),
      "Events could not be delivered; inspect GET /dlq and redrive with POST /dlq/redrive.",
    );
    const perFunction = Object.entries(props.functions).flatMap(([name, fn]) => [
      make(
        `${pascal(name)}Throttles`,
        `${name}-throttles`,
        fn.metricThrottles({ period, statistic: "Sum" }),
        `Lambda throttled the ${name} handler.`,
      ),
      make(
        `${pascal(name)}Errors`,
        `${name}-errors`,
        fn.metricErrors({ period, statistic: "Sum" }),
        `The ${name} handler failed (uncaught errors or timeouts).`,
      ),
    ]);
    this.alarms = [this.deadLetterDepth, ...perFunction];
  }
}

export const pascal = (name: string): string =>
  name.replace(/(^|[-_])([a-z0-9])/g, (_m, _sep: string, c: string) => c.toUpperCase());
