/**
 * The JSON Schema of workflow files, for editors (`# yaml-language-server: $schema=…`). It is built
 * from the validator's own field lists, name patterns and ranges, and each map below is typed
 * against the list it describes: a field added to the validator without a schema here fails to
 * typecheck. `schemas/workflow.schema.json` is this object, written by `baton schema workflow`
 * (`test/core/workflow-schema.test.ts` keeps the two equal and walks every example and fixture).
 *
 * The schema checks the shape of a file: which fields, their types, names and ranges. What needs
 * the whole workflow (dependsOn cycles, which steps a template may read, conditions' syntax,
 * express limits, event-pattern operators, schedules) is the validator's alone:
 * `SCHEMA_CHECKED_CODES` lists the problem codes the schema reports too.
 */

import type { ProblemCode } from "../codes.ts";
import {
  HTTP_METHODS,
  MAX_LOOP_ITERATIONS,
  STEP_KINDS,
  type StepKind,
  WORKFLOW_TYPES,
} from "../model.ts";
import { type CALL_FIELDS, type COMPENSATE_FIELDS, SERVICE_NAME } from "../validate/call.ts";
import { MAX_CONCURRENCY_LIMIT } from "../validate/concurrency.ts";
import { CALL_TIMEOUT_RULE, type IntRule, TIMEOUT_RULE } from "../validate/fields.ts";
import type { KIND_FIELDS } from "../validate/kind-fields.ts";
import type { CALL_STEP_FIELDS } from "../validate/kinds.ts";
import {
  DEFAULT_AWAIT_TIMEOUT,
  MAX_TAGS,
  RFC3339,
  SIGNAL_NAME,
  STEP_ID,
  TAG,
  WORKFLOW_NAME,
} from "../validate/names.ts";
import { ASL_MAX, KNOWN_ERRORS, type RETRY_FIELDS } from "../validate/retry-policy.ts";
import type { COMMON_FIELDS } from "../validate/steps.ts";
import { PATTERN_FIELDS } from "../validate/triggers.ts";
import type { ROOT_FIELDS } from "../validate.ts";
import { RESERVED_DETAIL_TYPES } from "../wire.ts";
import {
  anyJson,
  closedObject,
  DRAFT_2020_12,
  integer,
  pattern,
  type Schema,
} from "./json-schema.ts";

type Fields<T extends readonly string[]> = { readonly [K in T[number]]: Schema };

/** Problem codes the schema reports as well (for a file the validator refuses with one of them). */
export const SCHEMA_CHECKED_CODES: readonly ProblemCode[] = [
  "E_ROOT",
  "E_UNKNOWN_FIELD",
  "E_TYPE",
  "E_REQUIRED",
  "E_ENUM",
  "E_WORKFLOW_NAME",
  "E_VERSION",
  "E_TAGS",
  "E_TIMEOUT",
  "E_TRIGGER",
  "E_STEPS_EMPTY",
  "E_STEP_KIND",
  "E_STEP_ID",
  "E_CALL",
  "E_SERVICE_NAME",
  "E_METHOD",
  "E_CALL_PATH",
  "E_CALL_WITH",
  "E_SELECT",
  "E_RETRY",
  "E_RETRY_ERROR",
  "E_RANGE",
  "E_WAIT",
  "E_FAIL_ERROR",
  "E_SIGNAL_NAME",
  "E_INPUT_SCHEMA",
  "E_RESERVED_DETAIL_TYPE",
  "E_DUPLICATE_KEY",
];

const ref = (name: string): Schema => ({ $ref: `#/$defs/${name}` });
const seconds = (rule: IntRule, description: string): Schema =>
  integer(rule.min, rule.max, description);

/** `{{ … }}` with nothing around it. */
const ONE_TEMPLATE = /^\s*\{\{[\s\S]*\}\}\s*$/;
const METHODS = HTTP_METHODS.join("|");
/** `<service> <METHOD> <path>`; the path may hold templates with spaces. */
const CALL_STRING = new RegExp(
  `^\\s*${SERVICE_NAME.source.slice(1, -1)}\\s+(${METHODS})\\s+/[\\s\\S]*$`,
);

