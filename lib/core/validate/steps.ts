/** Reads step lists and the fields every step shares; kind-specific fields are in `kinds.ts`. */
import { STEP_KINDS, type StepKind } from "../model.ts";
import { readWhen } from "./kind-helpers.ts";
import { CALL_STEP_FIELDS, KIND_READERS } from "./kinds.ts";
import { STEP_ID } from "./names.ts";
import type { Dependency, KindResult, Site, StepContext, StepList, StepNode } from "./nodes.ts";
import { readOnError } from "./on-error.ts";
import { at, checkFields, isFields, typeName } from "./problem-report.ts";

export const COMMON_FIELDS = ["id", "description", "dependsOn", "when", "onError"] as const;

/** Where fields that are misplaced at step level belong. */
const MISPLACED: Readonly<Record<string, string>> = {
  seconds: '"seconds" belongs inside "wait: { seconds: … }"',
  until: '"until" belongs inside "wait: { until: … }"',
  cases: '"cases" belongs inside "choice: { cases: […] }"',
  otherwise: '"otherwise" belongs inside "choice: { otherwise: […] }"',
  items: '"items" belongs inside "map: { items: …, steps: […] }"',
  maxConcurrency: '"maxConcurrency" belongs inside "map: { … }"',
  maxIterations: '"maxIterations" belongs inside "loop: { … }"',
  steps: '"steps" belong inside "map", "loop", a choice case, a parallel branch or "onError"',
  onFailure: 'per-step error handling is written "onError"',
  continueOnError: 'write "onError: continue"',
  output_schema: 'a call\'s response schema is written "output"',
  branches: '"parallel" takes the list of branches directly: "parallel: [[…], […]]"',
  detailType: '"detailType" belongs inside "emit: { detailType: … }"',
  detail: '"detail" belongs inside "emit: { detail: … }"',
  signal: '"signal" belongs inside "await: { signal: … }"',
  error: '"error" belongs inside "fail: { error: … }"',
  cause: '"cause" belongs inside "fail: { cause: … }"',
  name: '"name" belongs inside "workflow: { name: … }"',
  input: '"input" belongs inside "workflow: { input: … }"',
  body: 'the request body is "with" (beside a call string) or "call.body"',
  query: '"query" belongs inside the object form of "call"',
  headers: '"headers" belongs inside the object form of "call"',
  depends: 'did you mean "dependsOn"?',
  depends_on: 'did you mean "dependsOn"?',
  if: 'conditions are written "when"',
};

const kindFields = (kind: StepKind | undefined): readonly string[] =>
  kind === "call"
    ? CALL_STEP_FIELDS
    : kind === undefined
      ? [...STEP_KINDS, ...CALL_STEP_FIELDS]
      : [];

/** Reads a list of steps; a missing or empty list is an error unless `allowEmpty`. */
export function readList(
  ctx: StepContext,
  value: unknown,
  pointer: string,
  allowEmpty = false,
): StepList {
  const { report } = ctx;
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
    if (!allowEmpty) report.error("E_STEPS_EMPTY", pointer, "a list of steps is missing or empty");
    return { pointer, nodes: [] };
  }
  if (!Array.isArray(value)) {
    report.error("E_TYPE", pointer, `expected a list of steps, got ${typeName(value)}`);
    return { pointer, nodes: [] };
  }
  return { pointer, nodes: value.map((step, i) => readStep(ctx, step, at(pointer, i))) };
}

