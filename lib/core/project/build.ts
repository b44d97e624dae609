/**
 * Builds a Project from file texts, purely (no file system: Lambda and API code can use it):
 * parse, validate, attach line numbers, check the set as a whole (unique names, `workflow` steps
 * naming known workflows, no workflow starting itself), then compile each workflow without errors
 * and derive its manifest.
 */
import type { StateMachineDefinition } from "../asl.ts";
import { compileWorkflow } from "../compile.ts";
import { type ContractSet, checkContracts } from "../contract-check.ts";
import { findCycle } from "../graph.ts";
import type { Json, JsonObject, Workflow } from "../model.ts";
import { allSteps, type WorkflowStep } from "../model.ts";
import { parseSource } from "../parse.ts";
import type { FileProblem, Problem } from "../problems.ts";
import {
  instantiateTemplate,
  isTemplateDocument,
  NAME_POINTER,
  type TemplateValues,
} from "../template-params.ts";
import { didYouMean } from "../validate/problem-report.ts";
import { validateWorkflow } from "../validate.ts";
import { manifestOf } from "./manifest.ts";
import type { Project, ProjectFile, ReadyWorkflow, SourceFile } from "./model.ts";

export interface BuildOptions {
  /** Turns `W_NO_COMPENSATION` into an error (`--strict`). */
  readonly strict?: boolean;
  /**
   * Whether the files are the whole set, so a `workflow` step naming a workflow outside it is an
   * error (`E_UNKNOWN_WORKFLOW`). Commands about one file (`compile`, `graph`, `cost`) say false.
   * @default true
   */
  readonly complete?: boolean;
  /** Registry seeds met while listing the files (reported back as `Project.seeds`). */
  readonly seeds?: readonly string[];
  /** Problems met before building (unreadable files and folders), kept in the project's list. */
  readonly unread?: readonly FileProblem[];
  /**
   * Service contracts to check every call against (`contract-check.ts`), by service name, and
   * the problems met reading them (reported in the services file). @default none
   */
  readonly contracts?: {
    readonly contracts: ContractSet;
    readonly problems: readonly FileProblem[];
  };
  /**
   * Accept templates (`template:` files, docs/templates.md): each is checked and the workflow it
   * creates with these values is validated and compiled in its place. Without it a template is an
   * error (`E_TEMPLATE_NOT_WORKFLOW`): the folders workflows deploy from hold no templates.
   * @default templates refused
   */
  readonly templates?: TemplateValues;
}

/** One file after parsing and validation, before the checks across files. */
interface Checked {
  readonly file: string;
  readonly text: string;
  readonly source: Json | undefined;
  readonly name: string | undefined;
  readonly workflow: Workflow | undefined;
  readonly problems: Problem[];
  readonly lineOf: (pointer: string) => number | undefined;
  /** A template's workflow: its name is only a default, so it shares names with anything. */
  readonly template?: true;
}

export function buildProject(sources: readonly SourceFile[], options: BuildOptions = {}): Project {
  const contracts = options.contracts?.contracts ?? new Map();
  const checked = sources.map((s) =>
    checkFile(s, options.strict ?? false, contracts, options.templates),
  );
  checkSet(checked, options.complete ?? true);
  const files = checked.map(finish);
  const unread = [...(options.unread ?? []), ...(options.contracts?.problems ?? [])];
  const problems: FileProblem[] = [
    ...unread,
    ...files.flatMap((f) => f.problems.map((problem) => ({ file: f.file, problem }))),
  ];
  const workflows = files.filter((f): f is ReadyWorkflow => f.ready);
  const byName = new Map(workflows.map((w) => [w.name, w]));
  return {
    files,
    workflows,
    problems,
    seeds: options.seeds ?? [],
    errorCount: problems.filter((p) => p.problem.severity === "error").length,
    warningCount: problems.filter((p) => p.problem.severity === "warning").length,
    workflow: (name) => byName.get(name),
  };
}

