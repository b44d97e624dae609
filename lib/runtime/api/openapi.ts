/**
 * The OpenAPI 3.1 document of the HTTP API, served at `GET /openapi.json` (locally and in AWS) and
 * written to `schemas/openapi.json` (`baton schema openapi`). Vocabularies (statuses, balancing,
 * limits) come from the modules that enforce them; `test/runtime/api/openapi.test.ts` checks that
 * every route of the router is described here and nothing else, and the CI's schemathesis run
 * checks the answers of `baton dev` against it.
 */
import { LIMITS } from "../../core/limits.ts";
import { type Json, STEP_KINDS } from "../../core/model.ts";
import type { Schema } from "../../core/schema/json-schema.ts";
import { workflowJsonSchema } from "../../core/schema/workflow-schema.ts";
import { COMPENSATION_STATUSES, EXECUTION_STATUSES, STEP_STATUSES } from "../records/document.ts";
import { MAX_WEIGHT, MIN_WEIGHT } from "../registry/entry-validation.ts";
import { BALANCING_STRATEGIES } from "../registry/registry-model.ts";
import { serviceEntrySchema } from "../registry/services-schema.ts";
import { AUDIT_ACTIONS } from "../workflows/audit.ts";
import { MAX_BODY_BYTES } from "./http.ts";

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: Schema): Schema => ({ anyOf: [schema, { type: "null" }] });
const isoTime: Schema = { type: "string", format: "date-time" };
const epochMs: Schema = { type: "integer", description: "Milliseconds since the epoch." };

const json = (schema: Schema, description: string): Schema => ({
  description,
  content: { "application/json": { schema } },
});

/** The RFC 9457 problem answers, by status. */
const PROBLEMS: Readonly<Record<number, string>> = {
  400: "Invalid request: bad JSON, a query or header out of range, or a body or input that fails validation (`errors` lists each problem).",
  404: "No such workflow, execution, service, instance or waiting step.",
  409: "The execution is not in a state that allows this, a registry write was undone by a concurrent delete, or another request changed the workflow at the same time (retry).",
  413: `The body is over ${MAX_BODY_BYTES} bytes.`,
  415: "The body is not JSON (or, for a workflow, not YAML or JSON).",
  422: "The Idempotency-Key was used before with another input.",
  500: "An unexpected fault (the detail carries the request id).",
  502: "An upstream the request needs (a service's contract URL, the event bus) could not be read or refused the request.",
  503: "A dependency is busy (Retry-After: 1) or unavailable.",
};

const problem = (status: number): Schema => ({
  description: PROBLEMS[status] ?? "A problem.",
  content: { "application/problem+json": { schema: ref("Problem") } },
});

/** Responses of a route: its successes plus the problems it can answer with. */
function responses(ok: Record<string, Schema>, problems: readonly number[]): Schema {
  return {
    ...ok,
    ...Object.fromEntries(problems.map((status) => [String(status), problem(status)])),
  };
}

/** Problems any route reading the stores can answer with. */
const STORE = [503] as const;
const BODY = [400, 413, 415] as const;

const pathParam = (name: string, schema: Schema, description: string): Schema => ({
  name,
  in: "path",
  required: true,
  schema,
  description,
});
const query = (name: string, schema: Schema, description: string): Schema => ({
  name,
  in: "query",
  required: false,
  schema,
  description,
});

const workflowName = {
  ...pathParam("name", { type: "string", pattern: "^[a-z][a-z0-9-]{0,62}$" }, "Workflow name."),
  example: "order-fulfillment",
};
const executionId = pathParam(
  "id",
  { type: "string", pattern: "^[A-Za-z0-9._:-]{1,256}$" },
  "Execution id.",
);
const serviceName = {
  ...pathParam("name", { type: "string", pattern: "^[a-z0-9][a-z0-9_-]{0,62}$" }, "Service name."),
  example: "inventory",
};

