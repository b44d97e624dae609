/**
 * `POST /services/{name}/contract/refresh`: reads the service's contract again (its `openapi` URL
 * through the guarded transport, or its inline document) and checks every deployed workflow's
 * calls to that service against it, with the static check's own rules (`contract-check.ts`),
 * never a text diff. When a workflow's calls break, `Contract Drift Detected` goes on the bus with
 * the service, the workflows and steps affected and the problems. The API answers with the same.
 * Nothing is stored: each refresh judges the deployed workflows against what the service
 * publishes now.
 */
import { callsOnly } from "../../core/contract-calls.ts";
import { checkContracts } from "../../core/contract-check.ts";
import { readContract, type ServiceContract } from "../../core/contract-openapi.ts";
import { allSteps, type Json } from "../../core/model.ts";
import { DetailType } from "../../core/wire.ts";
import type { EventPublisher } from "../events.ts";
import type { Fetch } from "../http/caller.ts";
import type { RegistryService } from "../registry/registry-service.ts";
import type { WorkflowCatalogue } from "../workflow-catalogue.ts";
import { fetchContract } from "./fetch-contract.ts";

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

export interface ContractRefresh {
  readonly service: string;
  readonly source: string;
  /** Operations the contract has. */
  readonly operations: number;
  readonly etag?: string;
  /** Deployed workflows whose calls to the service the contract breaks; empty when none. */
  readonly drift: readonly DriftedWorkflow[];
}

export interface ContractRefreshDeps {
  readonly registry: RegistryService;
  readonly catalogue: WorkflowCatalogue;
  readonly events?: EventPublisher;
  /** @default the guarded transport of service calls */
  readonly fetch?: Fetch;
}

/** Why a refresh could not read the contract (the API answers 409 or 502 with it). */
export class ContractRefreshError extends Error {
  override readonly name = "ContractRefreshError";
  constructor(
    message: string,
    readonly reason: "unknown-service" | "no-contract" | "unreadable",
  ) {
    super(message);
  }
}

export async function refreshServiceContract(
  name: string,
  deps: ContractRefreshDeps,
): Promise<ContractRefresh> {
  const service = await deps.registry.get(name);
  if (service === undefined) {
    throw new ContractRefreshError(`Service ${name} is not registered.`, "unknown-service");
  }
  const source = service.openapi;
  if (source === undefined) {
    throw new ContractRefreshError(
      `Service ${name} names no contract: register it with an "openapi" URL or document (docs/contracts.md).`,
      "no-contract",
    );
  }
  let document: Json;
  let shown: string;
  let etag: string | undefined;
  if (typeof source === "string") {
    if (!/^https?:\/\//i.test(source)) {
      throw new ContractRefreshError(
        `Service ${name}'s contract is the file ${source}, which only the CLI can read (relative to its services file); register a URL or the document inline to refresh it here.`,
        "no-contract",
      );
    }
    const fetched = await fetchContract(
      source,
      deps.fetch === undefined ? {} : { fetch: deps.fetch },
    );
    if (fetched.kind !== "fetched") {
      throw new ContractRefreshError(
        `The contract of ${name} could not be read: ${fetched.kind === "failed" ? fetched.reason : "the service answered 304 to a request without If-None-Match"}.`,
        "unreadable",
      );
    }
    document = fetched.document;
    shown = source;
    etag = fetched.etag;
  } else {
    document = source;
    shown = "inline";
  }
  const read = readContract(name, shown, document);
  if (!read.ok) {
    throw new ContractRefreshError(
      `The contract of ${name} (${shown}): ${read.problem}.`,
      "unreadable",
    );
  }
  const drift = driftOf(read.contract, deps.catalogue);
  if (drift.length > 0) {
    await deps.events?.publish([
      {
        detailType: DetailType.ContractDriftDetected,
        detail: { service: name, source: shown, workflows: drift },
      },
    ]);
  }
  return {
    service: name,
    source: shown,
    operations: read.contract.operations.length,
    ...(etag === undefined ? {} : { etag }),
    drift,
  };
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
