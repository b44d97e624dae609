/**
 * Reading workflow files for the CLI: the paths must exist (else it is bad usage), then the
 * Project decides which files are workflows and reports their problems as data.
 */
import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { buildProject } from "../core/project/build.ts";
import { displayPath, loadProject } from "../core/project/load.ts";
import { DEFAULT_CONTRACT_CACHE, loadContracts } from "../core/project/load-contracts.ts";
import type { ProjectFile, ReadyWorkflow } from "../core/project/model.ts";
import type { TemplateValues } from "../core/template-params.ts";
import { UsageError } from "./io.ts";
import type { FileProblems } from "./report.ts";

export interface LoadedFile extends FileProblems {
  /** The workflow, compiled, when the file has no errors. */
  readonly ready?: ReadyWorkflow;
}

/** The absolute path of a workflow file; a missing path or a folder is a usage error. */
export async function requireFile(path: string, cwd: string): Promise<string> {
  const full = resolve(cwd, path);
  const kind = await pathKind(full, path);
  if (kind === "directory") throw new UsageError(`${path} is a directory; give a workflow file`);
  return full;
}

/**
 * Loads one workflow file on its own (`compile`, `graph`, `cost`): the child workflows its
 * `workflow` steps start are not checked, since the others are not loaded.
 */
export async function loadFile(
  path: string,
  options: { cwd: string; strict: boolean; templates?: TemplateValues },
): Promise<LoadedFile> {
  const full = await requireFile(path, options.cwd);
  let text: string;
  try {
    text = await readFile(full, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${reason(error)}`);
  }
  const project = buildProject([{ file: path, text }], {
    strict: options.strict,
    complete: false,
    ...(options.templates === undefined ? {} : { templates: options.templates }),
  });
  const [file] = project.files;
  return file === undefined ? { file: path, problems: [] } : loaded(file);
}

/**
 * Loads every path (workflow files, or folders of them) as one set, so cross-file checks
 * (duplicate names, child workflows) see them all. Registry seeds (`services.yaml`) are skipped,
 * even when named directly.
 */
export async function loadPaths(
  paths: readonly string[],
  options: { cwd: string; strict: boolean; services?: string; templates?: TemplateValues },
): Promise<LoadedFile[]> {
  const full: string[] = [];
  for (const path of paths) {
    full.push(resolve(options.cwd, path));
    await pathKind(full[full.length - 1] ?? path, path);
  }
  const contracts = await servicesContracts(options.services, options.cwd);
  const project = loadProject(full, {
    strict: options.strict,
    cwd: options.cwd,
    ...(options.templates === undefined ? {} : { templates: options.templates }),
    ...(contracts === undefined ? {} : { contracts }),
  });
  const unread = project.problems.filter((p) => p.problem.code === "E_READ");
  const servicesProblems = contracts?.problems.map((p) => p.problem) ?? [];
  return [
    ...project.files.map(loaded),
    ...unread.map(({ file, problem }) => ({ file, problems: [problem] })),
    ...(contracts === undefined || servicesProblems.length === 0
      ? []
      : [{ file: contracts.file, problems: servicesProblems }]),
  ];
}

/**
 * The contracts `--services <file>` names (docs/contracts.md), read offline: URL documents from
 * the cache under `.baton/contracts` only.
 */
async function servicesContracts(services: string | undefined, cwd: string) {
  if (services === undefined) return undefined;
  const full = resolve(cwd, services);
  if ((await pathKind(full, services)) === "directory") {
    throw new UsageError(`--services ${services} is a directory; give the services file`);
  }
  const file = displayPath(full, cwd);
  const loaded = loadContracts(full, {
    shownAs: file,
    cacheDir: resolve(cwd, DEFAULT_CONTRACT_CACHE),
  });
  return { ...loaded, file };
}

function loaded(file: ProjectFile): LoadedFile {
  return {
    file: file.file,
    ...(file.ready ? { workflow: file.name, ready: file } : {}),
    problems: file.problems,
  };
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
