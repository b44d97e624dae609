/**
 * The templates a Baton serves (`GET /templates`, `POST /workflows/from-template`): template
 * files read as a set, each checked with its first example (as `baton validate` does), purely.
 * A template with errors is not offered; its problems are returned for the loader to report.
 */
import type { JsonObject } from "../model.ts";
import { parseSource } from "../parse.ts";
import type { FileProblem } from "../problems.ts";
import { isTemplateDocument, readTemplateInfo, type TemplateInfo } from "../template-params.ts";
import { buildProject } from "./build.ts";
import type { SourceFile } from "./model.ts";

/** A usable template: its file, text and what `GET /templates` shows of it. */
export interface TemplateSource extends SourceFile {
  readonly info: TemplateInfo;
}

export interface TemplateSet {
  readonly templates: readonly TemplateSource[];
  readonly problems: readonly FileProblem[];
}

export function readTemplates(sources: readonly SourceFile[]): TemplateSet {
  const templates: TemplateSource[] = [];
  const problems: FileProblem[] = [];
  const seen = new Map<string, string>();
  for (const source of sources) {
    const parsed = parseSource(source.text, source.file);
    if (!isTemplateDocument(parsed.value)) {
      problems.push({
        file: source.file,
        problem: {
          code: "E_TEMPLATE_NAME",
          severity: "error",
          path: "",
          message: "a template file needs template: <name> (and no workflow:)",
          hint: "workflow files go in the workflows folder",
          line: 1,
        },
      });
      continue;
    }
    const project = buildProject([source], { complete: false, templates: {} });
    problems.push(...project.problems);
    const info = readTemplateInfo(parsed.value as JsonObject);
    if (project.errorCount > 0 || info === undefined) continue;
    const first = seen.get(info.name);
    if (first !== undefined) {
      problems.push({
        file: source.file,
        problem: {
          code: "E_TEMPLATE_NAME",
          severity: "error",
          path: "/template",
          message: `template "${info.name}" is also defined in ${first}`,
          hint: "template names are unique",
          ...lineOf(parsed, "/template"),
        },
      });
      continue;
    }
    seen.set(info.name, source.file);
    templates.push({ ...source, info });
  }
  templates.sort((a, b) => a.info.name.localeCompare(b.info.name));
  return { templates, problems };
}

const lineOf = (parsed: ReturnType<typeof parseSource>, pointer: string): { line?: number } => {
  const line = parsed.lineOf(pointer);
  return line === undefined ? {} : { line };
};
