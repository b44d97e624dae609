/**
 * The OpenAPI document: the file in schemas/ is what the API serves, it describes exactly the
 * router's routes, and the answers of a few routes match their documented schemas (the CI's
 * schemathesis run checks every route against `baton dev`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { handleApiEvent, router } from "../../../lib/runtime/api/app.ts";
import { openApiDocument } from "../../../lib/runtime/api/openapi.ts";
import { quietLogger } from "../../../lib/runtime/logger.ts";
import { fakeDeps, restEvent } from "../fakes.ts";

const STALE = "schemas/ is out of date: run `npm run schemas` and commit the result";
const FILE = join(import.meta.dirname, "../../../schemas/openapi.json");
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];
type Doc = {
  paths: Record<string, Record<string, { responses: Record<string, ResponseSpec> }>>;
  components: { schemas: Record<string, unknown> };
};
type ResponseSpec = { content?: Record<string, { schema: unknown }> };

const doc = openApiDocument() as unknown as Doc;

/** Validates a response body against the document's schema for that route and status. */
function responseValidator() {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  formats.default(ajv);
  ajv.addSchema({ ...doc, $id: "openapi" });
  return (path: string, method: string, status: number, body: unknown) => {
    const spec = doc.paths[path]?.[method]?.responses[String(status)];
    if (spec === undefined) return [`${method} ${path} does not document ${status}`];
    const [type] = Object.keys(spec.content ?? {});
    if (type === undefined) return body === undefined ? [] : ["a body where none is documented"];
    const pointer = `openapi#/paths/${path.replaceAll("/", "~1")}/${method}/responses/${status}/content/${type.replace("/", "~1")}/schema`;
    const validate = ajv.getSchema(pointer);
    if (validate === undefined) return [`no schema at ${pointer}`];
    return validate(body)
      ? []
      : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  };
}

describe("OpenAPI document", () => {
  it("is the file in schemas/ (npm run schemas rewrites it)", () => {
    expect(JSON.parse(readFileSync(FILE, "utf8")), STALE).toStrictEqual(openApiDocument());
  });

  it("describes exactly the router's routes", () => {
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => METHODS.includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    const routed = router.routes.map((r) => `${r.method} ${r.pattern}`);
    expect(documented.sort()).toEqual(routed.sort());
  });

  it("is served at GET /openapi.json", async () => {
    const { deps } = fakeDeps();
    const response = await handleApiEvent(restEvent("GET", "/openapi.json"), deps);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toStrictEqual(openApiDocument());
  });

  it.each([
    ["/health", "/health"],
    ["/workflows", "/workflows"],
    ["/workflows/{name}", "/workflows/nope"],
    ["/executions/{id}", "/executions/not%20an%20id"],
    ["/workflows/{name}/stats", "/workflows/order-fulfillment/stats?since=yesterday"],
    // Found by schemathesis: 800900 days ago was answered 200 with since "-000166-02-19T…".
    ["/workflows/{name}/stats", "/workflows/order-fulfillment/stats?since=800900d"],
    ["/workflows/{name}/stats", "/workflows/order-fulfillment/stats?since=0001-01-01"],
  ])("answers %s (%s) as documented", async (pattern, url) => {
    // Prepare
    const { deps } = fakeDeps();
    const check = responseValidator();
    const [path = "", search = ""] = url.split("?");
    const event = {
      ...restEvent("GET", path),
      queryStringParameters: Object.fromEntries(new URLSearchParams(search)),
    };

    // Act
    const response = await handleApiEvent(event, { ...deps, logger: quietLogger });

    // Assess
    expect(check(pattern, "get", response.statusCode, JSON.parse(response.body))).toEqual([]);
  });

  it("fails when an answer does not match (the check above can fail)", () => {
    const check = responseValidator();
    expect(check("/health", "get", 200, { status: "fine" })).not.toEqual([]);
    expect(check("/health", "get", 418, {})).toEqual(["get /health does not document 418"]);
  });
});
