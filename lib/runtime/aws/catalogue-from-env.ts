/**
 * The workflow catalogue of a Lambda container: the deployed workflows from the bundled
 * `BATON_CATALOGUE_FILE`, kept in step with the workflows table (`BATON_WORKFLOWS_TABLE`) where
 * runtime changes live: `refreshCatalogue` re-reads the table's heads at most once per
 * `BATON_CATALOGUE_TTL_MS` (default 1000), so a change made in one container is seen by the
 * others within that time.
 */
import { isAbsolute, join } from "node:path";
import { loadCatalogue, type WorkflowCatalogue } from "../workflow-catalogue.ts";
import { StoredCatalogue } from "../workflows/stored-catalogue.ts";
import { getClients } from "./clients.ts";
import { DynamoWorkflowStore } from "./dynamo-workflow-store.ts";
import { ENV } from "./env.ts";

let stored: StoredCatalogue | undefined;

/** The catalogue, refreshed from the workflows table when its TTL has passed. */
export async function refreshCatalogue(): Promise<WorkflowCatalogue> {
  const catalogue = await getCatalogue();
  const tableName = process.env[ENV.workflowsTable];
  if (tableName === undefined || tableName === "") return catalogue;
  if (stored?.catalogue !== catalogue) {
    const ttl = Number(process.env[ENV.catalogueTtlMs]);
    stored = new StoredCatalogue({
      store: new DynamoWorkflowStore({ client: getClients().dynamo, tableName }),
      catalogue,
      ...(Number.isFinite(ttl) && ttl >= 0 ? { ttlMs: ttl } : {}),
    });
  }
  return stored.fresh();
}

let cached: Promise<WorkflowCatalogue> | undefined;

/** The catalogue of this container: injected, or read once from `BATON_CATALOGUE_FILE`. */
export function getCatalogue(): Promise<WorkflowCatalogue> {
  if (cached === undefined) {
    const path = process.env[ENV.catalogueFile];
    if (path === undefined || path === "") {
      return Promise.reject(
        new Error(
          `Missing environment variable ${ENV.catalogueFile}: set it to the catalogue JSON file.`,
        ),
      );
    }
    // Relative paths are resolved against the Lambda code root (LAMBDA_TASK_ROOT), which is
    // /var/task in AWS but elsewhere in emulators that run handlers as host processes.
    cached = loadCatalogue(
      isAbsolute(path) ? path : join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), path),
    );
    cached.catch(() => {
      cached = undefined; // a transient read error must not poison the container
    });
  }
  return cached;
}

export function setCatalogue(catalogue: WorkflowCatalogue | undefined): void {
  cached = catalogue === undefined ? undefined : Promise.resolve(catalogue);
}
