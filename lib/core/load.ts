/**
 * Loading workflow files: parse, validate, attach line numbers, then check the set as a whole
 * (unique names, `workflow` steps naming known workflows, no workflow starting itself).
 * Uses `node:fs` but nothing from AWS, so the CLI, CDK app and local server share it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { findCycle } from "./graph.ts";
import { allSteps, type Workflow, type WorkflowStep } from "./model.ts";
import { parseSource } from "./parse.ts";
import type { Problem } from "./problems.ts";
import { didYouMean } from "./validate/problem-report.ts";
import { type ValidateOptions, validateWorkflow } from "./validate.ts";

export type LoadOptions = ValidateOptions;

export interface LoadResult {
  readonly workflow?: Workflow;
  /** Problems of this file, each with the line it points at when known. */
  readonly problems: Problem[];
}

export interface FileProblem {
  readonly file: string;
  readonly problem: Problem;
}

export interface LoadedSet {
  /** The files that have no errors, including the checks across files. */
  readonly workflows: { readonly file: string; readonly workflow: Workflow }[];
  readonly problems: FileProblem[];
}

export const WORKFLOW_EXTENSIONS = [".yaml", ".yml", ".json"] as const;
/** The service registry seed shares the workflows folder (SERVICE.md) but is not a workflow. */
export const REGISTRY_SEED_FILES = ["services.yaml", "services.yml", "services.json"] as const;

export interface DirOptions extends LoadOptions {
  /** More files to skip, e.g. a registry seed with another name (paths as `join(dir, name)`). */
  readonly exclude?: readonly string[];
}

/** Parses and validates one file's text. */
export function loadWorkflow(text: string, fileName: string, opts: LoadOptions = {}): LoadResult {
  return loadOne(text, fileName, opts).result;
}

interface Loaded {
  readonly result: LoadResult;
  /** The `workflow` name as written, even when the file has errors (for cross-file checks). */
  readonly declaredName: string | undefined;
  readonly lineOf: (pointer: string) => number | undefined;
}

function loadOne(text: string, fileName: string, opts: LoadOptions): Loaded {
  const source = parseSource(text, fileName);
  const withLine = (p: Problem): Problem => {
    if (p.line !== undefined) return p;
    const line = source.lineOf(p.path);
    return line === undefined ? p : { ...p, line };
  };
  const declared = (source.value as { workflow?: unknown } | null | undefined)?.workflow;
  const declaredName = typeof declared === "string" ? declared : undefined;
  if (source.problems.some((p) => p.code === "E_YAML" || p.code === "E_TOO_DEEP")) {
    return { result: { problems: source.problems }, declaredName, lineOf: source.lineOf };
  }
  const validated = validateWorkflow(source.value, opts);
  const problems = [...source.problems, ...validated.problems].map(withLine);
  const valid = validated.workflow !== undefined && !problems.some((p) => p.severity === "error");
  return {
    result: valid ? { workflow: validated.workflow, problems } : { problems },
    declaredName,
    lineOf: source.lineOf,
  };
}

/** Loads files and checks them as one set. */
export function loadWorkflowFiles(paths: readonly string[], opts: LoadOptions = {}): LoadedSet {
  const problems: FileProblem[] = [];
  const loaded: { file: string; loaded: Loaded }[] = [];
  for (const file of paths) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      problems.push({ file, problem: readProblem(error) });
      continue;
    }
    const one = loadOne(text, file, opts);
    for (const problem of one.result.problems) problems.push({ file, problem });
    loaded.push({ file, loaded: one });
  }
  const failed = checkSet(loaded, problems);
  const workflows = loaded.flatMap(({ file, loaded: l }) =>
    l.result.workflow && !failed.has(file) ? [{ file, workflow: l.result.workflow }] : [],
  );
  return { workflows, problems };
}

/**
 * Loads every `*.yaml`, `*.yml` and `*.json` directly in a folder, in name order, except the
 * registry seed (`services.yaml`) and `opts.exclude`.
 */
