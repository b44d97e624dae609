/** Readers for each step kind's own fields (the common fields are read in `steps.ts`). */
import { type Condition, conditionRefs, parseCondition } from "../condition.ts";
import type { Json, StepKind } from "../model.ts";
import { isTemplated, parseTemplate, singleRef } from "../template.ts";
import { readCall, readCompensation, readSelect } from "./call.ts";
import { FieldReader, TIMEOUT_RULE } from "./fields.ts";
import type { Area, KindResult, Site, StepContext, StepList } from "./nodes.ts";
import { at, checkFields, type Fields, isFields, isJson, type Report, typeName } from "./report.ts";
import { readRetry, resolveRetry } from "./retry.ts";

export const WORKFLOW_NAME = /^[a-z][a-z0-9-]{0,62}$/;
export const SIGNAL_NAME = /^[a-zA-Z][a-zA-Z0-9_.-]{0,127}$/;
/** `await` steps wait an hour unless they say otherwise. */
export const DEFAULT_AWAIT_TIMEOUT = 3600;
/** Fields a call step has beside `call`. */
export const CALL_STEP_FIELDS = [
  "with",
  "timeout",
  "retry",
  "compensate",
  "idempotent",
  "select",
] as const;
const SIDE_EFFECTS: readonly string[] = ["POST", "PUT", "PATCH", "DELETE"];
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

type KindReader = (ctx: StepContext, step: Fields, pointer: string) => KindResult;

/** A site for a raw value, when it is JSON at all. */
const valueSite = (value: unknown, pointer: string, area: Area): Site[] =>
  value !== undefined && isJson(value) ? [{ kind: "value", pointer, value, area }] : [];

/**
 * Whether a string is not exactly one template reading a runtime value (unparsable ones are
 * reported as E_TEMPLATE; `workflow.*` are constants, not values to wait on or iterate).
 */
function notOneTemplate(text: string): boolean {
  if ("error" in parseTemplate(text)) return false;
  const ref = singleRef(text);
  return ref === undefined || ref.root === "workflow";
}

/** Parses a `when`; reports syntax errors with their column. */
export function readWhen(report: Report, value: unknown, pointer: string): Condition | undefined {
  if (typeof value !== "string") {
    report.error("E_TYPE", pointer, `"when" must be a string, got ${typeName(value)}`);
    return undefined;
  }
  const parsed = parseCondition(value);
  if ("error" in parsed) {
    report.error(
      "E_WHEN",
      pointer,
      `cannot parse "when" at column ${parsed.column}: ${parsed.error}`,
      "e.g. \"input.amount > 100 and steps.charge.body.status == 'ok'\"",
    );
    return undefined;
  }
  const constant = conditionRefs(parsed.condition).find((ref) => ref.root === "workflow");
  if (constant) {
    report.error(
      "E_WHEN",
      pointer,
      `"when" cannot test ${constant.source}: it is a constant known when the workflow is written`,
    );
    return undefined;
  }
  return parsed.condition;
}

const call: KindReader = (ctx, step, pointer) => {
  const { report, defaults } = ctx;
  const r = new FieldReader(report, step, pointer);
  const withField = r.has("with") ? { value: step.with, pointer: r.at("with") } : undefined;
  const spec = readCall(report, step.call, r.at("call"), withField);
  const timeout = r.int("timeout", TIMEOUT_RULE) ?? defaults.timeout;
  const retry = resolveRetry(readRetry(report, step.retry, r.at("retry")), defaults.retry);
  const compensate = r.has("compensate")
    ? readCompensation(report, step.compensate, r.at("compensate"), defaults)
    : undefined;
  const idempotent = r.boolean("idempotent") ?? false;
  const select = readSelect(report, step, r.at("select"));
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
    }),
  };
};

const parallel: KindReader = (ctx, step, pointer) => {
  const { report } = ctx;
  const p = at(pointer, "parallel");
  const value = step.parallel;
  if (!Array.isArray(value) || value.length === 0) {
    if (Array.isArray(value))
      report.error("E_STEPS_EMPTY", p, "parallel needs at least one branch");
    else
      report.error(
        "E_TYPE",
        p,
        `"parallel" must be a list of branches, each a list of steps; got ${typeName(value)}`,
      );
    return { sites: [], make: undefined };
  }
  const branches: StepList[] = value.map((branch, i) => {
    const bp = at(p, i);
    if (isFields(branch)) {
      checkFields(report, branch, bp, ["steps"]);
      return ctx.readList(branch.steps, at(bp, "steps"));
    }
    return ctx.readList(branch, bp);
  });
  return {
    sites: [],
    children: branches,
    exportsChildren: true,
    make: (base, lists) => ({ ...base, kind: "parallel", branches: lists }),
  };
};

