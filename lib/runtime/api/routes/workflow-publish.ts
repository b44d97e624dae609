/**
 * `PUT /workflows/{name}`: the workflow as YAML or JSON, validated and compiled, published as the
 * next version. The only route that needs the compiler: the Lambda entry `functions/publish-workflow.ts`
 * serves it alone, so the API Lambda's bundle carries neither the compiler nor the YAML parser.
 */
import { publishWorkflow } from "../../workflows/publish.ts";
import type { ApiDeps } from "../deps.ts";
import { badRequest, HttpProblem, type HttpRequest, json, MAX_BODY_BYTES } from "../http.ts";
import { type Route, route } from "../router.ts";
import {
  audit,
  caller,
  publishDeps,
  toWorkflowProblem,
  workflowName,
} from "./workflow-management.ts";

export const workflowPublishRoutes: readonly Route<ApiDeps>[] = [
  route("PUT", "/workflows/{name}", async ({ deps, params, request }) => {
    const name = workflowName(params.name ?? "");
    if (name === "from-template") {
      throw badRequest(
        '"from-template" is reserved: POST /workflows/from-template creates workflows from templates.',
        [{ path: "/path/name", message: "is reserved" }],
      );
    }
    const outcome = await publishWorkflow(
      publishDeps(deps),
      name,
      sourceText(request),
      caller(request),
    );
    if (outcome.outcome !== "unchanged")
      await audit(deps, request, {
        workflow: name,
        action: "published",
        version: outcome.version,
      });
    const body = {
      name: outcome.name,
      version: outcome.version,
      published: outcome.outcome !== "unchanged",
      ...(outcome.warnings.length === 0
        ? {}
        : { warnings: outcome.warnings.map(toWorkflowProblem) }),
    };
    return json(outcome.outcome === "created" ? 201 : 200, body, {
      location: `/workflows/${name}/versions/${outcome.version}`,
    });
  }),
];

/** The body of a PUT as text: YAML (`application/yaml`, `text/yaml`) or JSON. */
function sourceText(request: HttpRequest): string {
  const body = request.body;
  if (body === undefined || body.trim() === "") {
    throw badRequest("The body is empty; send the workflow as YAML (application/yaml) or JSON.");
  }
  const type = (request.headers["content-type"] ?? "application/json").split(";")[0]?.trim() ?? "";
  if (
    !/^(application\/(([a-z0-9.+-]*\+)?json|yaml|x-yaml)|text\/(yaml|x-yaml|plain))$/i.test(type)
  ) {
    throw new HttpProblem(
      415,
      "unsupported-media-type",
      "Unsupported media type",
      `The workflow must be YAML (application/yaml) or JSON (application/json), got ${type}.`,
    );
  }
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) {
    throw new HttpProblem(
      413,
      "payload-too-large",
      "Payload too large",
      `The workflow is ${Buffer.byteLength(body)} bytes; at most ${MAX_BODY_BYTES} are accepted.`,
    );
  }
  return body;
}
