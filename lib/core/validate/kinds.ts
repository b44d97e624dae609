/** Readers for each step kind's own fields (the common fields are read in `steps.ts`). */
import { EXPRESS_MAX_TIMEOUT, type Json, type JsonObject, type StepKind } from "../model.ts";
import { isTemplated } from "../template.ts";
import { RESERVED_DETAIL_TYPES } from "../wire.ts";
import { readCall, readCompensation, readSelect } from "./call.ts";
import { choice, loop, map, parallel } from "./containers.ts";
import { CALL_TIMEOUT_RULE, FieldReader, TIMEOUT_RULE } from "./fields.ts";
import { KIND_FIELDS } from "./kind-fields.ts";
import {
  expressError,
  type KindReader,
  kindObject,
  notOneTemplate,
  valueSite,
} from "./kind-helpers.ts";
import { DEFAULT_AWAIT_TIMEOUT, RFC3339, SIGNAL_NAME, WORKFLOW_NAME } from "./names.ts";
import { at, checkFields, isFields, type Report, typeName } from "./problem-report.ts";
import { readRetry, resolveRetry } from "./retry-policy.ts";
import { checkSchema } from "./schema.ts";

/** Fields a call step has beside `call`. */
export const CALL_STEP_FIELDS = [
  "with",
  "timeout",
  "retry",
  "compensate",
  "idempotent",
  "select",
  "output",
] as const;
const SIDE_EFFECTS: readonly string[] = ["POST", "PUT", "PATCH", "DELETE"];
/** An RFC 3339 time as Step Functions accepts it (uppercase T and Z) that is a real date. */
const isTimestamp = (text: string): boolean =>
  RFC3339.test(text) && !Number.isNaN(Date.parse(text));

const call: KindReader = (ctx, step, pointer) => {
  const { report, defaults } = ctx;
  const r = new FieldReader(report, step, pointer);
  const withField = r.has("with") ? { value: step.with, pointer: r.at("with") } : undefined;
  const spec = readCall(report, step.call, r.at("call"), withField);
  const timeout = r.int("timeout", CALL_TIMEOUT_RULE) ?? defaults.timeout;
  const retry = resolveRetry(readRetry(report, step.retry, r.at("retry")), defaults.retry);
  const compensate = r.has("compensate")
    ? readCompensation(report, step.compensate, r.at("compensate"), defaults)
    : undefined;
  const idempotent = r.boolean("idempotent") ?? false;
  const select = readSelect(report, step, r.at("select"));
  const output = r.object("output");
  if (output !== undefined) checkOutputSchema(report, output, r.at("output"));
  if (spec && SIDE_EFFECTS.includes(spec.method) && !r.has("compensate") && !idempotent) {
    report.add(
      "W_NO_COMPENSATION",
      ctx.strict ? "error" : "warning",
      r.at("call"),
      `${spec.method} ${spec.service} ${spec.path} has no compensation: it is not undone if a later step fails`,
      'add "compensate" to undo it, or "idempotent: true" if it needs no undoing',
    );
  }
  const sites = [
    ...valueSite(step.call, r.at("call"), "step"),
    ...valueSite(step.with, r.at("with"), "step"),
    ...valueSite(step.compensate, r.at("compensate"), "compensate"),
  ];
  if (!spec) return { sites, make: undefined };
  return {
    sites,
    make: (base) => ({
      ...base,
      kind: "call",
      call: spec,
      timeout,
      retry,
      ...(compensate ? { compensate } : {}),
      idempotent,
      ...(select !== undefined ? { select } : {}),
      ...(output !== undefined ? { output: output as JsonObject } : {}),
    }),
  };
};

/**
 * A call's `output` schema: a valid JSON Schema whose keys Step Functions will not take for paths
 * (it travels in the Task's `Parameters`, where a key ending in `.$` is read as a JSONPath).
 */
function checkOutputSchema(report: Report, schema: object, pointer: string): void {
  const visit = (value: unknown, where: string): boolean => {
    if (Array.isArray(value)) return value.every((v, i) => visit(v, at(where, i)));
    if (!isFields(value)) return true;
    return Object.entries(value).every(([key, v]) => {
      if (!key.endsWith(".$")) return visit(v, at(where, key));
      report.error(
        "E_OUTPUT_SCHEMA",
        at(where, key),
        `the output schema key "${key}" ends with ".$", which Step Functions reads as a path`,
        "rename the property (or match it with patternProperties)",
      );
      return false;
    });
  };
  if (visit(schema, pointer)) checkSchema(report, schema, pointer, "E_OUTPUT_SCHEMA");
}

const wait: KindReader = (ctx, step, pointer) => {
  const { report } = ctx;
  const body = kindObject(report, step, pointer, "wait", KIND_FIELDS.wait);
  if (!body) return { sites: [], make: undefined };
  const r = new FieldReader(report, body, at(pointer, "wait"));
  if (r.has("seconds") === r.has("until")) {
    report.error(
      "E_WAIT",
      at(pointer, "wait"),
      'a wait step needs exactly one of "seconds" or "until"',
    );
    return { sites: [], make: undefined };
  }
  const seconds = r.int("seconds", {
    min: 1,
    max: 99_999_999,
    code: "E_RANGE",
    what: "wait seconds",
  });
  if (ctx.express && seconds !== undefined && seconds > EXPRESS_MAX_TIMEOUT) {
    const message = `an express workflow runs at most ${EXPRESS_MAX_TIMEOUT} seconds; this wait is ${seconds}`;
    report.error(
      "E_EXPRESS_TIMEOUT",
      r.at("seconds"),
      message,
      'use "type: standard" for long waits',
    );
  }
  const until = r.string("until");
  if (until !== undefined && (isTemplated(until) ? notOneTemplate(until) : !isTimestamp(until))) {
    report.error(
      "E_WAIT",
      r.at("until"),
      `"until" must be one template or an ISO-8601 time like 2030-01-01T00:00:00Z, got "${until}"`,
    );
  }
  return {
    sites: valueSite(until, r.at("until"), "step"),
    make: (base) =>
      seconds !== undefined
        ? { ...base, kind: "wait", seconds }
        : { ...base, kind: "wait", until: until ?? "" },
  };
};

