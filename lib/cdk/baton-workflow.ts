/** Everything one workflow deploys: its state machine, triggers and alarms. */
import type { RemovalPolicy } from "aws-cdk-lib";
import type { IAlarmAction } from "aws-cdk-lib/aws-cloudwatch";
import type { EventBus } from "aws-cdk-lib/aws-events";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { CompiledWorkflow } from "./compiled-workflows.ts";
import { WorkflowAlarms } from "./workflow-alarms.ts";
import { WorkflowStateMachine } from "./workflow-state-machine.ts";
import { WorkflowTriggers } from "./workflow-triggers.ts";

export interface BatonWorkflowProps {
  readonly compiled: CompiledWorkflow;
  readonly stateMachineName: string;
  /** State machine names of every deployed workflow, by workflow name (for child workflows). */
  readonly stateMachineNames: Readonly<Record<string, string>>;
  readonly serviceCall: IFunction;
  readonly awaitSignal: IFunction;
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
}

export class BatonWorkflow extends Construct {
  readonly machine: WorkflowStateMachine;
  readonly triggers?: WorkflowTriggers;
  readonly alarms: WorkflowAlarms;

  constructor(scope: Construct, id: string, props: BatonWorkflowProps) {
    super(scope, id);
    const { workflow, asl, uses } = props.compiled;
    this.machine = new WorkflowStateMachine(this, "Machine", {
      stateMachineName: props.stateMachineName,
      type: workflow.type,
      version: workflow.version,
      definition: asl,
      uses,
      serviceCall: props.serviceCall,
      ...(uses.awaitSignal ? { awaitSignal: props.awaitSignal } : {}),
      eventBus: props.eventBus,
      childStateMachineNames: props.stateMachineNames,
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
      ...(props.removalPolicy === undefined ? {} : { removalPolicy: props.removalPolicy }),
      publishVersion: props.emulator !== true,
    });
    if (workflow.triggers.length > 0) {
      this.triggers = new WorkflowTriggers(this, "Triggers", {
        workflow: workflow.name,
        triggers: workflow.triggers,
        stateMachine: this.machine.stateMachine,
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