/** What a started execution's id leads to (OpenAPI links, followed by tools such as schemathesis). */
const executionLinks: Schema = Object.fromEntries(
  [
    "getExecution",
    "listExecutionEvents",
    "cancelExecution",
    "pauseExecution",
    "resumeExecution",
    "redriveExecution",
    "sendSignal",
  ].map((operationId) => [operationId, { operationId, parameters: { id: "$response.body#/id" } }]),
);
const serviceLinks: Schema = Object.fromEntries(
  ["getService", "deleteService", "putInstance", "deleteInstance"].map((operationId) => [
    operationId,
    { operationId, parameters: { name: "$response.body#/name" } },
  ]),
);
const instanceId = pathParam(
  "instanceId",
  { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$" },
  "Instance id.",
);
const limit = (fallback: number, max: number) =>
  query("limit", { type: "integer", minimum: 1, maximum: max, default: fallback }, "Page size.");
const cursor = query("cursor", { type: "string" }, "`nextCursor` of the previous page.");

const jsonBody = (schema: Schema, required: boolean, description: string): Schema => ({
  required,
  description,
  content: { "application/json": { schema } },
});

const components: Schema = {
  schemas: {
    BusEvent: {
      type: "object",
      required: ["id", "time", "source", "detailType", "detail", "resources"],
      properties: {
        id: { type: "string", description: "The bus's event id." },
        time: isoTime,
        source: { type: "string", example: "baton" },
        detailType: { type: "string", example: "Circuit Opened" },
        detail: { description: "The event's body." },
        resources: { type: "array", items: { type: "string" } },
      },
    },
    BusEventPage: {
      type: "object",
      required: ["since", "until", "items"],
      properties: {
        since: isoTime,
        until: isoTime,
        items: { type: "array", items: ref("BusEvent") },
        nextCursor: { type: "string" },
      },
    },
    Replay: {
      type: "object",
      required: ["name", "state", "from", "to"],
      properties: {
        name: {
          type: "string",
          description: "The replay's name; every replayed event carries it in replay-name.",
        },
        state: {
          type: "string",
          description: "STARTING (EventBridge replays in the background) or COMPLETED (baton dev).",
        },
        from: isoTime,
        to: isoTime,
        type: { type: "string" },
        events: {
          type: "integer",
          minimum: 0,
          description: "Events put back on the bus (baton dev, which replays before answering).",
        },
      },
    },
    CallerEvent: {
      type: "object",
      additionalProperties: false,
      required: ["source"],
      oneOf: [{ required: ["detailType"] }, { required: ["detail-type"] }],
      properties: {
        source: {
          type: "string",
          minLength: 1,
          maxLength: 256,
          pattern: "^(?!aws\\.)(?!baton$)",
          description: "Your own source, e.g. shop.orders; not baton nor aws.*.",
        },
        detailType: {
          type: "string",
          minLength: 1,
          maxLength: 128,
          description: "e.g. Order Placed; not one of Baton's own detail types.",
        },
        "detail-type": {
          type: "string",
          minLength: 1,
          maxLength: 128,
          description: "detailType as EventBridge spells it; give one of the two.",
        },
        detail: { type: "object", description: "The event's body (default {})." },
      },
    },
    Problem: {
      type: "object",
      required: ["type", "title", "status", "detail"],
      properties: {
        type: { type: "string", description: "urn:baton:problem:<slug>" },
        title: { type: "string" },
        status: { type: "integer" },
        detail: { type: "string" },
        errors: {
          type: "array",
          items: {
            type: "object",
            required: ["path", "message"],
            properties: {
              path: { type: "string", description: "JSON pointer, e.g. /input/amount." },
              message: { type: "string" },
            },
          },
        },
      },
    },
    ExecutionError: {
      type: "object",
      required: ["name", "message"],
      properties: {
        name: { type: "string" },
        message: { type: "string" },
        step: { type: "string" },
      },
    },
    StepRecord: {
      type: "object",
      required: ["id", "status", "attempts"],
      properties: {
        id: { type: "string", description: "Step id; map items as <mapId>[<index>].<stepId>." },
        status: { enum: [...STEP_STATUSES] },
        attempts: { type: "integer", minimum: 0 },
        startedAt: isoTime,
        endedAt: isoTime,
        durationMs: { type: "integer", minimum: 0 },
        instance: { type: "string", description: "Registry instance the last attempt went to." },
        error: ref("ExecutionError"),
      },
    },
    Execution: {
      type: "object",
      description: "The execution document.",
      required: [
        "id",
        "workflow",
        "version",
        "status",
        "startedAt",
        "stoppedAt",
        "durationMs",
        "stepsCompleted",
        "totalSteps",
        "input",
        "output",
        "error",
        "compensation",
        "steps",
        "startedBy",
        "versionPinned",
        "traceId",
      ],
      properties: {
        id: { type: "string" },
        workflow: { type: "string" },
        version: { type: "integer", minimum: 1 },
        status: { enum: [...EXECUTION_STATUSES] },
        startedAt: isoTime,
        stoppedAt: nullable(isoTime),
        durationMs: nullable({ type: "integer", minimum: 0 }),
        startedBy: {
          type: "string",
          description:
            "IAM ARN, JWT sub, anonymous, event:<source>, schedule, workflow:<parent workflow>/<parent execution id> or unknown.",
        },
        versionPinned: {
          type: "boolean",
          description: "true when the start named its version (?version= or ?alias=).",
        },
        traceId: {
          type: "string",
          pattern: "^[0-9a-f]{32}$",
          description: "The W3C trace id the execution's service calls send in traceparent.",
        },
        stepsCompleted: { type: "integer", minimum: 0 },
        totalSteps: { type: "integer", minimum: 0 },
        input: { description: "The input the execution started with (schema defaults applied)." },
        output: { description: "The workflow's output once SUCCEEDED, else null." },
        error: nullable(ref("ExecutionError")),
        compensation: { enum: [...COMPENSATION_STATUSES] },
        steps: { type: "array", items: ref("StepRecord") },
      },
    },
    ExecutionPage: {
      type: "object",
      required: ["items"],
      properties: {
        items: { type: "array", items: ref("Execution") },
        nextCursor: { type: "string" },
      },
    },
    ExecutionEvent: {
      type: "object",
      required: ["id", "time", "source", "type", "detail"],
      properties: {
        id: { type: "string" },
        time: isoTime,
        source: { type: "string", description: "baton, or aws.states for status changes." },
        type: { type: "string", description: "Detail type, e.g. Step Retried." },
        stepId: { type: "string" },
        attempt: { type: "integer" },
        detail: { description: "The event's detail." },
      },
    },
    WorkflowSummary: {
      type: "object",
      required: ["name", "version", "type"],
      properties: {
        name: { type: "string" },
        version: { type: "integer", minimum: 1 },
        type: { enum: ["standard", "express"] },
        description: { type: "string" },
        tags: { type: "array", items: { type: "string" } },
      },
    },
    Routing: {
      type: "array",
      minItems: 1,
      maxItems: 2,
      items: {
        type: "object",
        required: ["version", "weight"],
        properties: {
          version: { type: "integer", minimum: 1 },
          weight: { type: "integer", minimum: 0, maximum: 100 },
        },
      },
      description: "Versions and the percent of starts each gets (adding up to 100).",
    },
    WorkflowProblem: {
      type: "object",
      required: ["file", "path", "message", "code", "severity"],
      properties: {
        file: { type: "string", description: "The workflow name." },
        path: { type: "string", description: "JSON pointer into the source." },
        message: { type: "string" },
        code: { type: "string" },
        severity: { enum: ["error", "warning"] },
        line: { type: "integer" },
        hint: { type: "string" },
      },
    },
    Published: {
      type: "object",
      required: ["name", "version", "published"],
      properties: {
        name: { type: "string" },
        version: { type: "integer", minimum: 1 },
        published: { type: "boolean", description: "false: identical to the newest version." },
        warnings: { type: "array", items: ref("WorkflowProblem") },
      },
    },
    ServiceLoad: {
      type: "object",
      required: [
        "service",
        "balancing",
        "windowSeconds",
        "since",
        "threshold",
        "calls",
        "failures",
        "inFlight",
        "instances",
        "maxDeviation",
        "balanced",
      ],
      properties: {
        service: { type: "string" },
        balancing: { enum: ["round_robin", "least_outstanding", "weighted_random"] },
        windowSeconds: { type: "integer" },
        since: isoTime,
        threshold: { type: "number" },
        calls: { type: "integer", minimum: 0 },
        failures: { type: "integer", minimum: 0 },
        inFlight: { type: "integer", minimum: 0 },
        instances: {
          type: "array",
          items: {
            type: "object",
            required: [
              "id",
              "healthy",
              "weight",
              "inFlight",
              "calls",
              "failures",
              "share",
              "expectedShare",
            ],
            properties: {
              id: { type: "string" },
              healthy: { type: "boolean" },
              weight: { type: "number" },
              inFlight: { type: "integer", minimum: 0 },
              calls: { type: "integer", minimum: 0 },
              failures: { type: "integer", minimum: 0 },
              share: { type: "number", minimum: 0, maximum: 1 },
              expectedShare: { type: "number", minimum: 0, maximum: 1 },
            },
          },
        },
        maxDeviation: { type: "number", minimum: 0 },
        balanced: { type: "boolean" },
      },
    },
    Template: {
      type: "object",
      required: ["name", "file", "parameters"],
      properties: {
        name: { type: "string", pattern: "^[a-z][a-z0-9-]{0,62}$" },
        description: { type: "string" },
        file: { type: "string", description: "The template file it was read from." },
        parameters: { type: "object", description: "JSON Schema (2020-12) of the parameters." },
        example: { type: "object", description: "The first of the schema's examples." },
        source: { type: "string", description: "The template file (GET /templates/{name} only)." },
      },
    },
    WorkflowVersion: {
      type: "object",
      required: ["name", "version", "publishedAt", "publishedBy", "origin", "source", "definition"],
      properties: {
        name: { type: "string" },
        version: { type: "integer", minimum: 1 },
        publishedAt: isoTime,
        publishedBy: { type: "string", description: "IAM principal, JWT sub, or deploy." },
        origin: { enum: ["api", "deploy"] },
        description: { type: "string" },
        source: { type: "string", description: "The body as sent, or the workflow file." },
        definition: { type: "object" },
        asl: { type: "object" },
        mermaid: { type: "string" },
      },
    },
    AuditEntry: {
      type: "object",
      required: ["workflow", "at", "action", "by"],
      properties: {
        workflow: { type: "string" },
        at: isoTime,
        action: { enum: [...AUDIT_ACTIONS] },
        by: { type: "string" },
        version: { type: "integer", minimum: 1 },
        alias: { type: "string" },
        executionId: { type: "string" },
        detail: { type: "string" },
      },
    },
    FleetStats: {
      type: "object",
      required: ["since", "total", "byStatus", "running", "queued", "inProgress", "workflows"],
      properties: {
        since: isoTime,
        total: { type: "integer" },
        byStatus: { type: "object", additionalProperties: { type: "integer" } },
        running: { type: "integer" },
        queued: { type: "integer" },
        inProgress: { type: "integer", description: "RUNNING, QUEUED and PAUSED." },
        workflows: {
          type: "array",
          items: {
            type: "object",
            required: ["workflow", "total", "byStatus", "running", "queued", "successRate"],
            properties: {
              workflow: { type: "string" },
              total: { type: "integer" },
              byStatus: { type: "object", additionalProperties: { type: "integer" } },
              running: { type: "integer" },
              queued: { type: "integer" },
              successRate: nullable({ type: "number" }),
              truncated: { type: "boolean" },
            },
          },
        },
      },
    },
    Ready: {
      type: "object",
      required: ["status", "workflows", "checks"],
      properties: {
        status: { enum: ["ready", "not-ready"] },
        workflows: { type: "integer" },
        checks: { type: "object" },
      },
    },
    Workflow: {
      type: "object",
      required: ["name", "version", "type", "definition", "asl", "mermaid", "steps"],
      properties: {
        name: { type: "string" },
        version: { type: "integer", minimum: 1 },
        type: { enum: ["standard", "express"] },
        description: { type: "string" },
        tags: { type: "array", items: { type: "string" } },
        aliases: {
          type: "object",
          additionalProperties: ref("Routing"),
          description: "Aliases by name; live is the default of every start.",
        },
        inputSchema: { type: "object", description: "The workflow's input JSON Schema." },
        definition: ref("WorkflowDefinition"),
        asl: { type: "object", description: "The compiled Amazon States Language definition." },
        mermaid: { type: "string", description: "Mermaid flowchart of the steps." },
        steps: {
          type: "array",
          items: {
            type: "object",
            required: ["id", "kind"],
            properties: { id: { type: "string" }, kind: { enum: [...STEP_KINDS] } },
          },
        },
      },
    },
    ...workflowDefinition(),
    WorkflowStats: {
      type: "object",
      required: [
        "workflow",
        "since",
        "count",
        "truncated",
        "running",
        "successRate",
        "avgDurationMs",
        "p95DurationMs",
        "retryRate",
        "compensationRate",
        "byStatus",
        "bottleneck",
        "steps",
        "suggestions",
      ],
      properties: {
        workflow: { type: "string" },
        since: isoTime,
        count: { type: "integer", minimum: 0 },
        truncated: { type: "boolean", description: "More executions exist than were examined." },
        running: { type: "integer", minimum: 0 },
        successRate: nullable({ type: "number", minimum: 0, maximum: 1 }),
        avgDurationMs: nullable({ type: "number" }),
        p95DurationMs: nullable({ type: "number" }),
        retryRate: nullable({ type: "number", minimum: 0, maximum: 1 }),
        compensationRate: nullable({ type: "number", minimum: 0, maximum: 1 }),
        byStatus: { type: "object", additionalProperties: { type: "integer" } },
        bottleneck: nullable({
          type: "object",
          required: ["step", "avgDurationMs", "p95DurationMs"],
          properties: {
            step: { type: "string" },
            avgDurationMs: { type: "number" },
            p95DurationMs: { type: "number" },
          },
        }),
        steps: {
          type: "array",
          items: {
            type: "object",
            required: ["id", "runs", "avgDurationMs", "p95DurationMs", "retryRate", "failureRate"],
            properties: {
              id: { type: "string" },
              runs: { type: "integer" },
              avgDurationMs: { type: "number" },
              p95DurationMs: { type: "number" },
              retryRate: { type: "number" },
              failureRate: { type: "number" },
            },
          },
        },
        suggestions: {
          type: "array",
          items: {
            type: "object",
            required: ["rule", "steps", "message"],
            properties: {
              rule: { enum: ["parallelize", "cache", "dominant-step", "flaky-step"] },
              steps: { type: "array", items: { type: "string" } },
              message: { type: "string" },
              estimatedSavingMs: { type: "number" },
            },
          },
        },
      },
    },
    ServiceEntry: {
      ...serviceEntrySchema(false),
      description: "A service as in services.yaml; `name` may be left out (the path names it).",
    },
    InstanceEntry: {
      type: "object",
      additionalProperties: false,
      properties: {
        id: { type: "string", description: "May be left out (the path names it)." },
        url: { type: "string", description: "Base URL, http or https." },
        weight: { type: "number", minimum: MIN_WEIGHT, maximum: MAX_WEIGHT },
      },
      required: ["url"],
    },
    Service: {
      type: "object",
      required: [
        "name",
        "instances",
        "health",
        "balancing",
        "circuit",
        "timeout",
        "headers",
        "circuitState",
        "createdAt",
        "updatedAt",
      ],
      properties: {
        name: { type: "string" },
        balancing: { enum: [...BALANCING_STRATEGIES] },
        health: { type: "object" },
        circuit: { type: "object" },
        timeout: { type: "integer" },
        headers: {
          type: "object",
          additionalProperties: { type: "string" },
          description: "As registered: secret references, never their values.",
        },
        instances: {
          type: "array",
          items: {
            type: "object",
            required: ["id", "url", "weight", "healthy"],
            properties: {
              id: { type: "string" },
              url: { type: "string" },
              weight: { type: "number" },
              healthy: { type: "boolean" },
              consecutiveFailures: { type: "integer" },
              consecutiveSuccesses: { type: "integer" },
              lastCheckedAt: nullable(epochMs),
              lastReason: nullable({ type: "string" }),
              registeredAt: epochMs,
              lastHeartbeatAt: epochMs,
            },
          },
        },
        circuitState: {
          type: "object",
          required: ["state"],
          properties: {
            state: { enum: ["CLOSED", "OPEN", "HALF_OPEN"] },
            openedAt: nullable(epochMs),
            probeOwner: nullable({ type: "string" }),
            probeExpiresAt: nullable(epochMs),
            countsFrom: nullable(epochMs),
            version: { type: "integer" },
          },
        },
        createdAt: epochMs,
        updatedAt: epochMs,
        drift: {
          type: "array",
          items: ref("DriftReport"),
          description:
            "`GET /services/{name}` only: what the service's contract breaks now, per Region, as the last refresh judged it (empty when nothing).",
        },
      },
    },
    DriftedWorkflow: {
      type: "object",
      required: ["workflow", "version", "steps", "problems"],
      properties: {
        workflow: { type: "string" },
        version: { type: "integer" },
        steps: {
          type: "array",
          items: { type: "string" },
          description: "The steps whose calls or compensations the problems are about.",
        },
        problems: {
          type: "array",
          items: {
            type: "object",
            required: ["code", "severity", "path", "message"],
            properties: {
              code: {
                type: "string",
                enum: ["E_CONTRACT_ROUTE", "E_CONTRACT_BODY", "W_CONTRACT_FIELD"],
              },
              severity: { type: "string", enum: ["error", "warning"] },
              path: { type: "string", description: "JSON pointer into the workflow definition." },
              message: { type: "string" },
            },
          },
        },
      },
    },
    Peer: {
      type: "object",
      required: ["region", "apiUrl", "self", "lastSeen", "replicationLatencyMs", "status"],
      properties: {
        region: { type: "string", description: "The Region (`local` or `--region` in baton dev)." },
        apiUrl: nullable({
          type: "string",
          description:
            "Its API base URL, from its heartbeat; null for a Region not heard from yet.",
        }),
        self: { type: "boolean", description: "Whether it is the Region answering." },
        lastSeen: nullable({
          ...isoTime,
          description:
            "Its last heartbeat (written every minute by its health check) as this Region's replica has it; null if none arrived yet.",
        }),
        replicationLatencyMs: nullable({
          type: "integer",
          minimum: 0,
          description:
            "Milliseconds a registry write made here takes to reach it: the latest minute of the global table's ReplicationLatency metric (0 between baton dev instances sharing one store). Null for the answering Region, with one Region, when the metric has no figure in the last 15 minutes, or when it could not be read (then latencyError says why).",
        }),
        status: {
          type: "string",
          enum: ["up", "stale", "unseen"],
          description:
            "up: heard from within 5 minutes (the answering Region always); stale: its last heartbeat is older; unseen: deployed (baton:regions) but no heartbeat arrived yet.",
        },
      },
    },
    DriftReport: {
      type: "object",
      required: ["service", "region", "source", "checkedAt", "driftSince", "workflows"],
      properties: {
        service: { type: "string" },
        region: {
          type: "string",
          description: "The Region whose deployed workflows were judged (`local` in baton dev).",
        },
        source: { type: "string", description: "The contract's URL, or `inline`." },
        checkedAt: { ...isoTime, description: "When the contract was last read (a 304 counts)." },
        driftSince: { ...isoTime, description: "When this drift was first seen." },
        workflows: { type: "array", items: ref("DriftedWorkflow") },
        truncated: {
          type: "boolean",
          description: "Problems past the first 200 were not stored.",
        },
      },
    },
    DeadLetter: {
      type: "object",
      required: ["id", "source", "detailType", "detail", "reason", "sentAt", "receiveCount"],
      properties: {
        id: { type: "string" },
        source: nullable({ type: "string" }),
        detailType: nullable({ type: "string" }),
        detail: {},
        reason: nullable({ type: "string", description: "Why it was not delivered." }),
        sentAt: nullable(isoTime),
        receiveCount: { type: "integer" },
      },
    },
    Health: {
      type: "object",
      required: ["status", "workflows", "dependencies"],
      properties: {
        status: { enum: ["ok", "degraded"] },
        workflows: { type: "integer" },
        dependencies: {
          type: "object",
          additionalProperties: {
            type: "object",
            required: ["status"],
            properties: { status: { enum: ["ok", "error"] }, detail: { type: "string" } },
          },
        },
      },
    },
  },
  securitySchemes: {
    sigv4: {
      type: "apiKey",
      in: "header",
      name: "Authorization",
      description:
        "AWS Signature Version 4 for service execute-api (the stack's default, baton:apiAuth=iam); see docs/deploy.md.",
    },
    bearer: {
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
      description:
        "A JWT from the configured OIDC issuer for the configured audience (baton:apiAuth=jwt), or a Cognito token (cognito).",
    },
  },
};

/**
 * The workflow file schema as components: `WorkflowDefinition` and one `Workflow_<def>` per entry
 * of its `$defs` (a `#/$defs/…` reference inside a component would point at this document's root).
 * `input` is any object here: the JSON Schema meta-schema is not fetched by API tools.
 */
function workflowDefinition(): Record<string, Schema> {
  const { $schema: _draft, $defs, ...root } = workflowJsonSchema();
  const rename = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(rename);
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) =>
        key === "$ref" && typeof item === "string" && item.startsWith("#/$defs/")
          ? [key, `#/components/schemas/Workflow_${item.slice("#/$defs/".length)}`]
          : [key, rename(item as Json)],
      ),
    );
  };
  const defs = Object.entries(($defs ?? {}) as Schema).map(([name, schema]) => [
    `Workflow_${name}`,
    rename(schema) as Schema,
  ]);
  const properties = { ...(root.properties as Schema), input: { type: "object" } };
  return {
    WorkflowDefinition: rename({ ...root, properties }) as Schema,
    ...Object.fromEntries(defs),
  };
}

