/**
 * The demo services' own contracts: one OpenAPI 3.1 document per service, describing the routes
 * the example workflows call and what the demo answers (`services.ts`, and the generic resource
 * behaviour of `service.ts`: a POST answers `{id, ...body, status: "created"}`). Each demo service
 * serves its document at `GET /openapi.json`; `workflows/contracts/<service>.json` are copies
 * (a test keeps them equal) that `workflows/services.yaml` names, so
 * `baton validate --services workflows/services.yaml` checks the examples against them.
 */
import type { Json, JsonObject } from "../../core/model.ts";

const string = { type: "string" } as const;
const integer = { type: "integer" } as const;
const number = { type: "number" } as const;

/** A closed object schema; every listed field required unless `optional` names it. */
function object(
  properties: Readonly<Record<string, Json>>,
  optional: readonly string[] = [],
): JsonObject {
  return {
    type: "object",
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
    additionalProperties: false,
    properties: { ...properties },
  };
}

/** A response body: the fields the demo returns (open: the demo echoes what it was sent). */
const answer = (properties: Readonly<Record<string, Json>>): JsonObject => ({
  type: "object",
  required: ["id"],
  properties: { id: string, ...properties },
});

const json = (schema: Json) => ({ "application/json": { schema } });

function operation(
  summary: string,
  status: number,
  response: JsonObject,
  body?: JsonObject,
): JsonObject {
  return {
    summary,
    ...(body === undefined ? {} : { requestBody: { required: true, content: json(body) } }),
    responses: { [String(status)]: { description: summary, content: json(response) } },
  };
}

const created = (summary: string, body: JsonObject, fields: Record<string, Json> = {}) =>
  operation(summary, 201, answer({ status: string, ...fields }), body);

const deleted = (summary: string) =>
  operation(summary, 200, answer({ deleted: { type: "boolean" }, existed: { type: "boolean" } }));

const parameter = (name: string) => ({ name, in: "path", required: true, schema: string });

function document(service: string, paths: Record<string, JsonObject>): JsonObject {
  const withParameters: Record<string, JsonObject> = {};
  for (const [path, item] of Object.entries(paths)) {
    const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? "");
    withParameters[path] = names.length > 0 ? { parameters: names.map(parameter), ...item } : item;
  }
  return {
    openapi: "3.1.0",
    info: { title: `Baton demo: ${service}`, version: "1.0.0" },
    paths: withParameters,
  };
}

const textAnswer = answer({ text: string });

export const DEMO_CONTRACTS: Readonly<Record<string, JsonObject>> = {
  inventory: document("inventory", {
    "/reservations": {
      post: created(
        "Reserve stock (409 above 100 items)",
        object({ orderId: string, sku: string, quantity: { type: "integer", minimum: 1 } }),
        { quantity: integer },
      ),
    },
    "/reservations/{id}": { delete: deleted("Release a reservation") },
  }),
  payments: document("payments", {
    "/charges": {
      post: operation(
        "Charge a customer (402 above 10000)",
        201,
        answer({ amount: number, status: { type: "string", enum: ["captured"] } }),
        object({
          orderId: string,
          customerId: string,
          amount: { type: "number", exclusiveMinimum: 0 },
          currency: { type: "string", pattern: "^[A-Z]{3}$" },
        }),
      ),
    },
    "/refunds": {
      post: created(
        "Refund a charge",
        object({ chargeId: string, amount: number, reason: string }, ["amount", "reason"]),
        { chargeId: string },
      ),
    },
  }),
  shipping: document("shipping", {
    "/shipments": {
      post: created(
        "Book a shipment",
        object({ orderId: string, reservationId: string, sku: string, quantity: integer }),
      ),
    },
    "/shipments/{id}": { delete: deleted("Cancel a shipment") },
  }),
  email: document("email", {
    "/messages": {
      post: operation(
        "Queue a templated message",
        202,
        answer({ status: string }),
        object({ to: string, template: string, variables: { type: "object" } }, ["variables"]),
      ),
    },
    "/lists/{list}/members/{member}": {
      put: operation(
        "Subscribe a member to a list",
        200,
        { type: "object", properties: { email: string } },
        object({ email: string }),
      ),
    },
  }),
  users: document("users", {
    "/users": { post: created("Create a user", object({ email: string, name: string })) },
    "/users/{id}": { delete: deleted("Delete a user") },
  }),
  sessions: document("sessions", {
    "/sessions": { post: created("Open a session", object({ userId: string, email: string })) },
    "/sessions/{id}": { delete: deleted("Close a session") },
  }),
  storage: document("storage", {
    "/documents/{id}": {
      get: operation("A document's metadata", 200, answer({ service: string })),
    },
    "/reports/{id}": {
      put: operation(
        "Store an analysis report",
        200,
        { type: "object" },
        object({
          entities: { type: "object" },
          summary: string,
          category: string,
          pages: { type: "array" },
        }),
      ),
      delete: deleted("Delete a report"),
    },
    "/recordings/{id}": {
      get: operation(
        "A recording's metadata",
        200,
        answer({ durationSeconds: number, format: string }),
      ),
    },
    "/replies/{id}": {
      put: operation(
        "Store a voice reply",
        200,
        { type: "object" },
        object({ transcript: string, reply: string, audio: string }),
      ),
      delete: deleted("Delete a voice reply"),
    },
  }),
  stt: document("stt", {
    "/transcriptions": {
      post: operation(
        "Transcribe a recording",
        200,
        answer({ text: string, confidence: number }),
        object({ recordingId: string, language: string }),
      ),
    },
  }),
  llm: document("llm", {
    "/entities": {
      post: operation("Extract entities", 200, textAnswer, object({ document: string })),
    },
    "/summaries": {
      post: operation(
        "Summarize a document",
        200,
        textAnswer,
        object({ document: string, maxWords: { type: "integer", minimum: 1, maximum: 2000 } }),
      ),
    },
    "/classifications": {
      post: operation(
        "Classify a document",
        200,
        textAnswer,
        object({ document: string, labels: { type: "array", items: string, minItems: 1 } }),
      ),
    },
    "/page-scans": {
      post: operation(
        "Scan a page",
        200,
        textAnswer,
        object({ documentId: string, page: {}, index: integer }),
      ),
    },
    "/completions": {
      post: operation(
        "Complete a prompt",
        200,
        textAnswer,
        object({ system: string, prompt: string, language: string }, ["system", "language"]),
      ),
    },
  }),
  tts: document("tts", {
    "/syntheses": {
      post: operation(
        "Synthesize speech",
        200,
        answer({ audioUrl: string }),
        object({ text: string, language: string }, ["language"]),
      ),
    },
  }),
  warehouse: document("warehouse", {
    "/extracts": {
      post: created("Extract a day into staging", object({ dataset: string, date: string })),
    },
    "/transforms": {
      post: created("Transform a staging table", object({ source: string, recipe: string })),
    },
    "/validations": {
      post: operation(
        "Validate a table",
        200,
        answer({ table: string, passed: { type: "boolean" } }),
        object({ table: string, checks: { type: "array", items: string } }),
      ),
    },
    "/loads": {
      post: created(
        "Load a table into its target",
        object({ table: string, target: string, partition: string }),
      ),
    },
    "/loads/{id}/rollback": {
      post: operation("Roll a load back", 201, answer({ status: string })),
    },
    "/staging/{id}": { delete: deleted("Drop a staging table") },
  }),
};