const choice: KindReader = (ctx, step, pointer) => {
  const { report } = ctx;
  const body = kindObject(report, step, pointer, "choice", ["cases", "otherwise"]);
  if (!body) return { sites: [], make: undefined };
  const r = new FieldReader(report, body, at(pointer, "choice"));
  const cases = r.array("cases", true) ?? [];
  if (r.has("cases") && cases.length === 0)
    report.error("E_REQUIRED", r.at("cases"), "choice needs at least one case");
  const sites: Site[] = [];
  const whens: string[] = [];
  const lists: StepList[] = [];
  cases.forEach((item, i) => {
    const cp = at(r.at("cases"), i);
    if (!isFields(item)) {
      report.error("E_TYPE", cp, `a case must be an object {when, steps}, got ${typeName(item)}`);
      return;
    }
    checkFields(report, item, cp, ["when", "steps"]);
    const c = new FieldReader(report, item, cp);
    if (c.required("when")) {
      const condition = readWhen(report, item.when, c.at("when"));
      if (condition) sites.push({ kind: "when", pointer: c.at("when"), condition });
      whens.push(String(item.when));
    }
    lists.push(ctx.readList(item.steps, c.at("steps")));
  });
  lists.push(ctx.readList(body.otherwise ?? [], r.at("otherwise"), true));
  return {
    sites,
    children: lists,
    make: (base, built) => ({
      ...base,
      kind: "choice",
      cases: whens.map((when, i) => ({ when, steps: built[i] ?? [] })),
      otherwise: built[built.length - 1] ?? [],
    }),
  };
};

const map: KindReader = (ctx, step, pointer) => {
  const { report } = ctx;
  const body = kindObject(report, step, pointer, "map", ["items", "maxConcurrency", "steps"]);
  if (!body) return { sites: [], make: undefined };
  const r = new FieldReader(report, body, at(pointer, "map"));
  const items = r.string("items", true);
  if (items !== undefined && notOneTemplate(items)) {
    const hint = 'e.g. "{{ input.items }}", with no text around it';
    report.error(
      "E_MAP_ITEMS",
      r.at("items"),
      `map items "${items}" must be exactly one template giving a list`,
      hint,
    );
  }
  const maxConcurrency =
    r.int("maxConcurrency", { min: 0, max: 40_000, code: "E_RANGE", what: "maxConcurrency" }) ?? 0;
  const list = ctx.readList(body.steps, r.at("steps"));
  return {
    sites: valueSite(items, r.at("items"), "step"),
    children: [list],
    make:
      items === undefined
        ? undefined
        : (base, built) => ({ ...base, kind: "map", items, maxConcurrency, steps: built[0] ?? [] }),
  };
};

const wait: KindReader = (ctx, step, pointer) => {
  const { report } = ctx;
  const body = kindObject(report, step, pointer, "wait", ["seconds", "until"]);
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
  const until = r.string("until");
  if (
    until !== undefined &&
    (isTemplated(until) ? singleRef(until) === undefined : !RFC3339.test(until))
  ) {
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
  const body = kindObject(report, step, pointer, "emit", ["detailType", "detail"]);
  if (!body) return { sites: [], make: undefined };
  const r = new FieldReader(report, body, at(pointer, "emit"));
  const detailType = r.string("detailType", true);
  if (detailType === "")
    report.error("E_REQUIRED", r.at("detailType"), '"detailType" must not be empty');
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
  const body = kindObject(report, step, pointer, "await", ["signal", "timeout"]);
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
  const body = kindObject(report, step, pointer, "workflow", ["name", "input"]);
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
  const body = kindObject(report, step, pointer, "fail", ["error", "cause"]);
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
  wait,
  emit,
  await: awaitSignal,
  workflow,
  fail,
  succeed,
};

/** The object a kind keeps its fields in, e.g. `wait: { seconds: 5 }`. */
function kindObject(
  report: Report,
  step: Fields,
  pointer: string,
  kind: StepKind,
  fields: readonly string[],
): Fields | undefined {
  const value = step[kind];
  const p = at(pointer, kind);
  if (!isFields(value)) {
    report.error(
      "E_TYPE",
      p,
      `"${kind}" must be an object with ${fields.join(", ")}; got ${typeName(value)}`,
    );
    return undefined;
  }
  checkFields(report, value, p, fields);
  return value;
}

function expressError(report: Report, pointer: string, kind: "await" | "workflow"): void {
  report.error(
    "E_EXPRESS_STEP",
    at(pointer, kind),
    `express workflows cannot have "${kind}" steps`,
    'use "type: standard"',
  );
}