const retryFields: Fields<typeof RETRY_FIELDS> = {
  maxAttempts: integer(1, ASL_MAX, "Every try including the first (default 3; 1: no retry)."),
  interval: integer(1, ASL_MAX, "Seconds before the first retry (default 1)."),
  backoff: {
    type: "number",
    minimum: 1,
    maximum: ASL_MAX,
    description: "Multiplier of the wait after each retry (default 2).",
  },
  maxDelay: integer(1, 31_622_400, "Longest single wait in seconds."),
  jitter: { enum: ["full", "none"], description: "full (default) randomizes each wait." },
  on: {
    type: "array",
    minItems: 1,
    items: {
      type: "string",
      minLength: 1,
      pattern: "\\S",
      anyOf: [{ enum: [...KNOWN_ERRORS] }, { not: { pattern: "^Baton\\." } }],
    },
    // "States.ALL" only alone.
    anyOf: [{ not: { contains: { const: "States.ALL" } } }, { maxItems: 1 }],
    description: "Error names retried (default [Baton.Retryable], the retryable group).",
  },
};

const retry: Schema = {
  description: "Retry policy, or false for none.",
  anyOf: [{ const: false }, closedObject(retryFields)],
};

const callFields: Fields<typeof CALL_FIELDS> = {
  service: pattern(SERVICE_NAME, "Registered service name."),
  method: { enum: [...HTTP_METHODS] },
  path: { type: "string", pattern: "^/", description: "Path, may hold {{ templates }}." },
  query: { type: "object", description: "Query parameters (templates allowed)." },
  headers: { type: "object", description: "Headers (templates allowed)." },
  body: anyJson,
};

const call: Schema = {
  description: 'A call: "<service> <METHOD> <path>" (body in "with") or an object.',
  anyOf: [
    { ...pattern(CALL_STRING, "<service> <METHOD> <path>") },
    closedObject(callFields, ["service", "method", "path"]),
  ],
};

/** `with` goes with the string form of `call` only. */
const withOnlyBesideString: Schema = {
  not: { required: ["call", "with"], properties: { call: { type: "object" } } },
};

const compensateFields: Fields<typeof COMPENSATE_FIELDS> = {
  call,
  with: anyJson,
  timeout: seconds(CALL_TIMEOUT_RULE, "Seconds per undo attempt (default: defaults.timeout)."),
  retry,
};

const compensate: Schema = {
  description: "The undo of this call, run if the execution fails after it.",
  anyOf: [
    pattern(CALL_STRING, "<service> <METHOD> <path>"),
    { ...closedObject(compensateFields, ["call"]), ...withOnlyBesideString },
  ],
};

const callStepFields: Fields<typeof CALL_STEP_FIELDS> = {
  with: anyJson,
  timeout: seconds(CALL_TIMEOUT_RULE, "Seconds per attempt (default: defaults.timeout, else 30)."),
  retry,
  compensate,
  idempotent: { type: "boolean", description: "The call needs no undo (no W_NO_COMPENSATION)." },
  select: {
    type: "string",
    pattern: "^(status|headers|body)(?=$|[.[])",
    description: "Keep only this part of the response as body, e.g. body.items.",
  },
  output: {
    type: "object",
    description:
      "JSON Schema (2020-12) the response body must match, else Baton.OutputInvalid (not retried).",
  },
};

const errorNames: Schema = {
  type: "array",
  minItems: 1,
  items: { type: "string", minLength: 1, not: { const: "States.ALL" } },
  description: "Only these errors are handled (Baton.Retryable: the retryable group).",
};

const stepList = (allowEmpty: boolean): Schema => ({
  type: "array",
  ...(allowEmpty ? {} : { minItems: 1 }),
  items: ref("step"),
});

