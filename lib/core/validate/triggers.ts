/**
 * `triggers`: EventBridge patterns (camelCase `detailType` accepted) and schedule expressions,
 * checked by the same parsers `baton dev` runs them with (`event-pattern.ts`, `schedule.ts`).
 */
import { validatePattern } from "../event-pattern.ts";
import type { Json, JsonObject, Trigger } from "../model.ts";
import { isScheduleProblem, parseSchedule } from "../schedule.ts";
import { isTemplated } from "../template.ts";
import { FieldReader } from "./fields.ts";
import {
  at,
  checkFields,
  didYouMean,
  isFields,
  isJson,
  type Report,
  typeName,
} from "./problem-report.ts";

/** Top-level pattern fields, in the file's camelCase, mapped to EventBridge's names. */
export const PATTERN_FIELDS: Readonly<Record<string, string>> = {
  source: "source",
  detailType: "detail-type",
  "detail-type": "detail-type",
  detail: "detail",
  account: "account",
  region: "region",
  resources: "resources",
  time: "time",
  id: "id",
  version: "version",
  $or: "$or",
};

export function readTriggers(report: Report, value: unknown, pointer: string): Trigger[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    report.error("E_TYPE", pointer, `"triggers" must be a list, got ${typeName(value)}`);
    return [];
  }
  return value.flatMap((item, i) => {
    const trigger = readTrigger(report, item, at(pointer, i));
    return trigger ? [trigger] : [];
  });
}

function readTrigger(report: Report, value: unknown, pointer: string): Trigger | undefined {
  if (!isFields(value)) {
    report.error(
      "E_TYPE",
      pointer,
      `a trigger must be an object with "event" or "schedule", got ${typeName(value)}`,
    );
    return undefined;
  }
  checkFields(report, value, pointer, ["event", "schedule", "input"]);
  const r = new FieldReader(report, value, pointer);
  if (r.has("event") === r.has("schedule")) {
    report.error("E_TRIGGER", pointer, 'a trigger needs exactly one of "event" or "schedule"');
    return undefined;
  }
  const input = r.json("input");
  if (input !== undefined && isTemplated(input)) {
    report.error(
      "E_TEMPLATE_SCOPE",
      r.at("input"),
      "a trigger's input is fixed JSON: templates are not evaluated there",
    );
  }
  const extra: { input?: Json } = input === undefined ? {} : { input };
  if (r.has("event")) {
    const pattern = readPattern(report, value.event, r.at("event"));
    return pattern && { kind: "event", pattern, ...extra };
  }
  const expression = r.string("schedule");
  if (expression === undefined || !checkSchedule(report, expression, r.at("schedule")))
    return undefined;
  return { kind: "schedule", expression, ...extra };
}

/** Checks a pattern and renames camelCase top-level fields to EventBridge's. */
function readPattern(report: Report, value: unknown, pointer: string): JsonObject | undefined {
  if (!isFields(value) || Object.keys(value).length === 0 || !isJson(value)) {
    report.error(
      "E_EVENT_PATTERN",
      pointer,
      `an event pattern must be a non-empty object, got ${typeName(value)}`,
      "e.g. { source: [shop.orders], detailType: [Order Placed] }",
    );
    return undefined;
  }
  if ("detailType" in value && "detail-type" in value) {
    report.error("E_EVENT_PATTERN", pointer, 'write "detailType" or "detail-type", not both');
    return undefined;
  }
  let ok = true;
  const pattern: Record<string, Json> = {};
  /** EventBridge's name of a field → the key as written (`detail-type` → `detailType`). */
  const written = new Map<string, string>();
  for (const [key, field] of Object.entries(value)) {
    const name = PATTERN_FIELDS[key];
    const p = at(pointer, key);
    if (name === undefined) {
      report.error(
        "E_UNKNOWN_FIELD",
        p,
        `unknown event pattern field "${key}"`,
        didYouMean(key, Object.keys(PATTERN_FIELDS)),
      );
      ok = false;
    } else if (!checkMatchers(report, field, p, key === "detail")) {
      ok = false;
    } else {
      pattern[name] = field as Json;
      written.set(name, key);
    }
  }
  if (!ok) return undefined;
  // Operators and values, as EventBridge (and the local bus) read them; pointers use the file's keys.
  for (const problem of validatePattern(pattern)) {
    const [, first = "", ...rest] = problem.path.split("/");
    const path = [pointer, written.get(first) ?? first, ...rest].join("/");
    report.error("E_EVENT_PATTERN", path, `invalid event pattern: ${problem.message}`);
    ok = false;
  }
  return ok ? pattern : undefined;
}

/** Every top-level field is a list of values or matchers; `detail` may nest objects. */
function checkMatchers(report: Report, value: unknown, pointer: string, nested: boolean): boolean {
  if (Array.isArray(value)) {
    if (value.length > 0) return true;
    report.error("E_EVENT_PATTERN", pointer, "an event pattern list must not be empty");
    return false;
  }
  if (nested && isFields(value)) {
    return Object.entries(value).every(([key, item]) =>
      checkMatchers(report, item, at(pointer, key), true),
    );
  }
  const hint = typeof value === "string" ? `wrap it in a list: [${value}]` : undefined;
  report.error(
    "E_EVENT_PATTERN",
    pointer,
    `event pattern values are lists, got ${typeName(value)}`,
    hint,
  );
  return false;
}

/** `rate(5 minutes)` (singular unit for 1) or a six-field EventBridge `cron(...)`. */
function checkSchedule(report: Report, expression: string, pointer: string): boolean {
  const parsed = parseSchedule(expression);
  if (!isScheduleProblem(parsed)) return true;
  report.error("E_SCHEDULE", pointer, parsed.message, parsed.hint);
  return false;
}
