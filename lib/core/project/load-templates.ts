/** Reads a templates folder (docs/templates.md): the thin `node:fs` edge of `readTemplates`. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { isWorkflowFile } from "./files.ts";
import type { SourceFile } from "./model.ts";
import { readTemplates, type TemplateSet } from "./templates.ts";

/** The templates in `dir` (files named `<dir name>/<file>`); none when it does not exist. */
export function loadTemplateDir(dir: string, shownAs = "templates"): TemplateSet {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) return { templates: [], problems: [] };
    names = readdirSync(dir).sort();
  } catch {
    return { templates: [], problems: [] };
  }
  const sources: SourceFile[] = names
    .filter((name) => isWorkflowFile(name) && statSync(join(dir, name)).isFile())
    .map((name) => ({ file: `${shownAs}/${name}`, text: readFileSync(join(dir, name), "utf8") }));
  return readTemplates(sources);
}
