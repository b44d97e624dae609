/** Reading workflow files for the CLI: unreadable paths are usage errors, problems are data. */
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import {
  type LoadedSet,
  loadWorkflow,
  loadWorkflowFiles,
  WORKFLOW_EXTENSIONS,
} from "../core/load.ts";
import type { Workflow } from "../core/model.ts";
import { UsageError } from "./io.ts";
import type { FileProblems } from "./report.ts";

export interface LoadedFile extends FileProblems {
  readonly workflow?: string;
  readonly definition?: Workflow;
}

/** The absolute path of a workflow file; a missing path or a folder is a usage error. */
export async function requireFile(path: string, cwd: string): Promise<string> {
  const full = resolve(cwd, path);
  const kind = await pathKind(full, path);
  if (kind === "directory") throw new UsageError(`${path} is a directory; give a workflow file`);
  return full;
}

/** Loads one workflow file; a path that cannot be read is a usage error. */
export async function loadFile(
  path: string,
  options: { cwd: string; strict: boolean },
): Promise<LoadedFile> {
  const full = await requireFile(path, options.cwd);
  let text: string;
  try {
    text = await readFile(full, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${reason(error)}`);
  }
  const result = loadWorkflow(text, path, { strict: options.strict });
  return {
    file: path,
    ...(result.workflow ? { workflow: result.workflow.name, definition: result.workflow } : {}),
    problems: result.problems,
  };
}

/**
 * Loads every path (workflow files, or folders of them) as one set, so cross-file checks
 * (duplicate names, child workflows) see them all. A folder contributes its `*.yaml`, `*.yml` and
 * `*.json` files except the service registry seed (`services.yaml`, SERVICE.md).
 */
export async function loadPaths(
  paths: readonly string[],
  options: { cwd: string; strict: boolean },
): Promise<LoadedFile[]> {
  const files: string[] = [];
  for (const path of paths) {
    const full = resolve(options.cwd, path);
    if ((await pathKind(full, path)) === "file") {
      files.push(full);
      continue;
    }
    let names: string[];
    try {
      names = await readdir(full);
    } catch (error) {
      throw new UsageError(`cannot read ${path}: ${reason(error)}`);
    }
    const workflows = names
      .filter((n) => WORKFLOW_EXTENSIONS.some((e) => n.endsWith(e)) && !isServicesFile(n))
      .sort();
    for (const name of workflows) {
      const file = join(full, name);
      if ((await stat(file)).isFile()) files.push(file);
    }
  }
  const unique = [...new Set(files)];
  const loaded = loadWorkflowFiles(unique, { strict: options.strict });
  return group(unique, loaded).map((f) => ({
    ...f,
    file: displayName(f.file, options.cwd),
  }));
}

/** The registry seed shares the folder with workflows but is not one. */
export const isServicesFile = (name: string): boolean => /^services\.(ya?ml|json)$/.test(name);

/** One entry per file, in the order given, with its workflow (if valid) and its problems. */
function group(files: readonly string[], loaded: LoadedSet): LoadedFile[] {
  return files.map((file) => {
    const workflow = loaded.workflows.find((w) => w.file === file)?.workflow;
    const problems = loaded.problems.filter((p) => p.file === file).map((p) => p.problem);
    return {
      file,
      ...(workflow ? { workflow: workflow.name, definition: workflow } : {}),
      problems,
    };
  });
}

/** Paths under the working directory are shown relative to it. */
function displayName(file: string, cwd: string): string {
  const shown = relative(cwd, file);
  return shown === "" || shown.startsWith("..") ? file : shown;
}

async function pathKind(full: string, shown: string): Promise<"file" | "directory"> {
  try {
    const info = await stat(full);
    if (info.isDirectory()) return "directory";
    if (info.isFile()) return "file";
    throw new UsageError(`${shown} is neither a file nor a directory`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${shown}: ${reason(error)}`);
  }
}

function reason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES") return "permission denied";
  return error instanceof Error ? error.message : String(error);
}