const commonFields: Fields<typeof COMMON_FIELDS> = {
  id: pattern(STEP_ID, "Unique in the whole workflow."),
  description: { type: "string" },
  dependsOn: {
    type: "array",
    items: { type: "string" },
    description: "Steps of the same list this one runs after ([] = at the start).",
  },
  when: { type: "string", description: "Condition; the step is SKIPPED when false." },
  onError: {
    description:
      "fail (default), continue (the step is FAILED, its result is {error}), or a fallback list.",
    anyOf: [
      { enum: ["fail", "continue"] },
      closedObject({
        // biome-ignore lint/suspicious/noThenProperty: the workflow language's field, never awaited
        then: { const: "continue" },
        steps: stepList(false),
        when: errorNames,
      } satisfies Fields<typeof KIND_FIELDS.onError>),
    ],
  },
};

const TIMESTAMP = RFC3339;
const kindSchemas: { readonly [K in StepKind]: Schema } = {
  call,
  parallel: {
    type: "array",
    minItems: 1,
    description: "Branches run concurrently; each is a list of steps (or {steps}).",
    items: {
      anyOf: [
        stepList(false),
        closedObject(
          { steps: stepList(false) } satisfies Fields<typeof KIND_FIELDS.parallelBranch>,
          ["steps"],
        ),
      ],
    },
  },
  choice: closedObject(
    {
      cases: {
        type: "array",
        minItems: 1,
        items: closedObject(
          {
            when: { type: "string" },
            steps: stepList(false),
          } satisfies Fields<typeof KIND_FIELDS.choiceCase>,
          ["when", "steps"],
        ),
      },
      otherwise: { anyOf: [stepList(true), { type: "null" }] },
    } satisfies Fields<typeof KIND_FIELDS.choice>,
    ["cases"],
  ),
  map: closedObject(
    {
      items: {
        ...pattern(ONE_TEMPLATE, "One template giving a list, e.g. {{ input.items }}."),
        not: { pattern: "\\?\\?" },
      },
      maxConcurrency: integer(0, undefined, "Items at once (0, the default: no limit)."),
      steps: stepList(false),
    } satisfies Fields<typeof KIND_FIELDS.map>,
    ["items", "steps"],
  ),
  loop: closedObject(
    {
      steps: stepList(false),
      until: {
        type: "string",
        description: "Condition checked after each iteration; ends the loop.",
      },
      maxIterations: integer(
        1,
        MAX_LOOP_ITERATIONS,
        "Past it the loop fails with Baton.LoopLimit.",
      ),
    } satisfies Fields<typeof KIND_FIELDS.loop>,
    ["steps", "until", "maxIterations"],
  ),
  wait: {
    ...closedObject({
      seconds: integer(1, 99_999_999, "Seconds to wait."),
      until: {
        type: "string",
        anyOf: [
          { pattern: ONE_TEMPLATE.source },
          { pattern: TIMESTAMP.source, format: "date-time" },
        ],
        description: "An RFC 3339 time with an offset, or one template giving one.",
      },
    } satisfies Fields<typeof KIND_FIELDS.wait>),
    oneOf: [{ required: ["seconds"] }, { required: ["until"] }],
  },
  emit: closedObject(
    {
      detailType: {
        type: "string",
        minLength: 1,
        not: { enum: [...RESERVED_DETAIL_TYPES] },
        description: "Detail type published on the orchestration bus (not one of Baton's own).",
      },
      detail: anyJson,
    } satisfies Fields<typeof KIND_FIELDS.emit>,
    ["detailType"],
  ),
  await: closedObject(
    {
      signal: pattern(
        SIGNAL_NAME,
        "Signal name, delivered by POST /executions/{id}/signals/{name}.",
      ),
      timeout: {
        ...seconds(TIMEOUT_RULE, "Seconds before Baton.SignalTimeout."),
        default: DEFAULT_AWAIT_TIMEOUT,
      },
    } satisfies Fields<typeof KIND_FIELDS.await>,
    ["signal"],
  ),
  workflow: closedObject(
    {
      name: pattern(WORKFLOW_NAME, "The child workflow."),
      input: anyJson,
    } satisfies Fields<typeof KIND_FIELDS.workflow>,
    ["name"],
  ),
  fail: closedObject(
    {
      error: {
        type: "string",
        pattern: "\\S",
        not: { anyOf: [{ pattern: "^(States|Baton)\\." }, { pattern: "\\{\\{" }] },
        description: "Your own error name (States. and Baton. are reserved; no templates).",
      },
      cause: { type: "string" },
    } satisfies Fields<typeof KIND_FIELDS.fail>,
    ["error"],
  ),
  succeed: {
    anyOf: [closedObject({}), { type: "null" }, { const: true }],
    description: "Ends the execution (or its branch or map item) successfully: succeed: {}.",
  },
};

