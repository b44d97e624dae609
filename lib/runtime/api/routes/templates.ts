/**
 * Templates (docs/templates.md): `GET /templates`, `GET /templates/{name}` and
 * `POST /workflows/from-template`. They need the template parser and the compiler, so in AWS they
 * are served by the publish Lambda with `PUT /workflows/{name}` (`publish-app.ts`).
 */
import type { Json, JsonObject } from "../../../core/model.ts";
import type { TemplateSource } from "../../../core/project/templates.ts";
import { createFromTemplate, TemplateNotFoundError } from "../../workflows/from-template.ts";
import type { ApiDeps } from "../deps.ts";
import { badRequest, type FieldProblem, json, readJson } from "../http.ts";
import { type Route, route } from "../router.ts";
import {
  audit,
  caller,
  publishDeps,
  toWorkflowProblem,
  workflowName,
} from "./workflow-management.ts";

export const templateRoutes: readonly Route<ApiDeps>[] = [
  route("GET", "/templates", async ({ deps }) => {
    const templates = await served(deps);
    return json(200, { items: templates.map(summary) });
  }),

  route("GET", "/templates/{name}", async ({ deps, params }) => {
    const name = params.name ?? "";
    const template = (await served(deps)).find((t) => t.info.name === name);
    if (template === undefined) {
      throw new TemplateNotFoundError(`No template is named "${name.slice(0, 100)}".`);
    }
    return json(200, { ...summary(template), source: template.text });
  }),

  route("POST", "/workflows/from-template", async ({ deps, request }) => {
    const body = fromTemplateBody(readJson(request, undefined));
    const outcome = await createFromTemplate(
      publishDeps(deps),
      await served(deps),
      body,
      caller(request),
    );
    if (outcome.outcome !== "unchanged")
      await audit(deps, request, {
        workflow: outcome.name,
        action: "published",
        version: outcome.version,
        detail: `from template ${body.template}`,
      });
    return json(
      outcome.outcome === "created" ? 201 : 200,
      {
        name: outcome.name,
        version: outcome.version,
        published: outcome.outcome !== "unchanged",
        template: body.template,
        ...(outcome.warnings.length === 0
          ? {}
          : { warnings: outcome.warnings.map(toWorkflowProblem) }),
      },
      { location: `/workflows/${outcome.name}/versions/${outcome.version}` },
    );
  }),
];

const served = async (deps: ApiDeps): Promise<readonly TemplateSource[]> =>
  deps.templates === undefined ? [] : deps.templates();

function summary(template: TemplateSource) {
  const { name, description, parameters, example } = template.info;
  return {
    name,
    ...(description === undefined ? {} : { description }),
    file: template.file,
    parameters,
    ...(example === undefined ? {} : { example }),
  };
}

/** `{template, name, parameters}`: every problem of the body at once. */
function fromTemplateBody(body: Json | undefined): {
  template: string;
  name: string;
  parameters: JsonObject;
} {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw badRequest(
      'The body must be {"template": "<template>", "name": "<workflow>", "parameters": {…}}.',
    );
  }
  const o = body as JsonObject;
  const errors: FieldProblem[] = [];
  for (const key of Object.keys(o)) {
    if (!["template", "name", "parameters"].includes(key))
      errors.push({ path: `/${key}`, message: "is not allowed" });
  }
  if (typeof o.template !== "string" || o.template === "")
    errors.push({ path: "/template", message: "must name a template (GET /templates lists them)" });
  let name = "";
  if (typeof o.name !== "string") errors.push({ path: "/name", message: "must be a string" });
  else {
    try {
      name = workflowName(o.name);
    } catch {
      errors.push({ path: "/name", message: "must match ^[a-z][a-z0-9-]{0,62}$" });
    }
    if (name === "from-template")
      errors.push({ path: "/name", message: "is reserved (it is this route's path)" });
  }
  const parameters = o.parameters ?? {};
  if (parameters === null || typeof parameters !== "object" || Array.isArray(parameters))
    errors.push({ path: "/parameters", message: "must be an object of parameter values" });
  if (errors.length > 0) throw badRequest("The from-template request is invalid.", errors);
  return { template: o.template as string, name, parameters: parameters as JsonObject };
}
