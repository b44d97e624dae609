/**
 * One workflow's state machine: the compiled ASL with its placeholders substituted, logging and
 * tracing, a version published on every definition change behind the `live` alias, and a role that
 * may do exactly what the definition references (its service calls, await steps, emits, child
 * workflows and the check of their input) and nothing else.
 */
import { CfnDeletionPolicy, RemovalPolicy, Stack } from "aws-cdk-lib";
import type { EventBus } from "aws-cdk-lib/aws-events";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import {
  CfnStateMachineAlias,
  CfnStateMachineVersion,
  DefinitionBody,
  LogLevel,
  StateMachine,
  StateMachineType,
} from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import type { StateMachineDefinition } from "../core/asl.ts";
import type { WorkflowType } from "../core/model.ts";
import type { WorkflowManifest } from "../core/project/model.ts";
import { childWorkflowSubstitution, SUBSTITUTION_KEYS } from "../core/wire.ts";
import type { StateMachineLogLevel } from "./config.ts";
import { accountArn, acknowledge } from "./nag.ts";
import { executionsArn, LIVE_ALIAS, stateMachineArn } from "./physical-names.ts";

/** The rule `startExecution.sync` manages to learn when a child execution ends. */
export const SYNC_EXECUTION_RULE = "StepFunctionsGetEventsForStepFunctionsExecutionRule";

export interface WorkflowStateMachineProps {
  readonly stateMachineName: string;
  readonly type: WorkflowType;
  readonly version: number;
  readonly definition: StateMachineDefinition;
  /** What the definition uses (from the Project): its substitutions and policy follow from it. */
  readonly manifest: WorkflowManifest;
  readonly serviceCall: IFunction;
  /** Required when the definition has `await` steps. @default none */
  readonly awaitSignal?: IFunction;
  /**
   * The start-execution handler; required when the definition has `workflow` steps (it checks
   * each child's input before the child starts). @default none
   */
  readonly startExecution?: IFunction;
  readonly eventBus: EventBus;
  /**
   * State machine name of every child workflow the definition starts, by workflow name.
   * @default none
   */
  readonly childStateMachineNames?: Readonly<Record<string, string>>;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Applies to the log group and the state machine. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
  /** Publish a version per deploy behind the `live` alias. @default true */
  readonly publishVersion?: boolean;
  /**
   * Log level, Express included (Express history exists only in the logs, but at ALL with
   * execution data the logs cost more than the execution). @default "ERROR"
   */
  readonly logLevel?: StateMachineLogLevel;
}

export class WorkflowStateMachine extends Construct {
  readonly stateMachine: StateMachine;
  readonly logGroup: LogGroup;
  readonly version?: CfnStateMachineVersion;
  readonly alias?: CfnStateMachineAlias;

