/**
 * The local runtime's view of a Project (`lib/core/project`): a catalogue entry per workflow (the
 * same entries the CDK app ships, so the API serves the same documents) and a prepared state
 * machine per workflow. A file with errors is refused with its problems; the others are served.
 */
import type { Workflow } from "../core/model.ts";
import type { FileProblem } from "../core/problems.ts";
import { type CatalogueWorkflow, catalogueEntry } from "../core/project/catalogue.ts";
import { loadProject } from "../core/project/load.ts";
import type { Project } from "../core/project/model.ts";
import { withInputValidator } from "../core/schema/input-validator-code.ts";
import { WorkflowCatalogue } from "../runtime/workflow-catalogue.ts";
import { type PreparedMachine, prepareMachine, stateMachineArn } from "./machine.ts";

export interface CompiledSet {
  readonly project: Project;
  readonly catalogue: WorkflowCatalogue;
  readonly machines: ReadonlyMap<string, PreparedMachine>;
  readonly workflows: ReadonlyMap<string, Workflow>;
  /** Problems of every file (warnings of served files included). */
  readonly problems: readonly FileProblem[];
  /** Files refused (errors), as the problems name them. */
  readonly refused: readonly string[];
}

/** Loads every workflow in `dir` (registry seeds and `exclude` left out) and prepares it. */
export function loadAndCompileDir(
  dir: string,
  options: { readonly exclude?: readonly string[] } = {},
): CompiledSet {
  return compileProject(loadProject(dir, { ...options, cwd: process.cwd() }));
}

export interface CompileOptions {
  /** Prepare only these workflows and the child workflows they start (default: all). */
  readonly roots?: readonly string[];
}

/** Prepares the ready workflows of a project for the local engine. */
export function compileProject(project: Project, options: CompileOptions = {}): CompiledSet {
  const wanted = options.roots === undefined ? undefined : closure(project, options.roots);
  const problems: FileProblem[] = [...project.problems];
  const refused = new Set(
    problems.filter((p) => p.problem.severity === "error").map((p) => p.file),
  );
  const entries: CatalogueWorkflow[] = [];
  const machines = new Map<string, PreparedMachine>();
  const workflows = new Map<string, Workflow>();
  for (const ready of project.workflows) {
    const { name } = ready;
    if (wanted !== undefined && !wanted.has(name)) continue;
    try {
      machines.set(name, prepareMachine(name, ready.asl));
      workflows.set(name, ready.workflow);
      entries.push(
        withInputValidator(catalogueEntry(ready, { stateMachineArn: stateMachineArn(name) })),
      );
    } catch (error) {
      refused.add(ready.file);
      problems.push({
        file: ready.file,
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
    project,
    catalogue: new WorkflowCatalogue(entries),
    machines,
    workflows,
    problems,
    refused: [...refused],
  };
}

/** The named workflows and every workflow they start, transitively. */
function closure(project: Project, roots: readonly string[]): Set<string> {
  const found = new Set<string>();
  const visit = (name: string): void => {
    const ready = project.workflow(name);
    if (ready === undefined || found.has(name)) return;
    found.add(name);
    for (const child of ready.manifest.children) visit(child);
  };
  for (const root of roots) visit(root);
  return found;
}
