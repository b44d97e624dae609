/**
 * Reads a step's `onError` (WORKFLOWS.md v2, "Per-step error handling"):
 *
 *   onError: fail                      # the default: the execution fails and compensates
 *   onError: continue                  # the step is FAILED, its result is {error: {name, message}}
 *   onError: { then: continue, when: [Baton.ClientError] }
 *   onError: { steps: [...], when: [Baton.ClientError] }   # a fallback list runs instead
 */
import { BatonError, RETRYABLE_GROUP } from "../errors.ts";
import type { StepKind } from "../model.ts";
import { KIND_FIELDS } from "./kind-fields.ts";
import type { StepContext, StepList } from "./nodes.ts";
import { at, checkFields, didYouMean, isFields, typeName } from "./problem-report.ts";

/** What the reader keeps; the fallback list is built with the other nested lists. */
export interface OnErrorNode {
  readonly action: "continue" | "fallback";
  readonly errors?: readonly string[];
  readonly fallback?: StepList;
}

const KNOWN_ERRORS: readonly string[] = [RETRYABLE_GROUP, ...Object.values(BatonError)];

/**
 * A map keeps its items' results in its own result, which `{error}` would replace: what its items
 * did could then not be compensated. Its onError belongs on the steps inside. Parallel and choice
 * steps keep their steps' results under those steps' ids, and a loop keeps its iterations beside
 * the error, so they may have onError.
 */
const CONTAINERS: readonly StepKind[] = ["map"];
/** Kinds that end the execution themselves: handling their "failure" would mean nothing. */
const ENDERS: readonly StepKind[] = ["fail", "succeed"];

export function readOnError(
  ctx: StepContext,
  value: unknown,
  pointer: string,
  kind: StepKind | undefined,
): OnErrorNode | undefined {
  const { report } = ctx;
  if (value === undefined || value === "fail") return undefined;
  if (kind !== undefined && (CONTAINERS.includes(kind) || ENDERS.includes(kind))) {
    const hint = CONTAINERS.includes(kind)
      ? "put onError on the steps inside, where the failure happens"
      : `a ${kind} step ends the execution; remove onError`;
    report.error("E_ON_ERROR", pointer, `a ${kind} step cannot have "onError"`, hint);
    return undefined;
  }
  if (value === "continue") return { action: "continue" };
  if (!isFields(value)) {
    report.error(
      "E_ON_ERROR",
      pointer,
      `"onError" must be fail, continue or an object {steps} / {then: continue}, got ${describe(value)}`,
      'e.g. "onError: continue" or "onError: { steps: [ … ] }"',
    );
    return undefined;
  }
  checkFields(report, value, pointer, KIND_FIELDS.onError);
  const errors =
    value.when === undefined ? undefined : readErrors(ctx, value.when, at(pointer, "when"));
  if (value.when !== undefined && errors === undefined) return undefined;
  const hasSteps = value.steps !== undefined;
  const hasThen = value.then !== undefined;
  if (hasSteps === hasThen) {
    report.error(
      "E_ON_ERROR",
      pointer,
      'an "onError" object needs exactly one of "steps" (a fallback list) or "then: continue"',
    );
    return undefined;
  }
  const restrict = errors === undefined ? {} : { errors };
  if (hasThen) {
    if (value.then !== "continue") {
      report.error(
        "E_ON_ERROR",
        at(pointer, "then"),
        `"then" must be continue, got ${describe(value.then)}`,
        "failing is the default: leave onError out (or write onError: fail)",
      );
      return undefined;
    }
    return { action: "continue", ...restrict };
  }
  return {
    action: "fallback",
    ...restrict,
    fallback: ctx.readList(value.steps, at(pointer, "steps")),
  };
}

function readErrors(ctx: StepContext, value: unknown, pointer: string): string[] | undefined {
  const { report } = ctx;
  if (!Array.isArray(value) || value.length === 0) {
    report.error(
      "E_ON_ERROR",
      pointer,
      `"onError.when" must be a non-empty list of error names, got ${describe(value)}`,
      "e.g. when: [Baton.ClientError]",
    );
    return undefined;
  }
  let ok = true;
  value.forEach((name, i) => {
    if (typeof name !== "string" || name.trim() === "") {
      report.error("E_TYPE", at(pointer, i), `error names must be strings, got ${typeName(name)}`);
      ok = false;
    } else if (name.startsWith("Baton.") && !KNOWN_ERRORS.includes(name)) {
      const hint = didYouMean(name, KNOWN_ERRORS) ?? `known: ${KNOWN_ERRORS.join(", ")}`;
      report.error("E_ON_ERROR", at(pointer, i), `unknown error name "${name}"`, hint);
      ok = false;
    } else if (name === "States.ALL") {
      report.error(
        "E_ON_ERROR",
        at(pointer, i),
        '"States.ALL" is what onError without "when" means',
        'leave "when" out to handle every error',
      );
      ok = false;
    }
  });
  return ok ? [...new Set(value as string[])] : undefined;
}

const describe = (value: unknown): string =>
  typeof value === "string" ? `"${value}"` : typeName(value);
