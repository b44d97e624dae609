/**
 * The workflow catalogue the API and records handlers read at run time, written once per synth and
 * copied into their bundles, so no request ever compiles a workflow. Its entries are built in core
 * from the Project, as `baton dev` builds its own, so both serve the same documents. State machine
 * ARNs are not in it (they are deploy-time tokens); handlers build them from
 * `BATON_STATE_MACHINE_ARN_PREFIX`.
 */
import { writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { formatProblems } from "../core/problems.ts";
import { type CatalogueFile, catalogueEntry } from "../core/project/catalogue.ts";
import { loadTemplateDir } from "../core/project/load-templates.ts";
import type { ReadyWorkflow } from "../core/project/model.ts";
import { withInputValidator } from "../core/schema/input-validator-code.ts";

/** Name of the catalogue inside a bundle; Lambda unpacks bundles to `LAMBDA_TASK_ROOT`. */
export const CATALOGUE_FILE_NAME = "catalogue.json";

export function buildCatalogue(workflows: readonly ReadyWorkflow[]): CatalogueFile {
  // Input schemas are precompiled here, at synth: the API only loads the code.
  return { workflows: workflows.map((ready) => withInputValidator(catalogueEntry(ready))) };
}

/**
 * Writes the catalogue as `<dir>/<name>.catalogue.json` and returns its path. The stack passes its
 * cloud assembly folder (`cdk.out`), which exists from the App's creation and holds everything
 * else the synth writes, so the file is never left in the OS temp folder.
 */
export function writeCatalogueFile(
  workflows: readonly ReadyWorkflow[],
  dir: string,
  name: string,
): string {
  const path = join(dir, `${name}.${CATALOGUE_FILE_NAME}`);
  writeFileSync(path, `${JSON.stringify(buildCatalogue(workflows))}\n`);
  return path;
}

/** Name of the templates file inside the publish function's bundle (docs/templates.md). */
export const TEMPLATES_FILE_NAME = "templates.json";

/**
 * Reads and checks the templates folder and writes `{templates: [{file, text}]}` as
 * `<dir>/<name>.templates.json` for the publish function; a template with errors fails the synth,
 * as a workflow with errors does.
 */
export function writeTemplatesFile(templatesDir: string, dir: string, name: string): string {
  const { templates, problems } = loadTemplateDir(templatesDir, basename(templatesDir));
  const errors = problems.filter((p) => p.problem.severity === "error");
  if (errors.length > 0) {
    throw new Error(
      `Templates in ${templatesDir} have errors:\n${formatProblems(errors).join("\n")}`,
    );
  }
  const path = join(dir, `${name}.${TEMPLATES_FILE_NAME}`);
  const files = templates.map(({ file, text }) => ({ file, text }));
  writeFileSync(path, `${JSON.stringify({ templates: files })}\n`);
  return path;
}
