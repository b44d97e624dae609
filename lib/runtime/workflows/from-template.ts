/**
 * `POST /workflows/from-template`: creates (or updates) a workflow from one of the served
 * templates (docs/templates.md) and publishes it like `PUT /workflows/{name}`: the same
 * pipeline, versions and `live` alias. The version stores the created workflow as YAML, headed by
 * the template and parameters it came from, so `GET /workflows/{name}/versions` says both.
 */
import { stringify } from "yaml";
import type { JsonObject } from "../../core/model.ts";
import { buildSource } from "../../core/project/source.ts";
import type { TemplateSource } from "../../core/project/templates.ts";
import { didYouMean } from "../../core/validate/problem-report.ts";
import { WorkflowNotFoundError } from "./errors.ts";
import { knownWorkflows, type PublishOutcome, publishBuilt } from "./publish.ts";
import type { PublishDeps } from "./versions.ts";

export interface FromTemplateRequest {
  readonly template: string;
  readonly name: string;
  readonly parameters: JsonObject;
}

/** The template named does not exist (404). */
export class TemplateNotFoundError extends WorkflowNotFoundError {}

export async function createFromTemplate(
  deps: PublishDeps,
  templates: readonly TemplateSource[],
  request: FromTemplateRequest,
  publishedBy: string,
): Promise<PublishOutcome> {
  const template = templates.find((t) => t.info.name === request.template);
  if (template === undefined) {
    const names = templates.map((t) => t.info.name);
    const hint = didYouMean(request.template, names);
    throw new TemplateNotFoundError(
      `No template is named "${request.template.slice(0, 100)}"${hint ? ` (${hint})` : ""}; GET /templates lists ${names.length === 0 ? "none: this deployment serves no templates" : names.join(", ")}.`,
    );
  }
  const built = buildSource(request.name, template.text, {
    ...knownWorkflows(deps),
    template: {
      file: template.file,
      values: { name: request.name, parameters: request.parameters },
    },
  });
  const stored =
    built.ready === undefined ? "" : createdSource(template, request, built.ready.source);
  return publishBuilt(deps, request.name, built, stored, publishedBy);
}

/** The created workflow as YAML, headed by where it came from. */
function createdSource(
  template: TemplateSource,
  request: FromTemplateRequest,
  source: unknown,
): string {
  const origin = `# Created from template ${template.info.name} (${template.file}) with parameters ${JSON.stringify(request.parameters)}`;
  return `${origin}\n${stringify(source, { lineWidth: 0 })}`;
}
