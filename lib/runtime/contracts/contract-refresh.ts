/**
 * `POST /services/{name}/contract/refresh`: reads the service's contract again (its `openapi` URL
 * through the guarded transport, or its inline document) and checks every deployed workflow's
 * calls to that service against it, with the static check's own rules (`contract-check.ts`),
 * never a text diff. When a workflow's calls break, `Contract Drift Detected` goes on the bus with
 * the service, the workflows and steps affected and the problems. The API answers with the same.
 * The judgement is stored (`drift-record.ts`), so `GET /drift` answers without fetching; the
 * scheduled refresh (`scheduled-refresh.ts`) keeps it current.
 */
import { readContract } from "../../core/contract-openapi.ts";
import type { Json } from "../../core/model.ts";
import type { EventPublisher } from "../events.ts";
import type { Fetch } from "../http/caller.ts";
import type { ServiceRecord } from "../registry/registry-model.ts";
import type { WorkflowCatalogue } from "../workflow-catalogue.ts";
import type { DriftedWorkflow } from "./drift-of.ts";
import { type DriftJudgement, judgeDrift, type ReadContract } from "./drift-record.ts";
import type { DriftStore } from "./drift-store.ts";
import { fetchContract } from "./fetch-contract.ts";

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
  readonly registry: { get(name: string): Promise<ServiceRecord | undefined> };
  readonly catalogue: WorkflowCatalogue;
  readonly events?: EventPublisher;
  /** @default the guarded transport of service calls */
  readonly fetch?: Fetch;
  /** Where the judgement is kept for `GET /drift`. @default not stored */
  readonly drift?: DriftStore;
  /** The Region whose workflows are judged (the drift record's key). @default `local` */
  readonly region?: string;
  /** @default the system clock */
  readonly clock?: () => Date;
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
  const loaded = await loadContract(service, deps);
  if (loaded.kind === "not-modified") {
    throw new ContractRefreshError(
      `The contract of ${name} could not be read: the service answered 304 to a request without If-None-Match.`,
      "unreadable",
    );
  }
  const judged = await judgeDrift(loaded, deps, "always");
  return answerOf(judged, loaded.contract.operations.length);
}

export type LoadedContract =
  | ({ readonly kind: "read" } & ReadContract)
  | { readonly kind: "not-modified" };

/**
 * Reads a registered service's contract: its URL through the guarded transport (with `etag` as
 * `If-None-Match`: a `304` is `not-modified`), or its inline document. Throws
 * `ContractRefreshError` when it names none, names a file, or cannot be read as OpenAPI 3.x.
 */
export async function loadContract(
  service: ServiceRecord,
  deps: Pick<ContractRefreshDeps, "fetch">,
  etag?: string,
): Promise<LoadedContract> {
  const name = service.name;
  const source = service.openapi;
  if (source === undefined) {
    throw new ContractRefreshError(
      `Service ${name} names no contract: register it with an "openapi" URL or document (docs/contracts.md).`,
      "no-contract",
    );
  }
  let document: Json;
  let shown: string;
  let fetchedEtag: string | undefined;
  if (typeof source === "string") {
    if (!/^https?:\/\//i.test(source)) {
      throw new ContractRefreshError(
        `Service ${name}'s contract is the file ${source}, which only the CLI can read (relative to its services file); register a URL or the document inline to refresh it here.`,
        "no-contract",
      );
    }
    const fetched = await fetchContract(source, {
      ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
      ...(etag === undefined ? {} : { etag }),
    });
    if (fetched.kind === "not-modified") return fetched;
    if (fetched.kind === "failed") {
      throw new ContractRefreshError(
        `The contract of ${name} could not be read: ${fetched.reason}.`,
        "unreadable",
      );
    }
    document = fetched.document;
    shown = source;
    fetchedEtag = fetched.etag;
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
  return {
    kind: "read",
    service,
    source: shown,
    contract: read.contract,
    ...(fetchedEtag === undefined ? {} : { etag: fetchedEtag }),
  };
}

function answerOf(judged: DriftJudgement, operations: number): ContractRefresh {
  const { record } = judged;
  return {
    service: record.service,
    source: record.source,
    operations,
    ...(record.etag === undefined ? {} : { etag: record.etag }),
    drift: judged.drift,
  };
}
