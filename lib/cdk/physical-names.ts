/**
 * Deterministic physical names and ARNs. State machines are named `baton-<stage>-<workflow>` so
 * their ARNs can be built with `Stack.formatArn` before (or without) referencing the resource:
 * handlers, parents and IAM policies point at them with no CloudFormation dependency, which keeps
 * the template free of cycles.
 */
import { ArnFormat, Stack } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/** Step Functions limits state machine names to 80 characters. */
const MAX_STATE_MACHINE_NAME = 80;

export const resourcePrefix = (stage: string): string => `baton-${stage}`;

export function stateMachineName(stage: string, workflow: string): string {
  const name = `${resourcePrefix(stage)}-${workflow}`;
  if (name.length > MAX_STATE_MACHINE_NAME) {
    throw new Error(
      `State machine name "${name}" is ${name.length} characters; Step Functions allows ${MAX_STATE_MACHINE_NAME}. Shorten the workflow name or the stage.`,
    );
  }
  return name;
}

export function stateMachineArn(scope: IConstruct, name: string): string {
  return Stack.of(scope).formatArn({
    service: "states",
    resource: "stateMachine",
    resourceName: name,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** Every execution of a state machine (`…:execution:<name>:*`). */
export function executionsArn(scope: IConstruct, name: string): string {
  return Stack.of(scope).formatArn({
    service: "states",
    resource: "execution",
    resourceName: `${name}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** The alias every deploy points at its newest version. */
export const LIVE_ALIAS = "live";