const executionsTag = ["executions"];
/** The web console's files (docs/console.md): public, no data in them, no credentials needed. */
const consoleFile = (description: string, types: readonly string[]): Schema => ({
  description,
  headers: {
    ETag: { schema: { type: "string" }, description: "Send it back in If-None-Match." },
    "Content-Security-Policy": { schema: { type: "string" } },
  },
  content: Object.fromEntries(types.map((type) => [type, { schema: { type: "string" } }])),
});
const notModified: Schema = { description: "Not modified: If-None-Match matched the ETag." };
const paths: Schema = {
  "/": {
    get: {
      operationId: "getConsole",
      tags: ["operations"],
      summary: "The web console (an HTML page that reads this API)",
      security: [{}],
      responses: {
        "200": consoleFile("The console page.", ["text/html"]),
        "304": notModified,
      },
    },
  },
  "/console/{asset}": {
    get: {
      operationId: "getConsoleAsset",
      tags: ["operations"],
      summary: "A file of the web console: app.js, console.css or favicon.svg",
      security: [{}],
      parameters: [
        pathParam(
          "asset",
          { type: "string", examples: ["app.js", "console.css", "favicon.svg"] },
          "`app.js`, `console.css` or `favicon.svg`.",
        ),
      ],
      responses: responses(
        {
          "200": consoleFile("The file.", ["text/javascript", "text/css", "image/svg+xml"]),
          "304": notModified,
        },
        [400, 404],
      ),
    },
  },
  "/health": {
    get: {
      operationId: "getHealth",
      tags: ["operations"],
      summary: "Liveness and each dependency's status",
      responses: {
        "200": json(ref("Health"), "Every dependency answered."),
        "503": json(ref("Health"), "A dependency did not answer within 3 s."),
      },
    },
  },
  "/openapi.json": {
    get: {
      operationId: "getOpenApi",
      tags: ["operations"],
      summary: "This document",
      responses: { "200": json({ type: "object" }, "The OpenAPI 3.1 document.") },
    },
  },
  "/workflows": {
    get: {
      operationId: "listWorkflows",
      tags: ["workflows"],
      summary: "Deployed workflows, searched by words and tags",
      parameters: [
        query(
          "q",
          { type: "string" },
          "Words that must all appear in the name, description or tags.",
        ),
        query("tag", { type: "string" }, "Comma-separated tags the workflow must all have."),
        limit(100, 500),
        cursor,
      ],
      responses: responses(
        {
          "200": json(
            {
              type: "object",
              required: ["items"],
              properties: {
                items: { type: "array", items: ref("WorkflowSummary") },
                nextCursor: { type: "string" },
              },
            },
            "One page, by name.",
          ),
        },
        [400],
      ),
    },
  },
  "/workflows/{name}": {
    parameters: [workflowName],
    get: {
      operationId: "getWorkflow",
      tags: ["workflows"],
      summary: "A workflow's definition, compiled ASL and Mermaid graph",
      responses: responses({ "200": json(ref("Workflow"), "The workflow.") }, [404]),
    },
    put: {
      operationId: "publishWorkflow",
      tags: ["workflows"],
      summary:
        "Create or update a workflow: validate, compile, publish a version, point live at it",
      requestBody: {
        required: true,
        description: "The workflow file, as YAML or JSON; its workflow name must be the path's.",
        content: {
          "application/yaml": { schema: { type: "string" } },
          "application/json": { schema: ref("WorkflowDefinition") },
        },
      },
      responses: responses(
        {
          "201": json(ref("Published"), "Created: version 1 (or the first after a delete)."),
          "200": json(ref("Published"), "A new version, or none when identical to the newest."),
        },
        [...BODY, 409, ...STORE],
      ),
    },
    delete: {
      operationId: "deleteWorkflow",
      tags: ["workflows"],
      summary: "Delete: later starts 404; running executions finish on their version",
      responses: responses({ "204": { description: "Deleted." } }, [400, 404, 409, ...STORE]),
    },
  },
  "/workflows/from-template": {
    post: {
      operationId: "createWorkflowFromTemplate",
      tags: ["workflows"],
      summary:
        "Create or update a workflow from a template: fill its parameters, validate, compile, publish",
      requestBody: jsonBody(
        {
          type: "object",
          required: ["template", "name"],
          additionalProperties: false,
          properties: {
            template: { type: "string", minLength: 1, description: "A name GET /templates lists." },
            name: {
              type: "string",
              pattern: "^[a-z][a-z0-9-]{0,62}$",
              description: "The workflow to create or update (not from-template).",
            },
            parameters: {
              type: "object",
              description: "Values checked against the template's parameters schema.",
            },
          },
        },
        true,
        '{"template": "saga", "name": "eu-orders", "parameters": {…}}',
      ),
      responses: responses(
        {
          "201": json(
            { allOf: [ref("Published"), { properties: { template: { type: "string" } } }] },
            "Created: version 1 (or the first after a delete).",
          ),
          "200": json(
            { allOf: [ref("Published"), { properties: { template: { type: "string" } } }] },
            "A new version, or none when identical to the newest.",
          ),
        },
        [...BODY, 404, 409, ...STORE],
      ),
    },
  },
  "/templates": {
    get: {
      operationId: "listTemplates",
      tags: ["workflows"],
      summary: "The templates workflows can be created from",
      responses: responses(
        {
          "200": json(
            {
              type: "object",
              required: ["items"],
              properties: { items: { type: "array", items: ref("Template") } },
            },
            "Every template, by name.",
          ),
        },
        [],
      ),
    },
  },
  "/templates/{name}": {
    parameters: [pathParam("name", { type: "string" }, "Template name.")],
    get: {
      operationId: "getTemplate",
      tags: ["workflows"],
      summary: "One template, with its source",
      responses: responses({ "200": json(ref("Template"), "The template.") }, [404]),
    },
  },
  "/workflows/{name}/versions": {
    parameters: [workflowName],
    get: {
      operationId: "listWorkflowVersions",
      tags: ["workflows"],
      summary: "Published versions, newest first",
      parameters: [limit(50, 100)],
      responses: responses(
        {
          "200": json(
            {
              type: "object",
              required: ["items"],
              properties: { items: { type: "array", items: ref("WorkflowVersion") } },
            },
            "The versions.",
          ),
        },
        [400, 404, ...STORE],
      ),
    },
  },
  "/workflows/{name}/versions/{version}": {
    parameters: [
      workflowName,
      pathParam("version", { type: "integer", minimum: 1 }, "Version number."),
    ],
    get: {
      operationId: "getWorkflowVersion",
      tags: ["workflows"],
      summary: "One version, with its ASL and Mermaid graph",
      responses: responses({ "200": json(ref("WorkflowVersion"), "The version.") }, [
        400,
        404,
        ...STORE,
      ]),
    },
  },
  "/workflows/{name}/audit": {
    parameters: [workflowName],
    get: {
      operationId: "listWorkflowAudit",
      tags: ["workflows"],
      summary: "Who published, aliased, deleted, cancelled, redrove, paused, resumed",
      parameters: [limit(50, 100), cursor],
      responses: responses(
        {
          "200": json(
            {
              type: "object",
              required: ["items"],
              properties: {
                items: { type: "array", items: ref("AuditEntry") },
                nextCursor: { type: "string" },
              },
            },
            "Newest first.",
          ),
        },
        [400, 404, ...STORE],
      ),
    },
  },
  "/workflows/{name}/aliases/{alias}": {
    parameters: [
      workflowName,
      pathParam("alias", { type: "string", pattern: "^[a-z][a-z0-9-]{0,79}$" }, "Alias name."),
    ],
    put: {
      operationId: "setWorkflowAlias",
      tags: ["workflows"],
      summary: "Point an alias at a version, or split starts between two by weight",
      requestBody: jsonBody(
        {
          oneOf: [
            {
              type: "object",
              required: ["version"],
              properties: { version: { type: "integer", minimum: 1 } },
              additionalProperties: false,
            },
            {
              type: "object",
              required: ["routing"],
              properties: { routing: ref("Routing") },
              additionalProperties: false,
            },
          ],
        },
        true,
        '{"version": n} or {"routing": [{"version": n, "weight": w}, …]}',
      ),
      responses: responses(
        {
          "200": json(
            {
              type: "object",
              required: ["name", "alias", "routing"],
              properties: {
                name: { type: "string" },
                alias: { type: "string" },
                routing: ref("Routing"),
              },
            },
            "The alias as it now routes.",
          ),
        },
        [...BODY, 404, 409, ...STORE],
      ),
    },
  },
  "/executions": {
    get: {
      operationId: "listAllExecutions",
      tags: executionsTag,
      summary: "Every workflow's executions, newest first",
      parameters: [
        query("status", { enum: [...EXECUTION_STATUSES] }, "Only executions in this status."),
        query("workflow", { type: "string" }, "Only this workflow's executions."),
        limit(20, 100),
        cursor,
      ],
      responses: responses({ "200": json(ref("ExecutionPage"), "One page.") }, [400, ...STORE]),
    },
  },
  "/stats": {
    get: {
      operationId: "getFleetStats",
      tags: ["operations"],
      summary: "Fleet counts by status, running and queued, one row per workflow",
      parameters: [
        query(
          "since",
          { type: "string", pattern: "^(\\d{1,6}[mhd]|\\d{4}-\\d{2}-\\d{2}.*)$" },
          "ISO-8601 time or a look-back such as 30m, 24h, 7d (default 7d).",
        ),
      ],
      responses: responses({ "200": json(ref("FleetStats"), "The counts.") }, [400, ...STORE]),
    },
  },
  "/ready": {
    get: {
      operationId: "getReady",
      tags: ["operations"],
      summary: "Readiness: the catalogue is loaded and every dependency answers",
      responses: {
        "200": json(ref("Ready"), "Ready to serve."),
        "503": json(ref("Ready"), "A dependency did not answer."),
      },
    },
  },
  "/workflows/{name}/stats": {
    parameters: [workflowName],
    get: {
      operationId: "getWorkflowStats",
      tags: ["workflows"],
      summary: "Success rate, durations, retry and compensation rates, bottleneck, suggestions",
      parameters: [
        query(
          "since",
          { type: "string", pattern: "^(\\d{1,6}[mhd]|\\d{4}-\\d{2}-\\d{2}.*)$" },
          "ISO-8601 time or a look-back such as 30m, 24h, 7d (default 7d).",
        ),
      ],
      responses: responses({ "200": json(ref("WorkflowStats"), "The statistics.") }, [
        400,
        404,
        ...STORE,
      ]),
    },
  },
  "/workflows/{name}/executions": {
    parameters: [workflowName],
    post: {
      operationId: "startExecution",
      tags: executionsTag,
      summary: "Start an execution",
      description:
        "The body is the input, validated against the workflow's input schema (schema defaults applied). With Idempotency-Key, a repeated start returns the first execution (200).",
      parameters: [
        query("version", { type: "integer", minimum: 1 }, "Run this version (not with alias)."),
        query(
          "alias",
          { type: "string", pattern: "^[a-z][a-z0-9-]{0,79}$" },
          "Run a version this alias routes to (default live).",
        ),
        {
          name: "Idempotency-Key",
          in: "header",
          required: false,
          schema: { type: "string", pattern: "^[\\x21-\\x7e]{1,255}$" },
          description: "Makes a repeated start return the same execution.",
        },
      ],
      requestBody: {
        ...jsonBody({}, false, "The execution input (default {})."),
        content: {
          "application/json": {
            schema: {},
            example: {
              orderId: "o-1",
              customerId: "c-1",
              sku: "sku-1",
              quantity: 1,
              amount: 10,
              currency: "EUR",
            },
          },
        },
      },
      responses: responses(
        {
          "201": {
            ...json(ref("Execution"), "Started."),
            headers: { Location: { schema: { type: "string" } } },
            links: executionLinks,
          },
          "200": {
            ...json(ref("Execution"), "Already started with this Idempotency-Key."),
            headers: { Location: { schema: { type: "string" } } },
            links: executionLinks,
          },
        },
        [...BODY, 404, 422, ...STORE],
      ),
    },
    get: {
      operationId: "listExecutions",
      tags: executionsTag,
      summary: "A workflow's executions, newest first",
      parameters: [
        query("status", { enum: [...EXECUTION_STATUSES] }, "Only executions in this status."),
        limit(20, 100),
        cursor,
      ],
      responses: responses({ "200": json(ref("ExecutionPage"), "One page.") }, [
        400,
        404,
        ...STORE,
      ]),
    },
  },
  "/executions/{id}": {
    parameters: [executionId],
    get: {
      operationId: "getExecution",
      tags: executionsTag,
      summary: "The execution document",
      responses: responses({ "200": json(ref("Execution"), "The execution.") }, [
        400,
        404,
        ...STORE,
      ]),
    },
  },
  "/executions/{id}/events": {
    parameters: [executionId],
    get: {
      operationId: "listExecutionEvents",
      tags: executionsTag,
      summary: "The execution's orchestration events, in order",
      parameters: [limit(100, 500), cursor],
      responses: responses(
        {
          "200": json(
            {
              type: "object",
              required: ["items"],
              properties: {
                items: { type: "array", items: ref("ExecutionEvent") },
                nextCursor: { type: "string" },
              },
            },
            "One page.",
          ),
        },
        [400, 404, ...STORE],
      ),
    },
  },
  "/executions/{id}/cancel": {
    parameters: [executionId],
    post: {
      operationId: "cancelExecution",
      tags: executionsTag,
      summary: "Stop an execution, optionally compensating its succeeded steps",
      requestBody: jsonBody(
        {
          type: "object",
          additionalProperties: false,
          properties: {
            compensate: { type: "boolean", default: false },
            reason: { type: "string", maxLength: 1000 },
          },
        },
        false,
        "Cancel options.",
      ),
      responses: responses(
        {
          "202": json(
            {
              type: "object",
              required: ["execution", "compensation"],
              properties: {
                execution: ref("Execution"),
                compensation: { enum: ["none", "in-workflow", "running", "pending"] },
              },
            },
            "Stopping; compensation says how the undo runs.",
          ),
        },
        [...BODY, 404, 409, ...STORE],
      ),
    },
  },
  ...Object.fromEntries(
    (["pause", "resume"] as const).map((action) => [
      `/executions/{id}/${action}`,
      {
        parameters: [executionId],
        post: {
          operationId: `${action}Execution`,
          tags: executionsTag,
          summary:
            action === "pause"
              ? "Pause a running standard execution before its next call (docs/limits-and-pause.md)"
              : "Resume a paused execution",
          responses: responses(
            {
              "202": json(
                {
                  type: "object",
                  required: ["execution"],
                  properties: { execution: ref("Execution") },
                },
                action === "pause" ? "Paused (status PAUSED)." : "Resumed (status RUNNING).",
              ),
              "200": json(
                {
                  type: "object",
                  required: ["execution"],
                  properties: { execution: ref("Execution") },
                },
                "Already in that state; nothing changed.",
              ),
            },
            [400, 404, 409, ...STORE],
          ),
        },
      },
    ]),
  ),
  "/executions/{id}/redrive": {
    parameters: [executionId],
    post: {
      operationId: "redriveExecution",
      tags: executionsTag,
      summary: "Resume a failed, timed-out or cancelled (uncompensated) execution",
      responses: responses(
        {
          "202": json(
            {
              type: "object",
              required: ["id", "status", "redriveDate"],
              properties: {
                id: { type: "string" },
                status: { const: "RUNNING" },
                redriveDate: isoTime,
              },
            },
            "Resumed.",
          ),
        },
        [400, 404, 409, ...STORE],
      ),
    },
  },
  "/executions/{id}/signals/{name}": {
    parameters: [
      executionId,
      pathParam(
        "name",
        { type: "string", pattern: "^[^\\s\\x00-\\x1f\\x7f-\\x9f]{1,256}$" },
        "Signal name.",
      ),
    ],
    post: {
      operationId: "sendSignal",
      tags: executionsTag,
      summary: "Deliver a signal to an await step",
      parameters: [
        query(
          "item",
          { type: "string", pattern: "^\\d+(\\.\\d+)*$" },
          "A map item's index (nested maps: indices joined by '.', outermost first).",
        ),
      ],
      requestBody: jsonBody({}, false, "The payload, the await step's result (default null)."),
      responses: responses(
        {
          "200": json(ref("SignalOutcome"), "Delivered to the waiting step."),
          "202": json(ref("SignalOutcome"), "Kept: the execution will reach the await later."),
        },
        [...BODY, 404, 409, ...STORE],
      ),
    },
  },
  "/services": {
    get: {
      operationId: "listServices",
      tags: ["services"],
      summary: "The registry: services with instances, health and circuit state",
      responses: responses(
        {
          "200": json(
            {
              type: "object",
              required: ["items"],
              properties: { items: { type: "array", items: ref("Service") } },
            },
            "Every service.",
          ),
        },
        [...STORE],
      ),
    },
  },
  "/services/{name}": {
    parameters: [serviceName],
    get: {
      operationId: "getService",
      tags: ["services"],
      summary: "One service",
      responses: responses({ "200": json(ref("Service"), "The service.") }, [404, ...STORE]),
    },
    put: {
      operationId: "putService",
      tags: ["services"],
      summary: "Register or replace a service",
      requestBody: jsonBody(ref("ServiceEntry"), true, "The service, as in services.yaml."),
      responses: responses(
        {
          "201": { ...json(ref("Service"), "Registered."), links: serviceLinks },
          "200": { ...json(ref("Service"), "Replaced."), links: serviceLinks },
        },
        [...BODY, 409, ...STORE],
      ),
    },
    delete: {
      operationId: "deleteService",
      tags: ["services"],
      summary: "Deregister a service",
      responses: responses({ "204": { description: "Deregistered." } }, [404, ...STORE]),
    },
  },
  "/services/{name}/load": {
    parameters: [serviceName],
    get: {
      operationId: "getServiceLoad",
      tags: ["services"],
      summary:
        "Per-instance calls, failures, in-flight calls and share over a window; balanced against a threshold",
      parameters: [
        query(
          "window",
          { type: "integer", minimum: 60, maximum: 3600 },
          "Seconds to count calls over, rounded out to whole minutes (default 300).",
        ),
        query(
          "threshold",
          { type: "number", minimum: 0, maximum: 1 },
          "Largest relative deviation of a share from its expected share still balanced (default 0.2).",
        ),
      ],
      responses: responses({ "200": json(ref("ServiceLoad"), "The load.") }, [400, 404, ...STORE]),
    },
  },
  "/services/{name}/contract/refresh": {
    parameters: [serviceName],
    post: {
      operationId: "refreshServiceContract",
      tags: ["services"],
      summary: "Read the service's contract again and check deployed workflows against it",
      description:
        "Fetches the service's `openapi` URL (or reads its inline document) and checks every deployed workflow's calls to the service with the static contract check; calls it breaks are drift, published as `Contract Drift Detected` and stored for `GET /drift` (`Contract Drift Cleared` when stored drift is gone; docs/contracts.md). 409: the service names no contract, or a file only the CLI can read; 502: the contract could not be fetched or is not OpenAPI 3.x.",
      responses: responses(
        {
          "200": json(
            {
              type: "object",
              required: ["service", "source", "operations", "drift"],
              properties: {
                service: { type: "string" },
                source: { type: "string", description: "The URL, or `inline`." },
                operations: { type: "integer", minimum: 0 },
                etag: { type: "string" },
                drift: { type: "array", items: ref("DriftedWorkflow") },
              },
            },
            "The contract as read now, and the deployed workflows it breaks.",
          ),
        },
        [404, 409, 502, ...STORE],
      ),
    },
  },
  "/drift": {
    get: {
      operationId: "listDrift",
      tags: ["services"],
      summary: "What service contracts break now",
      description:
        "The stored judgements that found drift: per service and Region, the deployed workflows whose calls the service's current contract breaks, as the last refresh (scheduled with the health checks, or `POST /services/{name}/contract/refresh`) judged them. Cleared when a refresh finds the calls fit again; a deregistered service or a replaced contract drops out (docs/contracts.md). 503: this deployment stores no contract checks.",
      responses: responses(
        {
          "200": json(
            {
              type: "object",
              required: ["items"],
              properties: { items: { type: "array", items: ref("DriftReport") } },
            },
            "Current drift, by service then Region; empty when every contract fits.",
          ),
        },
        [...STORE],
      ),
    },
  },
  "/peers": {
    get: {
      operationId: "listPeers",
      tags: ["operations"],
      summary: "The peer Regions sharing this registry",
      description:
        "The answering Region first, then every Region that shares the registry (a DynamoDB global table with baton:regions; one store between baton dev instances), from the heartbeats each Region's health check writes into it and the Regions the deployment names, with their API URLs and how far behind their replicas are (docs/peers.md). One Region lists itself only. 400: a query parameter other than status, or an unknown status.",
      parameters: [
        query(
          "status",
          { type: "string", enum: ["up", "stale", "unseen"] },
          "Only the Regions in this status.",
        ),
      ],
      responses: responses(
        {
          "200": json(
            {
              type: "object",
              required: ["self", "replication", "items"],
              properties: {
                self: { type: "string", description: "The answering Region." },
                replication: {
                  type: "string",
                  enum: ["dynamodb-global-table", "shared-local-store", "none"],
                  description:
                    "How the registry reaches the peers, hence where the lags come from: CloudWatch, none needed (one store), or no peers.",
                },
                items: { type: "array", items: ref("Peer") },
                latencyError: {
                  type: "string",
                  description: "Why the lags are null: the metric read failed.",
                },
              },
            },
            "The Regions, the answering one first, then by name.",
          ),
        },
        [400, ...STORE],
      ),
    },
  },
  "/services/{name}/instances/{instanceId}": {
    parameters: [serviceName, instanceId],
    put: {
      operationId: "putInstance",
      tags: ["services"],
      summary: "Register an instance, or heartbeat it",
      requestBody: jsonBody(ref("InstanceEntry"), true, "The instance."),
      responses: responses(
        {
          "201": json(ref("Service"), "Registered."),
          "200": json(ref("Service"), "Updated (heartbeat)."),
        },
        [...BODY, 404, 409, ...STORE],
      ),
    },
    delete: {
      operationId: "deleteInstance",
      tags: ["services"],
      summary: "Deregister an instance",
      responses: responses({ "204": { description: "Deregistered." } }, [404, ...STORE]),
    },
  },
  "/dlq": {
    get: {
      operationId: "listDeadLetters",
      tags: ["operations"],
      summary: "Events that could not be delivered",
      parameters: [limit(10, 100)],
      responses: responses(
        {
          "200": json(
            {
              type: "object",
              required: ["items", "approximateCount"],
              properties: {
                items: { type: "array", items: ref("DeadLetter") },
                approximateCount: { type: "integer", minimum: 0 },
              },
            },
            "Up to limit messages, not consumed.",
          ),
        },
        [400, ...STORE],
      ),
    },
  },
  "/dlq/redrive": {
    post: {
      operationId: "redriveDeadLetters",
      tags: ["operations"],
      summary: "Redeliver dead-lettered events",
      requestBody: jsonBody(
        {
          type: "object",
          additionalProperties: false,
          properties: { max: { type: "integer", minimum: 1, maximum: 100, default: 10 } },
        },
        false,
        "How many messages at most.",
      ),
      responses: responses(
        {
          "200": json(
            {
              type: "object",
              required: ["redriven", "failed"],
              properties: {
                redriven: { type: "integer", minimum: 0 },
                failed: {
                  type: "array",
                  items: {
                    type: "object",
                    required: ["id", "reason"],
                    properties: { id: { type: "string" }, reason: { type: "string" } },
                  },
                },
              },
            },
            "What was redelivered.",
          ),
        },
        [...BODY, ...STORE],
      ),
    },
  },
  "/events": {
    post: {
      operationId: "putEvents",
      tags: ["operations"],
      summary: "Put events on the orchestration bus",
      description:
        "Triggers whose pattern matches fire, as for any event on the bus. Baton's own source " +
        "(`baton`), AWS sources (`aws.*`) and Baton's detail types are refused: the records and " +
        "the health checks trust them.",
      requestBody: jsonBody(
        {
          oneOf: [
            ref("CallerEvent"),
            {
              type: "object",
              additionalProperties: false,
              required: ["entries"],
              properties: {
                entries: { type: "array", minItems: 1, maxItems: 10, items: ref("CallerEvent") },
              },
            },
          ],
        },
        true,
        "One event, or up to ten as entries.",
      ),
      responses: responses(
        {
          "202": json(
            {
              type: "object",
              required: ["entries"],
              properties: {
                entries: {
                  type: "array",
                  items: {
                    type: "object",
                    required: ["eventId"],
                    properties: { eventId: { type: "string" } },
                  },
                },
              },
            },
            "Accepted by the bus, in request order.",
          ),
        },
        [...BODY, 502, ...STORE],
      ),
    },
    get: {
      operationId: "listBusEvents",
      tags: ["operations"],
      summary: "The bus history: every event the orchestration bus carried",
      description:
        "Baton's execution, step and compensation events, registry, health and circuit events, " +
        "emit steps' and callers' events, within the retention window; replays are not stored " +
        "again. Newest first unless order=oldest.",
      parameters: [
        query(
          "since",
          { type: "string", pattern: "^(\\d{1,6}[mhd]|\\d{4}-\\d{2}-\\d{2}.*)$" },
          "ISO-8601 time or a look-back such as 30m, 24h, 7d (default 7d).",
        ),
        query(
          "until",
          { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}.*$" },
          "ISO-8601 time (default now).",
        ),
        query(
          "type",
          { type: "string", minLength: 1, maxLength: 128 },
          "Only events of this detail type, e.g. Circuit Opened.",
        ),
        query("order", { enum: ["newest", "oldest"], default: "newest" }, "Reading order."),
        limit(50, 100),
        cursor,
      ],
      responses: responses({ "200": json(ref("BusEventPage"), "One page.") }, [400, ...STORE]),
    },
  },
  "/events/replay": {
    post: {
      operationId: "replayBusEvents",
      tags: ["operations"],
      summary: "Deliver a time window of the bus again",
      description:
        "AWS: an EventBridge archive replay into the bus (asynchronous; type is refused, as " +
        "replays cannot select types). baton dev: the stored history of the window, put back " +
        "before answering. Replayed events carry replay-name; the records and the history " +
        "ignore them, and a trigger answers the execution an event already started.",
      requestBody: jsonBody(
        {
          type: "object",
          additionalProperties: false,
          required: ["from", "to"],
          properties: {
            from: isoTime,
            to: { ...isoTime, description: "Not in the future; at most 31 days after from." },
            type: {
              type: "string",
              minLength: 1,
              maxLength: 128,
              description: "Only this detail type (baton dev).",
            },
          },
        },
        true,
        "The window, both ends included.",
      ),
      responses: responses(
        { "202": json(ref("Replay"), "The replay started (or, locally, ran).") },
        [...BODY, 502, ...STORE],
      ),
    },
  },
};

