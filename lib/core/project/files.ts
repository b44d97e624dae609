/**
 * The one rule for which files are workflows: `*.yaml`, `*.yml` and `*.json`, except the service
 * registry seed (`services.yaml|yml|json`, SERVICE.md), which shares the workflows folder but is
 * never a workflow, even when it is named on the command line (`baton validate workflows/*`).
 */

export const WORKFLOW_EXTENSIONS = [".yaml", ".yml", ".json"] as const;
export const REGISTRY_SEED_NAMES = ["services.yaml", "services.yml", "services.json"] as const;

/** The last segment of a path (no `node:path`: core runs anywhere). */
export const baseName = (path: string): string => path.slice(path.search(/[^/\\]*$/));

export const isRegistrySeed = (path: string): boolean =>
  (REGISTRY_SEED_NAMES as readonly string[]).includes(baseName(path));

export const isWorkflowFile = (path: string): boolean =>
  WORKFLOW_EXTENSIONS.some((ext) => path.endsWith(ext)) && !isRegistrySeed(path);