  constructor(scope: Construct, id: string, props: WorkflowStateMachineProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const express = props.type === "express";
    this.logGroup = new LogGroup(this, "Logs", {
      // The vended-logs prefix keeps the CloudWatch Logs resource policy small.
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}`,
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy,
    });
    const substitutions = this.substitutions(props);
    this.stateMachine = new StateMachine(this, "StateMachine", {
      stateMachineName: props.stateMachineName,
      stateMachineType: express ? StateMachineType.EXPRESS : StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(JSON.stringify(props.definition)),
      ...(Object.keys(substitutions).length === 0
        ? {}
        : { definitionSubstitutions: substitutions }),
      logs: {
        destination: this.logGroup,
        level: LogLevel[props.logLevel ?? "ERROR"],
        // The compensation-failure metric filter reads the error name of ExecutionFailed entries.
        includeExecutionData: true,
      },
      tracingEnabled: true,
      removalPolicy,
    });
    this.grantWhatTheDefinitionUses(props);
    this.acknowledgeNagFindings(props);
    if (props.publishVersion === false) return;
    this.version = new CfnStateMachineVersion(this, "Version", {
      stateMachineArn: this.stateMachine.stateMachineArn,
      stateMachineRevisionId: this.stateMachine.stateMachineRevisionId,
      description: `workflow version ${props.version}`,
    });
    // A new definition replaces the version resource; keep the old one for rollback and history.
    // Deleting the stack still deletes the state machine and, with it, every version.
    this.version.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;
    this.version.cfnOptions.deletionPolicy = CfnDeletionPolicy.DELETE;
    this.alias = new CfnStateMachineAlias(this, "Alias", {
      name: LIVE_ALIAS,
      description: "The version published by the latest deploy",
      routingConfiguration: [{ stateMachineVersionArn: this.version.attrArn, weight: 100 }],
    });
  }

  private substitutions(props: WorkflowStateMachineProps): Record<string, string> {
    const uses = usesOf(props.manifest);
    const values: Record<string, string> = {};
    if (uses.serviceCall) values[SUBSTITUTION_KEYS.ServiceCall] = props.serviceCall.functionArn;
    if (uses.eventBus) values[SUBSTITUTION_KEYS.EventBus] = props.eventBus.eventBusName;
    if (uses.awaitSignal) {
      if (props.awaitSignal === undefined) {
        throw new Error(
          `${props.stateMachineName} has await steps but no awaitSignal function was given.`,
        );
      }
      values[SUBSTITUTION_KEYS.AwaitSignal] = props.awaitSignal.functionArn;
    }
    for (const child of uses.childWorkflows) {
      values[childWorkflowSubstitution(child)] = stateMachineArn(this, childName(props, child));
    }
    if (uses.childInput) {
      if (props.startExecution === undefined) {
        throw new Error(
          `${props.stateMachineName} has workflow steps but no startExecution function was given (it checks each child's input).`,
        );
      }
      values[SUBSTITUTION_KEYS.StartExecution] = props.startExecution.functionArn;
    }
    return values;
  }

  private grantWhatTheDefinitionUses(props: WorkflowStateMachineProps): void {
    const uses = usesOf(props.manifest);
    const allow = (actions: string[], resources: string[]): void => {
      this.stateMachine.addToRolePolicy(new PolicyStatement({ actions, resources }));
    };
    // Tasks name the unqualified function ARN, so no `:*` version wildcard is granted.
    if (uses.serviceCall) allow(["lambda:InvokeFunction"], [props.serviceCall.functionArn]);
    if (uses.awaitSignal && props.awaitSignal !== undefined) {
      allow(["lambda:InvokeFunction"], [props.awaitSignal.functionArn]);
    }
    if (uses.eventBus) allow(["events:PutEvents"], [props.eventBus.eventBusArn]);
    if (uses.childInput && props.startExecution !== undefined) {
      allow(["lambda:InvokeFunction"], [props.startExecution.functionArn]);
    }
    if (uses.childWorkflows.length === 0) return;
    const children = uses.childWorkflows.map((child) => childName(props, child));
    allow(
      ["states:StartExecution"],
      children.map((name) => stateMachineArn(this, name)),
    );
    allow(
      ["states:DescribeExecution", "states:StopExecution"],
      children.map((name) => executionsArn(this, name)),
    );
    allow(
      ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
      [
        Stack.of(this).formatArn({
          service: "events",
          resource: "rule",
          resourceName: SYNC_EXECUTION_RULE,
        }),
      ],
    );
  }

  private acknowledgeNagFindings(props: WorkflowStateMachineProps): void {
    acknowledge(
      this.stateMachine,
      "AwsSolutions-IAM5",
      "Log delivery (logs:*LogDelivery, DescribeResourcePolicies) and X-Ray actions support no resource-level permissions.",
      ["Resource::*"],
    );
    const children = props.manifest.children.map((child) => childName(props, child));
    if (children.length > 0) {
      acknowledge(
        this.stateMachine,
        "AwsSolutions-IAM5",
        "startExecution.sync describes and stops the child executions it starts, whose ids are made at run time.",
        children.map((name) => accountArn("states", `execution:${name}:*`)),
      );
    }
    if ((props.logLevel ?? "ERROR") !== "ALL") {
      acknowledge(
        this.stateMachine,
        "AwsSolutions-SF1",
        props.type === "standard"
          ? "Standard workflows log ERROR events: Step Functions keeps their full history and Baton records every step in DynamoDB; ALL would multiply log cost."
          : "Express workflows log ERROR events by default: Baton records every step in DynamoDB, and ALL with execution data costs more than the execution itself (baton:stateMachineLogLevel=ALL turns it on).",
      );
    }
  }
}

function childName(props: WorkflowStateMachineProps, child: string): string {
  const name = props.childStateMachineNames?.[child];
  if (name === undefined) {
    throw new Error(
      `${props.stateMachineName} starts workflow "${child}" but no state machine name was given for it.`,
    );
  }
  return name;
}

/** The resources a definition needs, by the Task resources its manifest lists. */
function usesOf(manifest: WorkflowManifest) {
  return {
    serviceCall: manifest.tasks.includes("ServiceCall"),
    eventBus: manifest.tasks.includes("Emit"),
    awaitSignal: manifest.tasks.includes("AwaitSignal"),
    childInput: manifest.tasks.includes("ChildInput"),
    childWorkflows: manifest.children,
  };
}