const signalOutcome: Schema = {
  type: "object",
  required: ["executionId", "signal", "delivered"],
  properties: {
    executionId: { type: "string" },
    signal: { type: "string" },
    item: { type: "string" },
    delivered: { type: "boolean" },
    step: { type: "string", description: "The step that received it (when delivered)." },
    pending: { type: "boolean", description: "Kept until an await asks for it." },
  },
};

export function openApiDocument(): Schema {
  const schemas = (components.schemas ?? {}) as Schema;
  return {
    openapi: "3.1.0",
    info: {
      title: "Baton API",
      version: "1",
      description: `The Baton HTTP API, the same in AWS (API Gateway) and in baton dev. Errors are RFC 9457 problem documents. Bodies are JSON up to ${MAX_BODY_BYTES} bytes, nested at most ${LIMITS.bodyDepth} levels. Reference: docs/api.md.`,
      license: { name: "MIT", identifier: "MIT" },
    },
    servers: [
      { url: "http://127.0.0.1:3000", description: "baton dev (default port)" },
      {
        url: "https://{apiId}.execute-api.{region}.amazonaws.com/v1",
        description: "The deployed stack (its ApiUrl output)",
        variables: {
          apiId: { default: "abc123", description: "API Gateway REST API id." },
          region: { default: "us-east-1" },
        },
      },
    ],
    security: [{}, { sigv4: [] }, { bearer: [] }],
    tags: [
      { name: "workflows", description: "The workflow catalogue." },
      { name: "executions", description: "Start, inspect, signal, cancel and redrive executions." },
      { name: "services", description: "The service registry." },
      { name: "operations", description: "Health, dead letters and this document." },
    ],
    paths,
    components: { ...components, schemas: { ...schemas, SignalOutcome: signalOutcome } },
  };
}
