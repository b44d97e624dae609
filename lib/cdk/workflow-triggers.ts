/**
 * A workflow's `triggers`: each event pattern becomes a rule on the orchestration bus, each
 * schedule a scheduled rule (on the default bus, the only one schedules run on). Both start the
 * state machine with the trigger's `input`, or with the matching event's `detail` when it has none
 * (as `baton dev` does: workflow input schemas describe the detail, not the envelope), retrying
 * and then dead-lettering starts that fail.
 */
import { Duration } from "aws-cdk-lib";
import {
  type EventBus,
  type EventPattern,
  Rule,
  RuleTargetInput,
  Schedule,
} from "aws-cdk-lib/aws-events";
import { SfnStateMachine } from "aws-cdk-lib/aws-events-targets";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { IStateMachine } from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import type { JsonObject, Trigger } from "../core/model.ts";

export interface WorkflowTriggersProps {
  readonly workflow: string;
  readonly triggers: readonly Trigger[];
  readonly stateMachine: IStateMachine;
  /** Event triggers listen here. */
  readonly eventBus: EventBus;
  readonly deadLetterQueue: IQueue;
  /** @default 4 */
  readonly retryAttempts?: number;
}

export class WorkflowTriggers extends Construct {
  readonly rules: readonly Rule[];

  constructor(scope: Construct, id: string, props: WorkflowTriggersProps) {
    super(scope, id);
    this.rules = props.triggers.map((trigger, index) => {
      const target = new SfnStateMachine(props.stateMachine, {
        input:
          trigger.input === undefined
            ? RuleTargetInput.fromEventPath("$.detail")
            : RuleTargetInput.fromObject(trigger.input),
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: props.retryAttempts ?? 4,
        maxEventAge: Duration.hours(1),
      });
      const description = `Starts Baton workflow ${props.workflow} (trigger ${index + 1})`;
      if (trigger.kind === "schedule") {
        return new Rule(this, `Schedule${index}`, {
          description,
          schedule: Schedule.expression(trigger.expression),
          targets: [target],
        });
      }
      return new Rule(this, `Event${index}`, {
        description,
        eventBus: props.eventBus,
        eventPattern: toEventPattern(trigger.pattern),
        targets: [target],
      });
    });
  }
}

/**
 * A workflow file's pattern as a CDK `EventPattern`. Files may write the EventBridge key
 * `detail-type` or its camelCase `detailType`; CDK renders both as `detail-type` and passes every
 * other key (nested matchers, `$or`) through unchanged.
 */
export function toEventPattern(pattern: JsonObject): EventPattern {
  const { "detail-type": raw, ...rest } = pattern;
  const detailType = rest.detailType ?? raw;
  const rendered: Record<string, unknown> = { ...rest };
  if (detailType !== undefined) rendered.detailType = detailType;
  return rendered as EventPattern;
}
