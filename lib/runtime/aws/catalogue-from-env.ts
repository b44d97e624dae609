/** The workflow catalogue of a Lambda container, read once from `BATON_CATALOGUE_FILE`. */
import { isAbsolute, join } from "node:path";
import { loadCatalogue, type WorkflowCatalogue } from "../workflow-catalogue.ts";
import { ENV } from "./env.ts";

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
