/** One CloudWatch dashboard: per-workflow executions and latency, handlers, dead letters, API. */
import { Duration } from "aws-cdk-lib";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import {
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
} from "aws-cdk-lib/aws-cloudwatch";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export interface DashboardWorkflow {
  readonly name: string;
  /** Built from the deterministic name, so the dashboard needs no output of the workflow's stack. */
  readonly stateMachineArn: string;
  readonly compensationFailed: IMetric;
}

export interface BatonDashboardProps {
  readonly dashboardName: string;
  readonly workflows: readonly DashboardWorkflow[];
  readonly functions: Readonly<Record<string, IFunction>>;
  readonly deadLetterQueue: IQueue;
  readonly api: RestApi;
  /**
   * Namespace of the handlers' EMF metrics (docs/observability.md): adds per-service call widgets,
   * one line per service found by a search expression (services are registered at run time).
   * @default none
   */
  readonly metricNamespace?: string;
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
    for (const { name, stateMachineArn, compensationFailed } of props.workflows) {
      const sm = stateMachineMetrics(stateMachineArn);
      this.dashboard.addWidgets(
        new GraphWidget({
          title: `${name}: executions`,
          width: 12,
          left: [
            sm("ExecutionsStarted", "Sum"),
            sm("ExecutionsSucceeded", "Sum"),
            sm("ExecutionsFailed", "Sum"),
            sm("ExecutionThrottled", "Sum"),
            compensationFailed,
          ],
        }),
        new GraphWidget({
          title: `${name}: duration and failure rate`,
          width: 12,
          left: [sm("ExecutionTime", "p50"), sm("ExecutionTime", "p95")],
          right: [
            new MathExpression({
              expression: "IF(started > 0, 100 * failed / started, 0)",
              usingMetrics: {
                started: sm("ExecutionsStarted", "Sum"),
                failed: sm("ExecutionsFailed", "Sum"),
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
    if (props.metricNamespace !== undefined) this.addServiceWidgets(props.metricNamespace, period);
  }

  /** Baton's own per-service metrics: calls and failures (Sum), latency (p95). */
  private addServiceWidgets(namespace: string, period: Duration): void {
    const search = (metric: string, statistic: string, label: string) =>
      new MathExpression({
        expression: `SEARCH('{${namespace},Service} MetricName="${metric}"', '${statistic}', ${period.toSeconds()})`,
        usingMetrics: {},
        label,
        period,
      });
    this.dashboard.addWidgets(
      new GraphWidget({
        title: "Service calls and failures, by service",
        width: 12,
        left: [search("ServiceCalls", "Sum", "calls")],
        right: [search("ServiceCallFailures", "Sum", "failures")],
      }),
      new GraphWidget({
        title: "Service call latency p95 and breaker openings, by service",
        width: 12,
        left: [search("ServiceCallLatency", "p95", "p95 ms")],
        right: [search("CircuitOpened", "Sum", "circuit opened")],
      }),
    );
  }
}

/** A metric of one state machine (namespace `AWS/States`), five-minute periods. */
function stateMachineMetrics(stateMachineArn: string) {
  return (metricName: string, statistic: string): Metric =>
    new Metric({
      namespace: "AWS/States",
      metricName,
      dimensionsMap: { StateMachineArn: stateMachineArn },
      statistic,
      period: Duration.minutes(5),
    });
}
