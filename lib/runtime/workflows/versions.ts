/**
 * Runtime workflow management over the store, the engine and the catalogue: store a deployed
 * version, point an alias, delete (`publish.ts` compiles and publishes a source through these).
 * The catalogue in this process changes at once; other processes see the change when they next
 * refresh it (`stored-catalogue.ts`). Nothing here compiles, so the API Lambda bundles it
 * without the compiler.
 */
import { createHash } from "node:crypto";
import {
  type CatalogueWorkflow,
  catalogueEntry,
  type PrecompiledInputValidator,
} from "../../core/project/catalogue.ts";
import type { ReadyWorkflow } from "../../core/project/model.ts";
import { canonicalJson } from "../records/state.ts";
import type { WorkflowCatalogue } from "../workflow-catalogue.ts";
import type { WorkflowDeployer } from "./deployer.ts";
import { WorkflowNotFoundError } from "./errors.ts";
import { type Aliases, LIVE_ALIAS, type Routing, singleVersion } from "./routing.ts";
import type { WorkflowHead, WorkflowStore, WorkflowVersionRecord } from "./workflow-store.ts";

export interface ControlPlaneDeps {
  readonly store: WorkflowStore;
  readonly deployer: WorkflowDeployer;
}

export interface PublishDeps extends ControlPlaneDeps {
  readonly catalogue: WorkflowCatalogue;
  /** @default () => new Date() */
  readonly clock?: () => Date;
}

export const now = (deps: PublishDeps): string =>
  (deps.clock ?? (() => new Date()))().toISOString();

export const sourceHash = (source: unknown): string =>
  createHash("sha256").update(canonicalJson(source)).digest("hex");

/**
 * Deploys a version to the engine and stores it (immutable from then on), with its input
 * validator precompiled by the caller (the publish function has the schema compiler; this module
 * is also in the API's bundle, which must not).
 */
export async function deployVersion(
  deps: PublishDeps,
  ready: ReadyWorkflow,
  meta: Pick<WorkflowVersionRecord, "source" | "sourceHash" | "publishedBy" | "origin">,
  inputValidator?: PrecompiledInputValidator,
): Promise<WorkflowVersionRecord> {
  const deployed = await deps.deployer.deploy(ready);
  const built = catalogueEntry(
    ready,
    deployed.stateMachineArn === undefined ? {} : { stateMachineArn: deployed.stateMachineArn },
  );
  const entry = inputValidator === undefined ? built : { ...built, inputValidator };
  const record: WorkflowVersionRecord = {
    name: ready.name,
    version: ready.workflow.version,
    entry,
    publishedAt: now(deps),
    ...meta,
  };
  await deps.store.putVersion(record);
  return record;
}

/** Points `live` at the new version (other aliases stay) and records the head. */
export async function pointLiveAt(
  deps: PublishDeps,
  head: WorkflowHead | undefined,
  record: WorkflowVersionRecord,
  extra: Partial<Pick<WorkflowHead, "deployedVersion">> = {},
): Promise<WorkflowHead> {
  const kept = head?.deletedAt === undefined ? (head?.aliases ?? {}) : {};
  const aliases: Aliases = { ...kept, [LIVE_ALIAS]: singleVersion(record.version) };
  const next = headFor(deps, record.entry, aliases, head, extra);
  await deps.store.putHead(next, head?.updatedAt);
  await deps.deployer.route(
    record.name,
    LIVE_ALIAS,
    aliases[LIVE_ALIAS] ?? [],
    arnsOf([record.entry]),
  );
  deps.catalogue.publish(record.entry, aliases);
  return next;
}

function headFor(
  deps: PublishDeps,
  entry: CatalogueWorkflow,
  aliases: Aliases,
  previous: WorkflowHead | undefined,
  extra: Partial<Pick<WorkflowHead, "deployedVersion">>,
): WorkflowHead {
  const deployedVersion = extra.deployedVersion ?? previous?.deployedVersion;
  return {
    name: entry.name,
    aliases,
    tags: entry.tags ?? [],
    ...(entry.description === undefined ? {} : { description: entry.description }),
    updatedAt: now(deps),
    ...(deployedVersion === undefined ? {} : { deployedVersion }),
  };
}

const arnsOf = (entries: readonly CatalogueWorkflow[]): ReadonlyMap<number, string> =>
  new Map(
    entries.flatMap((e) =>
      e.stateMachineArn === undefined ? [] : [[e.version, e.stateMachineArn]],
    ),
  );

/** Points an alias of a live workflow at one version or a weighted pair. */
export async function setAlias(
  deps: PublishDeps,
  name: string,
  alias: string,
  routing: Routing,
): Promise<WorkflowHead> {
  const head = await deps.store.head(name);
  if (head === undefined || head.deletedAt !== undefined)
    throw new WorkflowNotFoundError(`Workflow ${name} is not deployed.`);
  const entries = await Promise.all(
    routing.map(async (route) => {
      const entry = await loadVersion(deps, name, route.version);
      if (entry === undefined)
        throw new WorkflowNotFoundError(
          `Workflow ${name} has no version ${route.version}; GET /workflows/${name}/versions lists them.`,
        );
      return entry;
    }),
  );
  await deps.deployer.route(name, alias, routing, arnsOf(entries));
  const aliases: Aliases = { ...head.aliases, [alias]: routing };
  const current = deps.catalogue.get(name);
  const next: WorkflowHead = { ...head, aliases, updatedAt: now(deps) };
  await deps.store.putHead(next, head.updatedAt);
  if (current === undefined) for (const entry of entries) deps.catalogue.publish(entry, aliases);
  deps.catalogue.setAliases(name, aliases);
  return next;
}

/** A version's catalogue entry: from the catalogue, else from the store (and then cached). */
export async function loadVersion(
  deps: Pick<PublishDeps, "store" | "catalogue">,
  name: string,
  version: number,
): Promise<CatalogueWorkflow | undefined> {
  const known = deps.catalogue.version(name, version);
  if (known !== undefined) return known;
  const record = await deps.store.version(name, version);
  if (record === undefined) return undefined;
  deps.catalogue.publish(record.entry, deps.catalogue.aliases(name) ?? {});
  return record.entry;
}

/** Deletes a workflow: later starts 404; running executions finish on their version. */
export async function deleteWorkflow(deps: PublishDeps, name: string): Promise<void> {
  const head = await deps.store.head(name);
  if (head === undefined || head.deletedAt !== undefined)
    throw new WorkflowNotFoundError(`Workflow ${name} is not deployed.`);
  const deletedAt = now(deps);
  await deps.store.putHead(
    { ...head, aliases: {}, updatedAt: deletedAt, deletedAt },
    head.updatedAt,
  );
  await deps.deployer.remove(name, Object.keys(head.aliases));
  deps.catalogue.remove(name);
}
