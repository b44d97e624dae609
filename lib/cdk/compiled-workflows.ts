/**
 * Loads every workflow of a folder, refuses the lot if any has a validation error, and compiles the
 * rest: ASL, Mermaid graph, parsed source, and what each definition references (the basis of its
 * IAM policy and substitutions). Pure synth-time code: no constructs are created here.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parse } from "yaml";
import type { StateMachineDefinition } from "../core/asl.ts";
import { compileWorkflow } from "../core/compile.ts";
import { childWorkflowSubstitution, placeholdersIn, SUBSTITUTION_KEYS } from "../core/contract.ts";
import { loadWorkflowFiles, WORKFLOW_EXTENSIONS } from "../core/load.ts";
import { toMermaid } from "../core/mermaid.ts";
import { allSteps, type Json, type Workflow } from "../core/model.ts";
import type { Problem } from "../core/problems.ts";

/** What a compiled definition references, derived from its placeholders. */
export interface WorkflowUses {
  readonly serviceCall: boolean;
  readonly awaitSignal: boolean;
  readonly eventBus: boolean;
  /** Names of the workflows its `workflow` steps start, sorted. */
  readonly childWorkflows: readonly string[];
}

export interface CompiledWorkflow {
  /** Path of the source file, relative to the working directory. */
  readonly file: string;
  readonly workflow: Workflow;
  readonly asl: StateMachineDefinition;
  /** The file as parsed JSON (what `GET /workflows/{name}` shows as the definition). */
  readonly source: Json;
  readonly mermaid: string;
  readonly uses: WorkflowUses;
}

export interface LoadedWorkflows {
  readonly workflows: readonly CompiledWorkflow[];
  /** Warnings, formatted `file:line: code message`; they never block a deploy. */
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
 * The registry seed (`services.yaml`, or `servicesFile`) shares the folder but is not a workflow.
 */
export function loadCompiledWorkflows(
  dir: string,
  options: { readonly servicesFile?: string; readonly cwd?: string } = {},
): LoadedWorkflows {
  const cwd = options.cwd ?? process.cwd();
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new WorkflowLoadError(dir, [
      `${dir}: E_NO_WORKFLOWS_DIR the workflows folder does not exist (set baton:workflowsDir).`,
    ]);
  }
  const loaded = loadWorkflowFiles(workflowFiles(dir, options.servicesFile));
  const display = (file: string): string => relative(cwd, file) || file;
  const errors = loaded.problems
    .filter(({ problem }) => problem.severity === "error")
    .map(({ file, problem }) => formatProblem(display(file), problem));
  const warnings = loaded.problems
    .filter(({ problem }) => problem.severity !== "error")
    .map(({ file, problem }) => formatProblem(display(file), problem));
  if (errors.length > 0) throw new WorkflowLoadError(display(dir), errors);
  const entries = loaded.workflows.map(({ file, workflow }) => ({ file: display(file), workflow }));
  return { workflows: compileWorkflows(entries, (file) => readSource(file, cwd)), warnings };
}

/** Workflow files directly in `dir`, in name order, without the registry seed. */
export function workflowFiles(dir: string, servicesFile?: string): string[] {
  return readdirSync(dir)
    .filter((name) => WORKFLOW_EXTENSIONS.some((ext) => name.endsWith(ext)))
    .filter((name) => !SERVICES_FILE.test(name))
    .sort()
    .map((name) => join(dir, name))
    .filter((file) => file !== servicesFile && statSync(file).isFile());
}

/** The registry seed's conventional names (as the CLI's `isServicesFile`). */
const SERVICES_FILE = /^services\.(ya?ml|json)$/;

/**
 * Compiles validated workflows and checks what only the whole set can tell: unique names, child
 * workflows that exist, and placeholders the CDK app knows how to substitute.
 */
export function compileWorkflows(
  entries: readonly { readonly file: string; readonly workflow: Workflow }[],
  readFile: (file: string) => Json = () => null,
): CompiledWorkflow[] {
  const problems: string[] = [];
  const firstFile = new Map<string, string>();
  for (const { file, workflow } of entries) {
    const seen = firstFile.get(workflow.name);
    if (seen === undefined) firstFile.set(workflow.name, file);
    else
      problems.push(
        `${file}: E_DUPLICATE_WORKFLOW workflow "${workflow.name}" is also defined in ${seen}`,
      );
  }
  const compiled = entries.map(({ file, workflow }) => {
    const asl = compileWorkflow(workflow);
    const uses = usesOf(file, workflow, asl, problems);
    for (const child of uses.childWorkflows) {
      if (!firstFile.has(child)) {
        problems.push(
          `${file}: E_UNKNOWN_WORKFLOW a workflow step starts "${child}", which is not deployed from this folder`,
        );
      }
    }
    return { file, workflow, asl, source: readFile(file), mermaid: toMermaid(workflow), uses };
  });
  if (problems.length > 0) throw new WorkflowLoadError("the workflow set", problems);
  return compiled.sort((a, b) => a.workflow.name.localeCompare(b.workflow.name));
}

function usesOf(
  file: string,
  workflow: Workflow,
  asl: StateMachineDefinition,
  problems: string[],
): WorkflowUses {
  const children = new Map<string, string>();
  for (const step of allSteps(workflow.steps)) {
    if (step.kind === "workflow") children.set(childWorkflowSubstitution(step.name), step.name);
  }
  const known = new Set<string>(Object.values(SUBSTITUTION_KEYS));
  const placeholders = placeholdersIn(JSON.stringify(asl));
  const childWorkflows = new Set<string>();
  for (const key of placeholders) {
    const child = children.get(key);
    if (child !== undefined) childWorkflows.add(child);
    else if (!known.has(key)) {
      problems.push(
        `${file}: E_UNKNOWN_PLACEHOLDER the compiled definition uses \${${key}}, which the CDK app cannot substitute`,
      );
    }
  }
  return {
    serviceCall: placeholders.includes(SUBSTITUTION_KEYS.ServiceCall),
    awaitSignal: placeholders.includes(SUBSTITUTION_KEYS.AwaitSignal),
    eventBus: placeholders.includes(SUBSTITUTION_KEYS.EventBus),
    childWorkflows: [...childWorkflows].sort(),
  };
}

/** `file:line: code message`, or `file: code message (at /pointer)` when the line is unknown. */
export function formatProblem(file: string, problem: Problem): string {
  const where = problem.line === undefined ? file : `${file}:${problem.line}`;
  const at = problem.line === undefined && problem.path !== "" ? ` (at ${problem.path})` : "";
  const hint = problem.hint === undefined ? "" : ` (${problem.hint})`;
  return `${where}: ${problem.code} ${problem.message}${at}${hint}`;
}

function readSource(file: string, cwd: string): Json {
  try {
    return parse(readFileSync(resolve(cwd, file), "utf8")) as Json;
  } catch {
    return null; // the loader already parsed it; a vanished file only loses the catalogue copy
  }
}
