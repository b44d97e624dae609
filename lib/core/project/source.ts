/**
 * One workflow sent to the API (`PUT /workflows/{name}`), through the same pipeline as a
 * Project's files (`build.ts`): every problem at once, each with its line, `file` = the name.
 * The other workflows are not in the set, so `workflow` steps are checked against `known`
 * instead (a child started by name must exist when the parent is published).
 */
import type { Json } from "../model.ts";
import type { FileProblem, Problem } from "../problems.ts";
import type { TemplateValues } from "../template-params.ts";
import { didYouMean } from "../validate/problem-report.ts";
import { buildProject } from "./build.ts";
import type { ReadyWorkflow } from "./model.ts";

export interface SourceOptions {
  /** The workflows a `workflow` step may start. */
  readonly known: (name: string) => boolean;
  /** Names for the did-you-mean hint. @default none */
  readonly knownNames?: () => Iterable<string>;
  /**
   * The text is a template and these its values (docs/templates.md): the workflow it creates is
   * built, and problems name `file` (the template's) instead of the workflow. @default a workflow
   */
  readonly template?: { readonly file: string; readonly values: TemplateValues };
}

export type SourceResult =
  | { readonly ready: ReadyWorkflow; readonly problems: readonly FileProblem[] }
  | { readonly ready?: undefined; readonly problems: readonly FileProblem[] };

export function buildSource(name: string, text: string, options: SourceOptions): SourceResult {
  const shownAs = options.template?.file ?? name;
  const project = buildProject([{ file: shownAs, text }], {
    complete: false,
    ...(options.template === undefined ? {} : { templates: options.template.values }),
  });
  const file = project.files[0];
  const problems: FileProblem[] = [...project.problems];
  const add = (problem: Problem): void => {
    problems.push({ file: shownAs, problem });
  };
  if (file?.name !== undefined && file.name !== name) {
    add({
      code: "E_WORKFLOW_NAME",
      severity: "error",
      path: "/workflow",
      ...workflowLine(file.text),
      message: `the body defines workflow "${file.name}" but the URL names "${name}"`,
      hint: `send it to PUT /workflows/${file.name}, or set "workflow: ${name}"`,
    });
  }
  if (file?.ready === true) {
    for (const child of file.manifest.children) {
      if (options.known(child)) continue;
      const hint = didYouMean(child, options.knownNames?.() ?? []);
      add({
        code: "E_UNKNOWN_WORKFLOW",
        severity: "error",
        path: "/steps",
        message: `a workflow step starts "${child}", which is not deployed`,
        hint: hint ?? "publish the child workflow first",
      });
    }
  }
  const failed = problems.some((p) => p.problem.severity === "error");
  return file?.ready === true && !failed ? { ready: file, problems } : { problems };
}

/**
 * The same workflow published as `version` (what its ASL, events and records carry): rebuilt
 * from its parsed source with the version set, unless it says that version already.
 */
export function withVersion(ready: ReadyWorkflow, version: number): ReadyWorkflow {
  if (ready.workflow.version === version) return ready;
  const source = { ...(ready.source as { readonly [key: string]: Json }), version };
  const rebuilt = buildProject([{ file: ready.file, text: JSON.stringify(source) }], {
    complete: false,
  }).workflows[0];
  if (rebuilt === undefined) {
    throw new Error(`${ready.name} did not rebuild as version ${version}; this is a Baton bug.`);
  }
  return { ...rebuilt, text: ready.text };
}

/** The line of the `workflow:` key (JSON or YAML), for the name mismatch. */
function workflowLine(text: string): { line?: number } {
  const index = text.split("\n").findIndex((l) => /^\s*"?workflow"?\s*:/.test(l));
  return index < 0 ? {} : { line: index + 1 };
}