/** One variant per kind: the common fields, the kind's key, and call steps' extra fields. */
function stepVariant(kind: StepKind): Schema {
  const extra = kind === "call" ? callStepFields : {};
  return {
    ...closedObject({ ...commonFields, [kind]: ref(`${kind}Kind`), ...extra }, ["id", kind]),
    ...(kind === "call" ? withOnlyBesideString : {}),
  };
}

const triggerPattern: Schema = {
  type: "object",
  minProperties: 1,
  propertyNames: { enum: Object.keys(PATTERN_FIELDS) },
  additionalProperties: { type: "array", minItems: 1 },
  properties: {
    detail: {
      type: "object",
      additionalProperties: { $ref: "#/$defs/detailPattern" },
    },
  },
  not: { required: ["detailType", "detail-type"] },
  description: "EventBridge event pattern (detailType or detail-type).",
};

const trigger: Schema = {
  ...closedObject({
    event: triggerPattern,
    schedule: {
      type: "string",
      pattern: "^(rate|cron)\\(.*\\)$",
      description: "rate(5 minutes) or cron(0 12 * * ? *).",
    },
    input: { ...anyJson, description: "Fixed input for the started execution (no templates)." },
  }),
  oneOf: [{ required: ["event"] }, { required: ["schedule"] }],
};

const rootFields: Fields<typeof ROOT_FIELDS> = {
  $schema: { type: "string", description: "This schema, for editors; ignored by Baton." },
  workflow: pattern(WORKFLOW_NAME, "The workflow's name, unique in the project."),
  version: integer(1, undefined, "Recorded on every execution (default 1)."),
  description: { type: "string" },
  tags: {
    type: "array",
    maxItems: MAX_TAGS,
    uniqueItems: true,
    items: { type: "string", pattern: TAG.source },
    description: "Labels for GET /workflows?tag=.",
  },
  type: { enum: [...WORKFLOW_TYPES], default: "standard" },
  timeout: seconds(TIMEOUT_RULE, "Seconds for the whole execution."),
  input: { type: "object", $ref: DRAFT_2020_12, description: "JSON Schema of the input." },
  defaults: closedObject({
    timeout: seconds(CALL_TIMEOUT_RULE, "Seconds per call attempt (default 30)."),
    retry,
  }),
  triggers: { type: "array", items: ref("trigger") },
  concurrency: {
    ...closedObject(
      {
        limit: integer(1, MAX_CONCURRENCY_LIMIT, "Executions RUNNING at once (per key value)."),
        key: {
          type: "string",
          description: "Template over input (and workflow), e.g. {{ input.tenant }}.",
        },
      },
      ["limit"],
    ),
    description: "At most limit executions run at once; more starts wait QUEUED.",
  },
  steps: stepList(false),
  output: { ...anyJson, description: "The execution's output (templates)." },
};

export function workflowJsonSchema(): Schema {
  const kindDefs = Object.fromEntries(STEP_KINDS.map((k) => [`${k}Kind`, kindSchemas[k]]));
  return {
    $schema: DRAFT_2020_12,
    title: "Baton workflow",
    description: "A Baton workflow file (docs/language.md).",
    ...closedObject(rootFields, ["workflow", "steps"]),
    $defs: {
      step: {
        type: "object",
        description: `A step: id plus exactly one of ${STEP_KINDS.join(", ")}.`,
        oneOf: STEP_KINDS.map(stepVariant),
      },
      trigger,
      detailPattern: {
        anyOf: [
          { type: "array", minItems: 1 },
          { type: "object", additionalProperties: { $ref: "#/$defs/detailPattern" } },
        ],
      },
      ...kindDefs,
    },
  };
}
