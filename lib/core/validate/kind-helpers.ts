/** Helpers shared by the step-kind readers. */
import { type Condition, conditionRefs, parseCondition } from "../condition.ts";
import type { StepKind } from "../model.ts";
import { parseTemplate, singleRef } from "../template.ts";
import type { Area, KindResult, Site, StepContext } from "./nodes.ts";
import {
  at,
  checkFields,
  type Fields,
  isFields,
  isJson,
  type Report,
  typeName,
} from "./problem-report.ts";

export type KindReader = (ctx: StepContext, step: Fields, pointer: string) => KindResult;

/** A site for a raw value, when it is JSON at all. */
export const valueSite = (value: unknown, pointer: string, area: Area): Site[] =>
  value !== undefined && isJson(value) ? [{ kind: "value", pointer, value, area }] : [];

/**
 * Whether a string is not exactly one template reading a runtime value (unparsable ones are
 * reported as E_TEMPLATE; `workflow.*` are constants, not values to wait on or iterate).
 */
export function notOneTemplate(text: string): boolean {
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

/** The object a kind keeps its fields in, e.g. `wait: { seconds: 5 }`. */
export function kindObject(
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

export function expressError(report: Report, pointer: string, kind: "await" | "workflow"): void {
  report.error(
    "E_EXPRESS_STEP",
    at(pointer, kind),
    `express workflows cannot have "${kind}" steps`,
    'use "type: standard"',
  );
}
