/**
 * Loading and compiling workflows for the local runtime: the same loader and compiler as the CLI
 * and the CDK app, then a catalogue entry (as the API serves it) and a prepared state machine per
 * workflow. A file with errors is refused with its problems; the others are served.
 */

import { readdirSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { compileWorkflow } from "../core/compile.ts";
import {
  type LoadedSet,
  loadWorkflowDir,
  loadWorkflowFiles,
  WORKFLOW_EXTENSIONS,
} from "../core/load.ts";
import { toMermaid } from "../core/mermaid.ts";
import { allSteps, type Json, type Workflow } from "../core/model.ts";
import type { Problem } from "../core/problems.ts";
import type { CatalogueWorkflow } from "../runtime/catalogue.ts";
import { catalogueEntry, WorkflowCatalogue } from "../runtime/catalogue.ts";
import { type PreparedMachine, prepareMachine, stateMachineArn } from "./machine.ts";

export interface FileProblem {
  readonly file: string;
  readonly problem: Problem;
}

export interface CompiledSet {
  readonly catalogue: WorkflowCatalogue;
  readonly machines: ReadonlyMap<string, PreparedMachine>;
  readonly workflows: ReadonlyMap<string, Workflow>;
  /** Problems of every file (warnings of served files included). */
  readonly problems: readonly FileProblem[];
  /** Files refused (errors), by path. */
  readonly refused: readonly string[];
}

/** Files the registry seed lives in, never workflows. */
const REGISTRY_FILES = new Set(["services.yaml", "services.yml"]);

/** Loads every workflow in `dir` (the registry seed file excepted) and compiles it. */
export function loadAndCompileDir(
  dir: string,
  options: { readonly exclude?: readonly string[] } = {},
): CompiledSet {
  const excluded = new Set((options.exclude ?? []).map((f) => resolve(f)));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    // Let the loader report the unreadable folder in its own words.
    return compileSet(loadWorkflowDir(dir));
  }
  const files = names
    .filter(
      (name) => WORKFLOW_EXTENSIONS.some((ext) => name.endsWith(ext)) && !REGISTRY_FILES.has(name),
    )
    .sort()
    .map((name) => join(dir, name))
    .filter((file) => !excluded.has(resolve(file)) && statSync(file).isFile());
  return compileSet(loadWorkflowFiles(files));
}

export interface CompileOptions {
  /** Compile only these workflows and the child workflows they start (default: all). */
  readonly roots?: readonly string[];
}

/** Compiles loaded workflows. */
export function compileSet(loaded: LoadedSet, options: CompileOptions = {}): CompiledSet {
  const wanted = options.roots === undefined ? undefined : closure(loaded, options.roots);
  const problems: FileProblem[] = [...loaded.problems];
  const refused = new Set(
    problems.filter((p) => p.problem.severity === "error").map((p) => p.file),
  );
  const entries: CatalogueWorkflow[] = [];
  const machines = new Map<string, PreparedMachine>();
  const workflows = new Map<string, Workflow>();
  for (const { file, workflow } of loaded.workflows) {
    if (wanted !== undefined && !wanted.has(workflow.name)) continue;
    try {
      const asl = compileWorkflow(workflow);
      const machine = prepareMachine(workflow.name, asl);
      machines.set(workflow.name, machine);
      workflows.set(workflow.name, workflow);
      entries.push(
        catalogueEntry(workflow, {
          definition: JSON.parse(JSON.stringify(workflow)) as Json,
          asl: asl as unknown as Json,
          mermaid: toMermaid(workflow),
          stateMachineArn: stateMachineArn(workflow.name),
        }),
      );
    } catch (error) {
      refused.add(file);
      problems.push({
        file,
        problem: {
          code: "E_LOCAL_RUNTIME",
          severity: "error",
          path: "",
          message: `cannot run locally: ${error instanceof Error ? error.message : String(error)}`,
        },
      });
    }
  }
  return {
    catalogue: new WorkflowCatalogue(entries),
    machines,
    workflows,
    problems,
    refused: [...refused],
  };
}

/** The named workflows and every workflow they start, transitively. */
function closure(loaded: LoadedSet, roots: readonly string[]): Set<string> {
  const byName = new Map(loaded.workflows.map(({ workflow }) => [workflow.name, workflow]));
  const found = new Set<string>();
  const visit = (name: string): void => {
    const workflow = byName.get(name);
    if (workflow === undefined || found.has(name)) return;
    found.add(name);
    for (const step of allSteps(workflow.steps)) if (step.kind === "workflow") visit(step.name);
  };
  for (const root of roots) visit(root);
  return found;
}

/** `file:line: code message (hint)`, the way every Baton tool prints a problem. */
export function formatProblem({ file, problem }: FileProblem, cwd = process.cwd()): string {
  const shown = file.startsWith(`${cwd}/`) ? file.slice(cwd.length + 1) : file;
  const where = problem.line === undefined ? shown : `${shown}:${problem.line}`;
  const hint = problem.hint === undefined ? "" : ` (${problem.hint})`;
  const severity = problem.severity === "warning" ? "warning " : "";
  return `${where}: ${severity}${problem.code} ${problem.message}${hint}`;
}

export const isRegistryFile = (file: string): boolean => REGISTRY_FILES.has(basename(file));
