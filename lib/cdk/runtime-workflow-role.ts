/**
 * The role of state machines created through the API (`PUT /workflows/{name}`). A runtime
 * workflow may do what any workflow may: invoke the service-call and await-signal functions, put
 * events on the orchestration bus, and start, describe and stop child machines named under the
 * stack's prefix (with the rule `startExecution.sync` manages). Nothing else: no other stack's
 * machines, no tables, no secrets. The API may pass this role, and only this one, to Step
 * Functions (see `BatonHandlers`).
 */
import { Stack } from "aws-cdk-lib";
import type { EventBus } from "aws-cdk-lib/aws-events";
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";
import { accountArn, acknowledge } from "./nag.ts";
import { executionsArn, stateMachineArn } from "./physical-names.ts";
import { SYNC_EXECUTION_RULE } from "./workflow-state-machine.ts";

export interface RuntimeWorkflowRoleProps {
  /** State machines of this stack are named `<prefix><workflow>`, e.g. `baton-prod-`. */
  readonly stateMachinePrefix: string;
  readonly serviceCall: IFunction;
  readonly awaitSignal: IFunction;
  readonly eventBus: EventBus;
}

export class RuntimeWorkflowRole extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: RuntimeWorkflowRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const machines = `${props.stateMachinePrefix}*`;
    this.role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("states.amazonaws.com"),
      description: "Baton: state machines created through the API run under this role",
      inlinePolicies: {
        RuntimeWorkflows: new PolicyDocument({
          statements: [
            new PolicyStatement({
              actions: ["lambda:InvokeFunction"],
              resources: [props.serviceCall.functionArn, props.awaitSignal.functionArn],
            }),
            new PolicyStatement({
              actions: ["events:PutEvents"],
              resources: [props.eventBus.eventBusArn],
            }),
            new PolicyStatement({
              actions: ["states:StartExecution"],
              resources: [stateMachineArn(this, machines)],
            }),
            new PolicyStatement({
              actions: ["states:DescribeExecution", "states:StopExecution"],
              resources: [executionsArn(this, machines)],
            }),
            new PolicyStatement({
              actions: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
              resources: [
                stack.formatArn({
                  service: "events",
                  resource: "rule",
                  resourceName: SYNC_EXECUTION_RULE,
                }),
              ],
            }),
            // X-Ray tracing, which every Baton state machine has on; no resource-level permissions.
            new PolicyStatement({
              actions: [
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
              ],
              resources: ["*"],
            }),
          ],
        }),
      },
    });
    acknowledge(
      this.role,
      "AwsSolutions-IAM5",
      "Runtime workflows start child workflows chosen at run time; only this stack's machines (its name prefix) and their executions are covered.",
      [
        accountArn("states", `stateMachine:${machines}`),
        accountArn("states", `execution:${machines}:*`),
      ],
    );
    acknowledge(
      this.role,
      "AwsSolutions-IAM5",
      "X-Ray actions support no resource-level permissions.",
      ["Resource::*"],
    );
  }
}
