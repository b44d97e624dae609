/**
 * Everything one workflow deploys (state machine, version and alias, triggers, alarms) in its own
 * nested stack. About 15 resources a workflow would put 50 workflows past CloudFormation's
 * 500-resource limit in one stack; one nested stack each keeps that limit at roughly 450
 * workflows, and a workflow never moves between stacks as others are added (which would collide
 * on its fixed state machine name during the deploy).
 */

import { NestedStack, type RemovalPolicy } from "aws-cdk-lib";
import type { IAlarmAction } from "aws-cdk-lib/aws-cloudwatch";
import type { EventBus } from "aws-cdk-lib/aws-events";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import type { ReadyWorkflow } from "../core/project/model.ts";
import type { StateMachineLogLevel } from "./config.ts";
import { WorkflowAlarms } from "./workflow-alarms.ts";
import { WorkflowStateMachine } from "./workflow-state-machine.ts";
import { WorkflowTriggers } from "./workflow-triggers.ts";

export interface BatonWorkflowProps {
  readonly compiled: ReadyWorkflow;
  readonly stateMachineName: string;
  /** State machine names of every deployed workflow, by workflow name (for child workflows). */
  readonly stateMachineNames: Readonly<Record<string, string>>;
  readonly serviceCall: IFunction;
  readonly awaitSignal: IFunction;
  /**
   * Trigger and schedule rules invoke it to validate and start this workflow; `workflow` steps
   * invoke it to check their child's input.
   */
  readonly startExecution: IFunction;
  readonly eventBus: EventBus;
  readonly deadLetterQueue: IQueue;
  readonly metricNamespace: string;
  /** @default no alarm action */
  readonly alarmAction?: IAlarmAction;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
  /** Leave out versions, aliases and metric-math alarms (AWS emulators). @default false */
  readonly emulator?: boolean;
  /** State machine log level. @default "ERROR" */
  readonly logLevel?: StateMachineLogLevel;
}

export class BatonWorkflow extends NestedStack {
  readonly machine: WorkflowStateMachine;
  readonly triggers?: WorkflowTriggers;
  readonly alarms: WorkflowAlarms;

  constructor(scope: Construct, id: string, props: BatonWorkflowProps) {
    super(scope, id, { description: `Baton workflow ${props.compiled.workflow.name}` });
    const { workflow, asl, manifest } = props.compiled;
    this.machine = new WorkflowStateMachine(this, "Machine", {
      stateMachineName: props.stateMachineName,
      type: workflow.type,
      version: workflow.version,
      definition: asl,
      manifest,
      serviceCall: props.serviceCall,
      ...(manifest.tasks.includes("AwaitSignal") ? { awaitSignal: props.awaitSignal } : {}),
      ...(manifest.tasks.includes("ChildInput") ? { startExecution: props.startExecution } : {}),
      eventBus: props.eventBus,
      childStateMachineNames: props.stateMachineNames,
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
      ...(props.removalPolicy === undefined ? {} : { removalPolicy: props.removalPolicy }),
      publishVersion: props.emulator !== true,
      ...(props.logLevel === undefined ? {} : { logLevel: props.logLevel }),
    });
    if (workflow.triggers.length > 0) {
      this.triggers = new WorkflowTriggers(this, "Triggers", {
        workflow: workflow.name,
        triggers: workflow.triggers,
        startExecution: props.startExecution,
        eventBus: props.eventBus,
        deadLetterQueue: props.deadLetterQueue,
      });
    }
    this.alarms = new WorkflowAlarms(this, "Alarms", {
      workflow: workflow.name,
      alarmNamePrefix: props.stateMachineName,
      stateMachine: this.machine.stateMachine,
      logGroup: this.machine.logGroup,
      metricNamespace: props.metricNamespace,
      ...(workflow.timeout === undefined ? {} : { timeoutSeconds: workflow.timeout }),
      ...(props.alarmAction === undefined ? {} : { alarmAction: props.alarmAction }),
      metricMath: props.emulator !== true,
    });
  }
}