function checkFile(
  { file, text }: SourceFile,
  strict: boolean,
  contracts: ContractSet,
  templates: TemplateValues | undefined,
): Checked {
  const parsed = parseSource(text, file);
  // A template's workflow keeps the template's pointers, except its name (set from `template`).
  const lineOf = (pointer: string): number | undefined =>
    parsed.lineOf(pointer === "/workflow" && template ? NAME_POINTER : pointer);
  const withLine = (p: Problem): Problem => {
    if (p.line !== undefined) return p;
    // A value given for a parameter is shown at the parameter's declaration.
    const value = p.code === "E_PARAMETER_VALUE" && /^\/parameters\/[^/]+/.exec(p.path)?.[0];
    const line = value
      ? lineOf(value.replace("/parameters/", "/parameters/properties/"))
      : lineOf(p.path);
    return line === undefined ? p : { ...p, line };
  };
  const template = isTemplateDocument(parsed.value);
  const created =
    template && templates !== undefined
      ? instantiateTemplate(parsed.value as JsonObject, templates)
      : undefined;
  const document = created === undefined ? parsed.value : created.workflow;
  const declared = (document as { workflow?: unknown } | null | undefined)?.workflow;
  const base = {
    ...(template ? { template: true as const } : {}),
    file,
    text,
    source: document as Json | undefined,
    name: typeof declared === "string" ? declared : undefined,
    lineOf,
  };
  if (parsed.problems.some((p) => p.code === "E_YAML" || p.code === "E_TOO_DEEP")) {
    return { ...base, workflow: undefined, problems: [...parsed.problems] };
  }
  if (template && created === undefined) {
    const problem: Problem = {
      code: "E_TEMPLATE_NOT_WORKFLOW",
      severity: "error",
      path: NAME_POINTER,
      message: "this file is a template (it has template: and no workflow:), not a workflow",
      hint: "keep templates in templates/ and create workflows from them (POST /workflows/from-template, docs/templates.md)",
    };
    return { ...base, workflow: undefined, problems: [...parsed.problems, withLine(problem)] };
  }
  const before = [...parsed.problems, ...(created?.problems ?? [])];
  if (document === undefined) {
    return { ...base, workflow: undefined, problems: before.map(withLine) };
  }
  const validated = validateWorkflow(document, { strict });
  const contractProblems =
    validated.workflow === undefined
      ? []
      : checkContracts(validated.workflow, document as Json, contracts);
  return {
    ...base,
    workflow: validated.workflow,
    problems: [...before, ...validated.problems, ...contractProblems].map(withLine),
  };
}

/** Compiles a file without errors; a compiler failure on a valid workflow is `E_COMPILE`. */
function finish(c: Checked): ProjectFile {
  const broken = (problems: readonly Problem[]): ProjectFile => ({
    ready: false,
    file: c.file,
    text: c.text,
    source: c.source,
    name: c.name,
    problems,
  });
  const { workflow, source } = c;
  if (workflow === undefined || source === undefined || c.problems.some(isError)) {
    return broken(c.problems);
  }
  let asl: StateMachineDefinition;
  try {
    asl = compileWorkflow(workflow);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return broken([
      ...c.problems,
      {
        code: "E_COMPILE",
        severity: "error",
        path: "",
        message: `the compiler failed: ${message}`,
        hint: "please report this: the workflow validated but did not compile",
      },
    ]);
  }
  return {
    ready: true,
    file: c.file,
    text: c.text,
    source,
    name: workflow.name,
    problems: c.problems,
    workflow,
    asl,
    manifest: manifestOf(workflow),
  };
}

const isError = (p: Problem): boolean => p.severity === "error";

/** Checks across files; adds each problem to the file it is about. */
function checkSet(files: readonly Checked[], complete: boolean): void {
  const fail = (file: Checked, problem: Omit<Problem, "severity" | "line">): void => {
    const line = file.lineOf(problem.path);
    file.problems.push({ ...problem, severity: "error", ...(line === undefined ? {} : { line }) });
  };
  const byName = new Map<string, Checked>();
  for (const file of files) {
    if (file.name === undefined || file.template) continue;
    const first = byName.get(file.name);
    if (first === undefined) byName.set(file.name, file);
    else {
      fail(file, {
        code: "E_DUPLICATE_WORKFLOW",
        path: "/workflow",
        message: `workflow "${file.name}" is also defined in ${first.file}`,
        hint: "workflow names are unique",
      });
    }
  }
  const calls: { id: string; dependsOn: string[] }[] = [];
  for (const file of files) {
    const { workflow } = file;
    // A second definition of a name is reported already; it would blur the graph of names.
    if (workflow === undefined || (byName.get(workflow.name) !== file && !file.template)) continue;
    const children = childSteps(workflow);
    for (const step of children) {
      if (step.name === workflow.name) {
        fail(file, {
          code: "E_RECURSION",
          path: `${step.pointer}/workflow/name`,
          message: `workflow "${workflow.name}" starts itself in step "${step.id}"`,
        });
      } else if (complete && !byName.has(step.name)) {
        fail(file, {
          code: "E_UNKNOWN_WORKFLOW",
          path: `${step.pointer}/workflow/name`,
          message: `step "${step.id}" starts unknown workflow "${step.name}"`,
          hint: didYouMean(step.name, byName.keys()) ?? `known: ${[...byName.keys()].join(", ")}`,
        });
      }
    }
    calls.push({
      id: workflow.name,
      dependsOn: children.map((s) => s.name).filter((n) => n !== workflow.name && byName.has(n)),
    });
  }
  const cycle = findCycle(calls);
  if (cycle === undefined) return;
  for (const name of new Set(cycle)) {
    const file = byName.get(name);
    if (file) {
      fail(file, {
        code: "E_RECURSION",
        path: "/workflow",
        message: `workflows start each other in a cycle: ${cycle.join(" → ")}`,
      });
    }
  }
}

const childSteps = (workflow: Workflow): WorkflowStep[] =>
  [...allSteps(workflow.steps)].filter((s): s is WorkflowStep => s.kind === "workflow");
