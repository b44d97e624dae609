/**
 * A workflow's alarms: failure rate (failed / started, metric math), p95 duration, compensation
 * failures and throttled starts.
 *
 * Compensation failures are counted by a metric filter on the state machine's log group: an
 * execution whose compensation failed ends with error `Baton.CompensationFailed`, and the
 * `ExecutionFailed` log entry (logged at ERROR and ALL levels alike) carries it. That needs no code
 * in the handlers and works the same for standard and express workflows.
 */
import { Duration } from "aws-cdk-lib";
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  MathExpression,
  Metric,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { FilterPattern, type ILogGroup, MetricFilter } from "aws-cdk-lib/aws-logs";
import type { IStateMachine } from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { BatonError } from "../core/errors.ts";

/** The metric the compensation-failure filter writes, usable from any stack. */
export function compensationFailedMetric(namespace: string, workflow: string): Metric {
  return new Metric({
    namespace,
    metricName: `CompensationFailed_${workflow}`,
    statistic: "Sum",
    period: Duration.minutes(5),
  });
}

export interface WorkflowAlarmsProps {
  readonly workflow: string;
  /** Prefix of the alarm names, e.g. the state machine name. */
  readonly alarmNamePrefix: string;
  readonly stateMachine: IStateMachine;
  readonly logGroup: ILogGroup;
  /** Namespace of the compensation-failure metric. */
  readonly metricNamespace: string;
  /** The workflow's own timeout in seconds, if it declares one. @default none */
  readonly timeoutSeconds?: number;
  /** @default 10 */
  readonly failureRatePercent?: number;
  /** @default 80% of the workflow timeout, or 5 minutes when it has none */
  readonly p95DurationThreshold?: Duration;
  /** @default no action */
  readonly alarmAction?: IAlarmAction;
  /**
   * Alarm on the failure rate (metric math); without it, on any failed execution.
   * @default true
   */
  readonly metricMath?: boolean;
}

export class WorkflowAlarms extends Construct {
  readonly failureRate: Alarm;
  readonly durationP95: Alarm;
  readonly compensationFailed: Alarm;
  readonly throttled: Alarm;
  readonly compensationFailedMetric: Metric;

  constructor(scope: Construct, id: string, props: WorkflowAlarmsProps) {
    super(scope, id);
    const sm = props.stateMachine;
    const period = Duration.minutes(5);
    const rate = new MathExpression({
      expression: "IF(started > 0, 100 * failed / started, 0)",
      usingMetrics: {
        started: sm.metricStarted({ period, statistic: "Sum" }),
        failed: sm.metricFailed({ period, statistic: "Sum" }),
      },
      label: `${props.workflow} failure rate (%)`,
      period,
    });
    this.failureRate =
      props.metricMath === false
        ? this.alarm(props, "FailureRate", "failures", {
            metric: sm.metricFailed({ period, statistic: "Sum" }),
            threshold: 0,
            description: `A ${props.workflow} execution failed.`,
          })
        : this.alarm(props, "FailureRate", "failure-rate", {
            metric: rate,
            threshold: props.failureRatePercent ?? 10,
            description: `More than ${props.failureRatePercent ?? 10}% of ${props.workflow} executions failed.`,
          });
    const p95 = props.p95DurationThreshold ?? defaultP95Threshold(props.timeoutSeconds);
    this.durationP95 = this.alarm(props, "DurationP95", "duration-p95", {
      metric: sm.metricTime({ period, statistic: "p95" }),
      threshold: p95.toMilliseconds(),
      description: `p95 duration of ${props.workflow} is over ${p95.toSeconds()} s.`,
    });
    const filter = new MetricFilter(this, "CompensationFailedFilter", {
      logGroup: props.logGroup,
      metricNamespace: props.metricNamespace,
      metricName: compensationFailedMetric(props.metricNamespace, props.workflow).metricName,
      filterPattern: FilterPattern.all(
        FilterPattern.stringValue("$.type", "=", "ExecutionFailed"),
        FilterPattern.stringValue("$.details.error", "=", BatonError.CompensationFailed),
      ),
      metricValue: "1",
      defaultValue: 0,
    });
    this.compensationFailedMetric = filter.metric({ period, statistic: "Sum" });
    this.compensationFailed = this.alarm(props, "CompensationFailed", "compensation-failed", {
      metric: this.compensationFailedMetric,
      threshold: 0,
      description: `A ${props.workflow} execution ended COMPENSATION_FAILED: some side effects were not undone.`,
    });
    this.throttled = this.alarm(props, "Throttled", "throttled", {
      metric: sm.metric("ExecutionThrottled", { period, statistic: "Sum" }),
      threshold: 0,
      description: `Step Functions throttled ${props.workflow} state transitions or starts.`,
    });
  }

  private alarm(
    props: WorkflowAlarmsProps,
    id: string,
    suffix: string,
    options: { metric: MathExpression | Metric; threshold: number; description: string },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      alarmName: `${props.alarmNamePrefix}-${suffix}`,
      alarmDescription: options.description,
      metric: options.metric,
      threshold: options.threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmAction !== undefined) alarm.addAlarmAction(props.alarmAction);
    return alarm;
  }
}

function defaultP95Threshold(timeoutSeconds: number | undefined): Duration {
  if (timeoutSeconds === undefined) return Duration.minutes(5);
  return Duration.seconds(Math.max(1, Math.floor(timeoutSeconds * 0.8)));
}
