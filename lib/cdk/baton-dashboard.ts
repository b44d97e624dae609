/** One CloudWatch dashboard: per-workflow executions and latency, handlers, dead letters, API. */
import { Duration } from "aws-cdk-lib";
import {
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  TextWidget,
} from "aws-cdk-lib/aws-cloudwatch";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { IStateMachine } from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";

export interface DashboardWorkflow {
  readonly name: string;
  readonly stateMachine: IStateMachine;
  readonly compensationFailed: IMetric;
}

export interface BatonDashboardProps {
  readonly dashboardName: string;
  readonly workflows: readonly DashboardWorkflow[];
  readonly functions: Readonly<Record<string, IFunction>>;
  readonly deadLetterQueue: IQueue;
  readonly api: RestApi;
}

export class BatonDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: BatonDashboardProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    this.dashboard = new Dashboard(this, "Dashboard", { dashboardName: props.dashboardName });
    this.dashboard.addWidgets(
      new TextWidget({ markdown: `# Baton ${props.dashboardName}`, width: 24, height: 1 }),
    );
    for (const { name, stateMachine: sm, compensationFailed } of props.workflows) {
      this.dashboard.addWidgets(
        new GraphWidget({
          title: `${name}: executions`,
          width: 12,
          left: [
            sm.metricStarted({ period }),
            sm.metricSucceeded({ period }),
            sm.metricFailed({ period }),
            sm.metric("ExecutionThrottled", { period, statistic: "Sum" }),
            compensationFailed,
          ],
        }),
        new GraphWidget({
          title: `${name}: duration and failure rate`,
          width: 12,
          left: [
            sm.metricTime({ period, statistic: "p50" }),
            sm.metricTime({ period, statistic: "p95" }),
          ],
          right: [
            new MathExpression({
              expression: "IF(started > 0, 100 * failed / started, 0)",
              usingMetrics: {
                started: sm.metricStarted({ period }),
                failed: sm.metricFailed({ period }),
              },
              label: "failure rate (%)",
              period,
            }),
          ],
        }),
      );
    }
    const fns = Object.entries(props.functions);
    this.dashboard.addWidgets(
      new GraphWidget({
        title: "Handlers: errors and throttles",
        width: 12,
        left: fns.flatMap(([label, fn]) => [
          fn.metricErrors({ period, label: `${label} errors` }),
          fn.metricThrottles({ period, label: `${label} throttles` }),
        ]),
      }),
      new GraphWidget({
        title: "Handlers: p95 duration",
        width: 12,
        left: fns.map(([label, fn]) => fn.metricDuration({ period, statistic: "p95", label })),
      }),
      new GraphWidget({
        title: "Dead-letter queue depth",
        width: 12,
        left: [props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period })],
      }),
      new GraphWidget({
        title: "API",
        width: 12,
        left: [
          props.api.metricCount({ period }),
          props.api.metricClientError({ period }),
          props.api.metricServerError({ period }),
        ],
        right: [props.api.metricLatency({ period, statistic: "p95" })],
      }),
    );
  }
}
