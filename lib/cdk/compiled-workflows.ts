/**
 * The workflows a synth deploys: the Project of the workflows folder (`lib/core/project`), refused
 * whole if any file has an error. Each workflow brings its ASL and its manifest, which decides its
 * IAM policy and substitutions. Pure synth-time code: no constructs are created here.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { formatProblems } from "../core/problems.ts";
import { displayPath, loadProject } from "../core/project/load.ts";
import { DEFAULT_CONTRACT_CACHE, loadContracts } from "../core/project/load-contracts.ts";
import type { ReadyWorkflow } from "../core/project/model.ts";

export interface LoadedWorkflows {
  /** The workflows, by name, with files named relative to the working directory. */
  readonly workflows: readonly ReadyWorkflow[];
  /** Warnings, formatted `file:line: CODE warning: message`; they never block a deploy. */
  readonly warnings: readonly string[];
}

export class WorkflowLoadError extends Error {
  override readonly name = "WorkflowLoadError";
  readonly problems: readonly string[];

  constructor(dir: string, problems: readonly string[]) {
    super(`Workflows in ${dir} have errors; nothing was synthesized:\n${problems.join("\n")}`);
    this.problems = problems;
  }
}

/**
 * Loads, validates and compiles the workflows of `dir`; throws `WorkflowLoadError` on any error.
 * The registry seed (`services.yaml`, or `servicesFile`) shares the folder but is not a workflow;
 * the contracts it names are checked against every call (contract errors block the synth).
 */
export function loadCompiledWorkflows(
  dir: string,
  options: { readonly servicesFile?: string; readonly cwd?: string } = {},
): LoadedWorkflows {
  const cwd = options.cwd ?? process.cwd();
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new WorkflowLoadError(
      dir,
      formatProblems([
        {
          file: dir,
          problem: {
            code: "E_NO_WORKFLOWS_DIR",
            severity: "error",
            path: "",
            message: "the workflows folder does not exist",
            hint: "set baton:workflowsDir",
          },
        },
      ]),
    );
  }
  // The services file's contracts check every call before anything deploys (docs/contracts.md).
  const services =
    options.servicesFile !== undefined && existsSync(options.servicesFile)
      ? loadContracts(options.servicesFile, {
          shownAs: displayPath(options.servicesFile, cwd),
          cacheDir: resolve(cwd, DEFAULT_CONTRACT_CACHE),
        })
      : undefined;
  const project = loadProject(dir, {
    cwd,
    ...(options.servicesFile === undefined ? {} : { exclude: [options.servicesFile] }),
    ...(services === undefined ? {} : { contracts: services }),
  });
  if (project.errorCount > 0) {
    const errors = project.problems.filter((p) => p.problem.severity === "error");
    throw new WorkflowLoadError(displayPath(dir, cwd), formatProblems(errors));
  }
  return {
    workflows: [...project.workflows].sort((a, b) => a.name.localeCompare(b.name)),
    warnings: formatProblems(project.problems),
  };
}
