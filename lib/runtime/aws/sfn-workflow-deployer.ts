/**
 * `WorkflowDeployer` on Step Functions, for workflows published through the API: each workflow is
 * one state machine `<prefix><name>` running under the stack's runtime role (it may invoke the
 * service-call and await-signal functions, put events on the orchestration bus and start child
 * machines under the prefix, nothing else); each publish is `CreateStateMachine` or
 * `UpdateStateMachine` with `publish: true`, whose version ARN the catalogue entry keeps; aliases
 * are Step Functions aliases with the same routing. The placeholders CDK substitutes at deploy
 * time are substituted here from the environment the stack sets.
 */
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DeleteStateMachineAliasCommand,
  type SFNClient,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
} from "@aws-sdk/client-sfn";
import type { ReadyWorkflow } from "../../core/project/model.ts";
import { childWorkflowSubstitution, SUBSTITUTION_KEYS } from "../../core/wire.ts";
import { DeployRefusedError, type WorkflowDeployer } from "../workflows/deployer.ts";
import type { Routing } from "../workflows/routing.ts";

export interface SfnWorkflowDeployerOptions {
  readonly client: SFNClient;
  /** `arn:aws:states:<region>:<account>:stateMachine:<prefix>`; a workflow's machine is this + name. */
  readonly stateMachineArnPrefix: string;
  /** The role runtime-created machines run under (the API may pass only this one). */
  readonly roleArn: string;
  readonly serviceCallArn: string;
  readonly awaitSignalArn: string;
  readonly eventBusName: string;
}

export class SfnWorkflowDeployer implements WorkflowDeployer {
  readonly #o: SfnWorkflowDeployerOptions;

  constructor(options: SfnWorkflowDeployerOptions) {
    this.#o = options;
  }

  async deploy(ready: ReadyWorkflow): Promise<{ readonly stateMachineArn: string }> {
    const definition = this.#substitute(ready);
    const description = `workflow version ${ready.workflow.version}`;
    const machineArn = `${this.#o.stateMachineArnPrefix}${ready.name}`;
    try {
      const updated = await this.#o.client.send(
        new UpdateStateMachineCommand({
          stateMachineArn: machineArn,
          definition,
          roleArn: this.#o.roleArn,
          publish: true,
          versionDescription: description,
        }),
      );
      return { stateMachineArn: required(updated.stateMachineVersionArn, ready.name) };
    } catch (error) {
      if (errorName(error) !== "StateMachineDoesNotExist") throw refused(error, ready.name);
    }
    try {
      const created = await this.#o.client.send(
        new CreateStateMachineCommand({
          name: machineArn.slice(machineArn.lastIndexOf(":") + 1),
          definition,
          roleArn: this.#o.roleArn,
          type: ready.workflow.type === "express" ? "EXPRESS" : "STANDARD",
          tracingConfiguration: { enabled: true },
          publish: true,
          versionDescription: description,
        }),
      );
      return { stateMachineArn: required(created.stateMachineVersionArn, ready.name) };
    } catch (error) {
      throw refused(error, ready.name);
    }
  }

  /**
   * Points the Step Functions alias at the routed versions. Versions deployed by CloudFormation
   * have no ARN in the catalogue: their alias is the stack's (the next deploy sets it), so it is
   * left alone and Baton routes starts itself.
   */
  async route(
    name: string,
    alias: string,
    routing: Routing,
    arns: ReadonlyMap<number, string>,
  ): Promise<void> {
    const routingConfiguration = routing.map((r) => ({
      stateMachineVersionArn: arns.get(r.version) ?? "",
      weight: r.weight,
    }));
    if (routingConfiguration.some((r) => r.stateMachineVersionArn === "")) return;
    const aliasArn = `${this.#o.stateMachineArnPrefix}${name}:${alias}`;
    try {
      await this.#o.client.send(
        new UpdateStateMachineAliasCommand({
          stateMachineAliasArn: aliasArn,
          routingConfiguration,
        }),
      );
    } catch (error) {
      if (errorName(error) !== "ResourceNotFound") throw error;
      await this.#o.client.send(
        new CreateStateMachineAliasCommand({
          name: alias,
          routingConfiguration,
          description: `Baton alias ${alias} of ${name}`,
        }),
      );
    }
  }

  /** Deletes the aliases; the state machine and its versions stay for running executions. */
  async remove(name: string, aliases: readonly string[]): Promise<void> {
    for (const alias of aliases) {
      try {
        await this.#o.client.send(
          new DeleteStateMachineAliasCommand({
            stateMachineAliasArn: `${this.#o.stateMachineArnPrefix}${name}:${alias}`,
          }),
        );
      } catch (error) {
        if (errorName(error) !== "ResourceNotFound") throw error;
      }
    }
  }

  #substitute(ready: ReadyWorkflow): string {
    const values: Record<string, string> = {
      [SUBSTITUTION_KEYS.ServiceCall]: this.#o.serviceCallArn,
      [SUBSTITUTION_KEYS.AwaitSignal]: this.#o.awaitSignalArn,
      [SUBSTITUTION_KEYS.EventBus]: this.#o.eventBusName,
    };
    for (const child of ready.manifest.children)
      values[childWorkflowSubstitution(child)] = `${this.#o.stateMachineArnPrefix}${child}`;
    return JSON.stringify(ready.asl).replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, key: string) =>
      JSON.stringify(values[key] ?? whole).slice(1, -1),
    );
  }
}

const errorName = (error: unknown): string | undefined => (error as { name?: string } | null)?.name;

function required(arn: string | undefined, name: string): string {
  if (arn === undefined) throw new Error(`Step Functions published no version of ${name}.`);
  return arn;
}

/** Definition errors are the caller's (400); anything else goes up as it is. */
function refused(error: unknown, name: string): unknown {
  const kind = errorName(error);
  if (kind === "InvalidDefinition" || kind === "InvalidArn" || kind === "ValidationException")
    return new DeployRefusedError(`Step Functions refused ${name}: ${(error as Error).message}`);
  return error;
}
