/**
 * Drift of one contract: the deployed workflows whose calls (or compensations) to the service the
 * contract breaks, judged by the static check's rules (`lib/core/contract-check.ts`), never by a
 * text diff. Workflows are read from the catalogue's definitions without the validator or compiler
 * (`lib/core/contract-calls.ts`), which keeps the API and health-check bundles small.
 */
import { callsOnly } from "../../core/contract-calls.ts";
import { checkContracts } from "../../core/contract-check.ts";
import type { ServiceContract } from "../../core/contract-openapi.ts";
import { allSteps } from "../../core/model.ts";
import type { WorkflowCatalogue } from "../workflow-catalogue.ts";

export interface ContractProblem {
  readonly code: string;
  readonly severity: "error" | "warning";
  /** JSON pointer into the workflow definition. */
  readonly path: string;
  readonly message: string;
}

export interface DriftedWorkflow {
  readonly workflow: string;
  readonly version: number;
  /** Ids of the steps whose calls (or compensations) the problems are about. */
  readonly steps: readonly string[];
  readonly problems: readonly ContractProblem[];
}

/** The deployed workflows the contract breaks, each with its steps and problems. */
export function driftOf(
  contract: ServiceContract,
  catalogue: WorkflowCatalogue,
): DriftedWorkflow[] {
  const contracts = new Map([[contract.service, contract]]);
  const drifted: DriftedWorkflow[] = [];
  for (const entry of catalogue.list()) {
    const workflow = callsOnly(entry.name, entry.version, entry.definition);
    const problems = checkContracts(workflow, entry.definition, contracts);
    if (problems.length === 0) continue;
    const steps = [...allSteps(workflow.steps)].sort((a, b) => b.pointer.length - a.pointer.length);
    const stepOf = (path: string) =>
      steps.find((s) => path === s.pointer || path.startsWith(`${s.pointer}/`))?.id;
    drifted.push({
      workflow: entry.name,
      version: entry.version,
      steps: [...new Set(problems.flatMap((p) => stepOf(p.path) ?? []))],
      problems: problems.map((p) => ({
        code: p.code,
        severity: p.severity,
        path: p.path,
        message: p.message,
      })),
    });
  }
  return drifted;
}
