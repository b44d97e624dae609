/**
 * Workflows deployed from files (`cdk deploy`, or the folder `baton dev` serves) join the same
 * history as the ones published through the API: each file's `version` is stored as that
 * version (origin `deploy`), and a deploy of a newer file version than the last deploy goes live
 * ("the next deploy wins"). Idempotent: run at every start of `baton dev` and every API cold
 * start; an unchanged deploy writes nothing.
 */
import type { CatalogueWorkflow } from "../../core/project/catalogue.ts";
import type { Logger } from "../logger.ts";
import { type PublishDeps, pointLiveAt, sourceHash } from "./versions.ts";
import { WorkflowConflictError, type WorkflowVersionRecord } from "./workflow-store.ts";

export interface DeployedWorkflow {
  readonly entry: CatalogueWorkflow;
  /** The file's text; the catalogue entry's definition when the text is not at hand. */
  readonly source?: string;
}

export const DEPLOY_PUBLISHER = "deploy";

export async function syncDeployed(
  deps: PublishDeps,
  deployed: readonly DeployedWorkflow[],
  logger?: Logger,
): Promise<void> {
  for (const { entry, source } of deployed) {
    try {
      await syncOne(deps, entry, source ?? JSON.stringify(entry.definition));
    } catch (error) {
      if (!(error instanceof WorkflowConflictError)) throw error;
      // Another container synced the same deploy at the same moment: its write stands.
      logger?.info(`deploy sync: ${entry.name} was synced concurrently`);
    }
  }
}

async function syncOne(deps: PublishDeps, entry: CatalogueWorkflow, source: string): Promise<void> {
  const [head, stored] = await Promise.all([
    deps.store.head(entry.name),
    deps.store.version(entry.name, entry.version),
  ]);
  const hash = sourceHash(entry.definition);
  let record: WorkflowVersionRecord | undefined = stored;
  if (record === undefined) {
    record = {
      name: entry.name,
      version: entry.version,
      source,
      sourceHash: hash,
      entry,
      publishedAt: (deps.clock ?? (() => new Date()))().toISOString(),
      publishedBy: DEPLOY_PUBLISHER,
      origin: "deploy",
    };
    await deps.store.putVersion(record);
  }
  // The stored version keeps its entry; a redeploy of the same file version refreshes the ARN.
  const current = record.sourceHash === hash ? { ...record, entry } : record;
  if (head === undefined || (head.deployedVersion ?? 0) < entry.version) {
    await pointLiveAt(deps, head, current, { deployedVersion: entry.version });
  }
  // Otherwise the head stands (an API change since the deploy, or a delete): the catalogue
  // loads it from the store (`stored-catalogue.ts`).
}