function readStep(ctx: StepContext, value: unknown, pointer: string): StepNode {
  const { report } = ctx;
  const empty: StepNode = {
    id: undefined,
    pointer,
    kind: undefined,
    dependsOn: undefined,
    sites: [],
    children: [],
    exportsChildren: false,
    make: undefined,
  };
  if (!isFields(value)) {
    report.error("E_TYPE", pointer, `a step must be an object, got ${typeName(value)}`);
    return empty;
  }
  const errorsBefore = report.errorCount;
  const kinds = STEP_KINDS.filter((kind) => Object.hasOwn(value, kind));
  const [kind] = kinds.length === 1 ? kinds : [];
  if (kinds.length !== 1) {
    const message =
      kinds.length === 0
        ? "the step has no kind"
        : `the step has several kinds: ${kinds.join(", ")}`;
    report.error("E_STEP_KIND", pointer, message, `use exactly one of ${STEP_KINDS.join(", ")}`);
  }
  const allowed = [...COMMON_FIELDS, ...(kind ? [kind] : []), ...kindFields(kind)];
  const misplaced = kind === "call" ? MISPLACED : { ...MISPLACED, ...callOnly(kind) };
  checkFields(report, value, pointer, allowed, misplaced);

  const id = readId(ctx, value.id, at(pointer, "id"));
  const dependsOn = readDependsOn(ctx, value.dependsOn, at(pointer, "dependsOn"));
  const description = value.description;
  if (description !== undefined && typeof description !== "string") {
    report.error(
      "E_TYPE",
      at(pointer, "description"),
      `"description" must be a string, got ${typeName(description)}`,
    );
  }
  const whenSites: Site[] = [];
  if (value.when !== undefined) {
    const condition = readWhen(report, value.when, at(pointer, "when"));
    if (condition) whenSites.push({ kind: "when", pointer: at(pointer, "when"), condition });
  }
  const result: KindResult = kind
    ? KIND_READERS[kind](ctx, value, pointer)
    : { sites: [], make: undefined };
  const onError = readOnError(ctx, value.onError, at(pointer, "onError"), kind);
  const ok = report.errorCount === errorsBefore && id !== undefined;
  const when = typeof value.when === "string" ? value.when : undefined;
  const make = result.make;
  return {
    id,
    pointer,
    kind,
    dependsOn,
    sites: [...whenSites, ...result.sites],
    children: result.children ?? [],
    exportsChildren: result.exportsChildren ?? false,
    ...(result.loop ? { loop: true } : {}),
    ...(onError === undefined ? {} : { onError }),
    make:
      ok && make
        ? (base, lists) =>
            make(
              {
                ...base,
                ...(typeof description === "string" ? { description } : {}),
                ...(when !== undefined ? { when } : {}),
              },
              lists,
            )
        : undefined,
  };
}

function callOnly(kind: StepKind | undefined): Record<string, string> {
  const where = kind === "await" ? ' (an await step\'s timeout goes inside "await")' : "";
  return Object.fromEntries(
    CALL_STEP_FIELDS.map((f) => [
      f,
      `"${f}" only applies to call steps${f === "timeout" ? where : ""}`,
    ]),
  );
}

function readId(ctx: StepContext, value: unknown, pointer: string): string | undefined {
  const { report } = ctx;
  if (value === undefined) {
    report.error("E_REQUIRED", pointer, 'the step has no "id"');
    return undefined;
  }
  if (typeof value !== "string") {
    report.error("E_TYPE", pointer, `"id" must be a string, got ${typeName(value)}`);
    return undefined;
  }
  if (!STEP_ID.test(value)) {
    const suggestion = value
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, "_")
      .replace(/^[^a-z]+/, "");
    const hint = suggestion && STEP_ID.test(suggestion) ? `e.g. "${suggestion}"` : undefined;
    report.error("E_STEP_ID", pointer, `step id "${value}" does not match ${STEP_ID.source}`, hint);
    return undefined;
  }
  return value;
}

function readDependsOn(
  ctx: StepContext,
  value: unknown,
  pointer: string,
): readonly Dependency[] | undefined {
  const { report } = ctx;
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    const hint = typeof value === "string" ? `write a list: dependsOn: [${value}]` : undefined;
    report.error(
      "E_TYPE",
      pointer,
      `"dependsOn" must be a list of step ids, got ${typeName(value)}`,
      hint,
    );
    return [];
  }
  const deps: Dependency[] = [];
  value.forEach((dep, i) => {
    const entry = at(pointer, i);
    if (typeof dep !== "string") {
      report.error("E_TYPE", entry, `dependsOn entries must be step ids, got ${typeName(dep)}`);
    } else if (deps.some((d) => d.id === dep)) {
      report.warning("W_DUPLICATE_DEPENDENCY", entry, `"${dep}" is listed twice in dependsOn`);
    } else {
      deps.push({ id: dep, pointer: entry });
    }
  });
  return deps;
}
