/**
 * The stack's alarm on contract drift: a rule on the orchestration bus matches
 * `Contract Drift Detected` (published by `POST /services/{name}/contract/refresh` when a service's
 * contract breaks deployed workflows; docs/contracts.md), and an alarm fires on the rule's
 * `MatchedEvents`, so drift reaches the alarm topic like every other Baton alarm.
 */
import { Duration } from "aws-cdk-lib";
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  Metric,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { type EventBus, Rule } from "aws-cdk-lib/aws-events";
import { Construct } from "constructs";
import { DetailType, EVENT_SOURCE } from "../core/wire.ts";

export interface ContractDriftAlarmProps {
  readonly alarmNamePrefix: string;
  readonly eventBus: EventBus;
  /** @default no action */
  readonly alarmAction?: IAlarmAction;
}

export class ContractDriftAlarm extends Construct {
  readonly rule: Rule;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: ContractDriftAlarmProps) {
    super(scope, id);
    this.rule = new Rule(this, "Rule", {
      eventBus: props.eventBus,
      description: "Baton: a refreshed service contract breaks deployed workflows",
      eventPattern: { source: [EVENT_SOURCE], detailType: [DetailType.ContractDriftDetected] },
    });
    this.alarm = new Alarm(this, "Alarm", {
      alarmName: `${props.alarmNamePrefix}-contract-drift`,
      alarmDescription:
        "A service's contract changed under deployed workflows (Contract Drift Detected): see the event's workflows and problems, fix the calls or the service.",
      metric: new Metric({
        namespace: "AWS/Events",
        metricName: "MatchedEvents",
        dimensionsMap: { RuleName: this.rule.ruleName },
        statistic: "Sum",
        period: Duration.minutes(5),
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmAction !== undefined) this.alarm.addAlarmAction(props.alarmAction);
  }
}
