/**
 * What publishing needs from the engine: make a version runnable, point aliases, forget a
 * workflow. AWS: Step Functions versions and aliases (`aws/sfn-workflow-deployer.ts`); `baton
 * dev`: prepared machines for the local engine (`lib/local/local-deployer.ts`).
 */
import type { ReadyWorkflow } from "../../core/project/model.ts";
import type { Routing } from "./routing.ts";

export interface DeployedVersion {
  /** The ARN a start of this version uses (AWS: the published version's ARN). */
  readonly stateMachineArn?: string;
}

/** The engine refused the definition (the API answers 400 with the reason). */
export class DeployRefusedError extends Error {
  override readonly name = "DeployRefusedError";
}

export interface WorkflowDeployer {
  /** Deploys `ready` (already at its new version) and publishes it as an immutable version. */
  deploy(ready: ReadyWorkflow): Promise<DeployedVersion>;
  /** Points the engine's alias at the routing; versions are the catalogue entries it names. */
  route(
    name: string,
    alias: string,
    routing: Routing,
    arns: ReadonlyMap<number, string>,
  ): Promise<void>;
  /** The workflow was deleted: its aliases go; versions stay for the executions running on them. */
  remove(name: string, aliases: readonly string[]): Promise<void>;
}
