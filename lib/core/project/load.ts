/**
 * Reads a Project from disk: the thin `node:fs` edge around the pure `buildProject`. A folder
 * contributes its workflow files (`files.ts`), in name order; a file named directly is a workflow
 * unless it is a registry seed. What cannot be read is an `E_READ` problem, never a crash.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { FileProblem } from "../problems.ts";
import { type BuildOptions, buildProject } from "./build.ts";
import { isRegistrySeed, isWorkflowFile, REGISTRY_SEED_NAMES } from "./files.ts";
import type { Project, SourceFile } from "./model.ts";

export interface LoadOptions extends Omit<BuildOptions, "seeds" | "unread"> {
  /** Files to leave out, e.g. a registry seed with another name (`--services seed.yml`). */
  readonly exclude?: readonly string[];
  /** Name files relative to this folder (when inside it), as problems show them. @default as given */
  readonly cwd?: string;
}

/** Loads workflow files and folders of them as one set. */
export function loadProject(paths: string | readonly string[], options: LoadOptions = {}): Project {
  const excluded = new Set((options.exclude ?? []).map((f) => resolve(f)));
  const seen = new Set<string>();
  const sources: SourceFile[] = [];
  const seeds: string[] = [];
  const unread: FileProblem[] = [];
  const { exclude: _, cwd, ...build } = options;
  const named = (file: string): string => (cwd === undefined ? file : displayPath(file, cwd));
  const add = (file: string): void => {
    const full = resolve(file);
    if (seen.has(full) || excluded.has(full)) return;
    seen.add(full);
    if (isRegistrySeed(file)) {
      seeds.push(named(file));
      return;
    }
    try {
      sources.push({ file: named(file), text: readFileSync(file, "utf8") });
    } catch (error) {
      unread.push(readProblem(named(file), error));
    }
  };
  for (const path of typeof paths === "string" ? [paths] : paths) {
    let names: string[];
    try {
      if (!statSync(path).isDirectory()) {
        add(path);
        continue;
      }
      names = readdirSync(path).sort();
    } catch (error) {
      unread.push(readProblem(named(path), error));
      continue;
    }
    for (const name of names) {
      const file = join(path, name);
      if (isRegistrySeed(name)) add(file);
      else if (isWorkflowFile(name) && isFile(file)) add(file);
    }
  }
  return buildProject(sources, { ...build, seeds, unread });
}

/** The registry seed of a workflows folder (`services.yaml`, `.yml` or `.json`), if there is one. */
export function registrySeedIn(dir: string): string | undefined {
  return REGISTRY_SEED_NAMES.map((name) => join(dir, name)).find(isFile);
}

/** A path as the user should see it: relative to `cwd` when inside it. */
export function displayPath(file: string, cwd: string = process.cwd()): string {
  const shown = relative(cwd, resolve(cwd, file));
  return shown === "" || shown.startsWith("..") ? file : shown;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function readProblem(file: string, error: unknown): FileProblem {
  const code = (error as { code?: unknown }).code;
  const reason =
    code === "ENOENT"
      ? "no such file or directory"
      : code === "EACCES"
        ? "permission denied"
        : error instanceof Error
          ? error.message
          : String(error);
  return {
    file,
    problem: { code: "E_READ", severity: "error", path: "", message: `cannot read: ${reason}` },
  };
}
