/**
 * A workflow's `triggers`: each event pattern becomes a rule on the orchestration bus, each
 * schedule a scheduled rule (on the default bus, the only one schedules run on). Neither targets
 * the state machine: both invoke the start-execution handler with the workflow, the trigger's
 * `input` (without one the handler uses the event's `detail`, as `baton dev` does: workflow input
 * schemas describe the detail, not the envelope) and the event, so the input schema is checked
 * before anything runs (`lib/runtime/triggered-start.ts`). Invocations the rule cannot deliver
 * are retried, then dead-lettered; the handler dead-letters the events it refuses itself.
 */
import { Duration } from "aws-cdk-lib";
import {
  type EventBus,
  EventField,
  type EventPattern,
  Rule,
  RuleTargetInput,
  Schedule,
} from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { JsonObject, Trigger } from "../core/model.ts";

export interface WorkflowTriggersProps {
  readonly workflow: string;
  readonly triggers: readonly Trigger[];
  /** The start-execution handler (`functions/start-execution.ts`). */
  readonly startExecution: IFunction;
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
      const target = new LambdaFunction(props.startExecution, {
        event: RuleTargetInput.fromObject({
          workflow: props.workflow,
          trigger: index,
          kind: trigger.kind,
          ...(trigger.input === undefined ? {} : { input: trigger.input }),
          // The envelope without Baton's own fields: what the dead-letter queue keeps on a refusal.
          event: {
            id: EventField.eventId,
            source: EventField.source,
            "detail-type": EventField.detailType,
            time: EventField.time,
            detail: EventField.fromPath("$.detail"),
          },
        }),
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