export function loadWorkflowDir(dir: string, opts: DirOptions = {}): LoadedSet {
  let files: string[];
  try {
    files = workflowFilesIn(dir, opts.exclude);
  } catch (error) {
    return { workflows: [], problems: [{ file: dir, problem: readProblem(error) }] };
  }
  return loadWorkflowFiles(files, opts);
}

/** The workflow files of a folder, as `loadWorkflowDir` picks them; throws if it cannot be read. */
export function workflowFilesIn(dir: string, exclude: readonly string[] = []): string[] {
  const seeds: readonly string[] = REGISTRY_SEED_FILES;
  return readdirSync(dir)
    .filter(
      (name) => WORKFLOW_EXTENSIONS.some((ext) => name.endsWith(ext)) && !seeds.includes(name),
    )
    .sort()
    .map((name) => join(dir, name))
    .filter((file) => !exclude.includes(file) && statSync(file).isFile());
}

function readProblem(error: unknown): Problem {
  const message = error instanceof Error ? error.message : String(error);
  return { code: "E_READ", severity: "error", path: "", message: `cannot read: ${message}` };
}

/** Checks across files; returns the files that gained errors. */
function checkSet(
  loaded: readonly { file: string; loaded: Loaded }[],
  problems: FileProblem[],
): Set<string> {
  const failed = new Set<string>();
  const fail = (
    file: string,
    lineOf: Loaded["lineOf"],
    problem: Omit<Problem, "severity" | "line">,
  ): void => {
    const line = lineOf(problem.path);
    problems.push({
      file,
      problem: { ...problem, severity: "error", ...(line === undefined ? {} : { line }) },
    });
    failed.add(file);
  };
  const byName = new Map<string, string>();
  for (const { file, loaded: l } of loaded) {
    const name = l.declaredName;
    if (name === undefined) continue;
    const first = byName.get(name);
    if (first === undefined) byName.set(name, file);
    else {
      fail(file, l.lineOf, {
        code: "E_DUPLICATE_WORKFLOW",
        path: "/workflow",
        message: `workflow "${name}" is also defined in ${first}`,
        hint: "workflow names are unique",
      });
    }
  }
  const calls: { id: string; dependsOn: string[] }[] = [];
  for (const { file, loaded: l } of loaded) {
    const workflow = l.result.workflow;
    if (!workflow) continue;
    const children = childSteps(workflow);
    for (const step of children) {
      if (step.name === workflow.name) {
        fail(file, l.lineOf, {
          code: "E_RECURSION",
          path: `${step.pointer}/workflow/name`,
          message: `workflow "${workflow.name}" starts itself in step "${step.id}"`,
        });
      } else if (!byName.has(step.name)) {
        fail(file, l.lineOf, {
          code: "E_UNKNOWN_WORKFLOW",
          path: `${step.pointer}/workflow/name`,
          message: `step "${step.id}" starts unknown workflow "${step.name}"`,
          hint: didYouMean(step.name, byName.keys()) ?? `known: ${[...byName.keys()].join(", ")}`,
        });
      }
    }
    calls.push({
      id: workflow.name,
      dependsOn: children.map((s) => s.name).filter((n) => n !== workflow.name),
    });
  }
  const cycle = findCycle(
    calls.map((c) => ({ ...c, dependsOn: c.dependsOn.filter((n) => byName.has(n)) })),
  );
  if (cycle) {
    for (const name of new Set(cycle)) {
      const entry = loaded.find((l) => l.loaded.declaredName === name);
      if (entry) {
        fail(entry.file, entry.loaded.lineOf, {
          code: "E_RECURSION",
          path: "/workflow",
          message: `workflows start each other in a cycle: ${cycle.join(" → ")}`,
        });
      }
    }
  }
  return failed;
}

const childSteps = (workflow: Workflow): WorkflowStep[] =>
  [...allSteps(workflow.steps)].filter((s): s is WorkflowStep => s.kind === "workflow");
