/**
 * `WorkflowDeployer` for `baton dev`: each published version is a machine prepared for the local
 * engine under the key `<name>:<version>` (its state machine ARN ends the same way, like a Step
 * Functions version ARN), so an execution, its redrive, its resume after a restart and its
 * compensation run all run the version it started on. A plain `<name>` (child workflows, `baton
 * run`) resolves to the current version. Machines are prepared on first use and kept.
 */
import type { StateMachineDefinition } from "../core/asl.ts";
import type { ReadyWorkflow } from "../core/project/model.ts";
import type { WorkflowCatalogue } from "../runtime/workflow-catalogue.ts";
import { DeployRefusedError, type WorkflowDeployer } from "../runtime/workflows/deployer.ts";
import { type PreparedMachine, prepareMachine, stateMachineArn } from "./machine.ts";

export const versionKey = (name: string, version: number): string => `${name}:${version}`;

export class LocalDeployer implements WorkflowDeployer {
  readonly #catalogue: WorkflowCatalogue;
  readonly #fallback: (key: string) => PreparedMachine | undefined;
  readonly #prepared = new Map<string, PreparedMachine>();

  /** `fallback`: machines prepared at startup for the served files, by workflow name. */
  constructor(
    catalogue: WorkflowCatalogue,
    fallback: (name: string) => PreparedMachine | undefined = () => undefined,
  ) {
    this.#catalogue = catalogue;
    this.#fallback = fallback;
  }

  async deploy(ready: ReadyWorkflow): Promise<{ readonly stateMachineArn: string }> {
    const key = versionKey(ready.name, ready.workflow.version);
    try {
      this.#prepared.set(key, prepareMachine(key, ready.asl));
    } catch (error) {
      throw new DeployRefusedError(
        `${ready.name} cannot run locally: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return { stateMachineArn: stateMachineArn(key) };
  }

  async route(): Promise<void> {
    // The local engine has no aliases of its own: starts pick their version from the catalogue.
  }

  async remove(): Promise<void> {
    // Machines stay: executions running on them finish, and their records keep their version.
  }

  /** The machine for `<name>:<version>` or `<name>` (the current version). */
  machine(key: string): PreparedMachine | undefined {
    const known = this.#prepared.get(key);
    if (known !== undefined) return known;
    const match = /^(.*):(\d+)$/.exec(key);
    const name = match?.[1] ?? key;
    const entry =
      match === null ? this.#catalogue.get(name) : this.#catalogue.version(name, Number(match[2]));
    if (entry === undefined) return match === null ? this.#fallback(name) : undefined;
    if (match === null) return this.machine(versionKey(name, entry.version));
    const served = this.#fallback(name);
    if (served !== undefined && sameDefinition(served, entry.asl)) {
      this.#prepared.set(key, served);
      return served;
    }
    const prepared = prepareMachine(key, entry.asl as unknown as StateMachineDefinition);
    this.#prepared.set(key, prepared);
    return prepared;
  }
}

const sameDefinition = (machine: PreparedMachine, asl: unknown): boolean =>
  JSON.stringify(machine.definition) === JSON.stringify(asl);