const emit: KindReader = (ctx, step, pointer) => {
  const { report } = ctx;
  const body = kindObject(report, step, pointer, "emit", KIND_FIELDS.emit);
  if (!body) return { sites: [], make: undefined };
  const r = new FieldReader(report, body, at(pointer, "emit"));
  const detailType = r.string("detailType", true);
  if (detailType === "")
    report.error("E_REQUIRED", r.at("detailType"), '"detailType" must not be empty');
  if (detailType !== undefined && RESERVED_DETAIL_TYPES.includes(detailType))
    report.error(
      "E_RESERVED_DETAIL_TYPE",
      r.at("detailType"),
      `"${detailType}" is an event Baton publishes itself; an emit step may not impersonate it`,
      'choose a name of your own, e.g. "Order Shipped"',
    );
  const detail: Json = r.json("detail") ?? {};
  return {
    sites: [
      ...valueSite(detailType, r.at("detailType"), "step"),
      ...valueSite(body.detail, r.at("detail"), "step"),
    ],
    make:
      detailType === undefined
        ? undefined
        : (base) => ({ ...base, kind: "emit", detailType, detail }),
  };
};

const awaitSignal: KindReader = (ctx, step, pointer) => {
  const { report } = ctx;
  if (ctx.express) expressError(report, pointer, "await");
  const body = kindObject(report, step, pointer, "await", KIND_FIELDS.await);
  if (!body) return { sites: [], make: undefined };
  const r = new FieldReader(report, body, at(pointer, "await"));
  const signal = r.string("signal", true);
  if (signal !== undefined && !SIGNAL_NAME.test(signal)) {
    report.error(
      "E_SIGNAL_NAME",
      r.at("signal"),
      `signal name "${signal}" does not match ${SIGNAL_NAME.source}`,
    );
  }
  const timeout = r.int("timeout", TIMEOUT_RULE) ?? DEFAULT_AWAIT_TIMEOUT;
  return {
    sites: [],
    make:
      signal === undefined ? undefined : (base) => ({ ...base, kind: "await", signal, timeout }),
  };
};

const workflow: KindReader = (ctx, step, pointer) => {
  const { report } = ctx;
  if (ctx.express) expressError(report, pointer, "workflow");
  const body = kindObject(report, step, pointer, "workflow", KIND_FIELDS.workflow);
  if (!body) return { sites: [], make: undefined };
  const r = new FieldReader(report, body, at(pointer, "workflow"));
  const name = r.string("name", true);
  if (name !== undefined && !WORKFLOW_NAME.test(name)) {
    report.error(
      "E_WORKFLOW_NAME",
      r.at("name"),
      `workflow name "${name}" does not match ${WORKFLOW_NAME.source}`,
    );
  }
  const input: Json = r.json("input") ?? {};
  return {
    sites: valueSite(body.input, r.at("input"), "step"),
    make: name === undefined ? undefined : (base) => ({ ...base, kind: "workflow", name, input }),
  };
};

const fail: KindReader = (ctx, step, pointer) => {
  const { report } = ctx;
  const body = kindObject(report, step, pointer, "fail", KIND_FIELDS.fail);
  if (!body) return { sites: [], make: undefined };
  const r = new FieldReader(report, body, at(pointer, "fail"));
  const error = r.string("error", true);
  if (
    error !== undefined &&
    (error.trim() === "" || isTemplated(error) || /^(States|Baton)\./.test(error))
  ) {
    const why =
      error.trim() === ""
        ? "is empty"
        : isTemplated(error)
          ? "may not use templates"
          : "uses a reserved prefix";
    report.error(
      "E_FAIL_ERROR",
      r.at("error"),
      `fail error "${error}" ${why}`,
      'name your own error, e.g. "OutOfStock"; States. and Baton. are reserved',
    );
  }
  const cause = r.string("cause");
  return {
    sites: valueSite(cause, r.at("cause"), "step"),
    make:
      error === undefined
        ? undefined
        : (base) => ({ ...base, kind: "fail", error, ...(cause !== undefined ? { cause } : {}) }),
  };
};

const succeed: KindReader = (ctx, step, pointer) => {
  const value = step.succeed;
  const p = at(pointer, "succeed");
  if (isFields(value)) checkFields(ctx.report, value, p, []);
  else if (value !== null && value !== true) {
    ctx.report.error(
      "E_TYPE",
      p,
      `"succeed" takes no settings: write "succeed: {}", got ${typeName(value)}`,
    );
  }
  return { sites: [], make: (base) => ({ ...base, kind: "succeed" }) };
};

export const KIND_READERS: Readonly<Record<StepKind, KindReader>> = {
  call,
  parallel,
  choice,
  map,
  loop,
  wait,
  emit,
  await: awaitSignal,
  workflow,
  fail,
  succeed,
};
