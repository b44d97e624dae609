/**
 * A workflow's `concurrency: {limit, key}` (WORKFLOWS.md v2, "Flow control"): at most `limit`
 * executions run at once, per value of `key` when given; more starts wait `QUEUED`. The key is a
 * template over the start's input (and the workflow), resolved when the execution is started.
 */
import type { ConcurrencyLimit } from "../model.ts";
import { parseTemplate } from "../template.ts";
import { checkInt, FieldReader } from "./fields.ts";
import { at, checkFields, isFields, type Report, typeName } from "./problem-report.ts";

/** The largest limit: the semaphore's holders live in one DynamoDB item (400 KB). */
export const MAX_CONCURRENCY_LIMIT = 1000;

export function readConcurrency(
  report: Report,
  value: unknown,
  pointer: string,
  express: boolean,
): ConcurrencyLimit | undefined {
  if (value === undefined) return undefined;
  if (!isFields(value)) {
    report.error(
      "E_TYPE",
      pointer,
      `"concurrency" must be an object like {limit: 10, key: "{{ input.tenant }}"}, got ${typeName(value)}`,
    );
    return undefined;
  }
  checkFields(report, value, pointer, ["limit", "key"]);
  if (express) {
    report.error(
      "E_CONCURRENCY",
      pointer,
      "concurrency limits apply to standard workflows only: express executions report no status change to release their slot",
      'remove "concurrency" or use "type: standard"',
    );
    return undefined;
  }
  const r = new FieldReader(report, value, pointer);
  if (!r.required("limit")) return undefined;
  const limit = checkInt(report, value.limit, at(pointer, "limit"), {
    min: 1,
    max: MAX_CONCURRENCY_LIMIT,
    code: "E_CONCURRENCY",
    what: "concurrency.limit (executions running at once)",
  });
  const key = r.string("key");
  if (key !== undefined && !checkKey(report, key, at(pointer, "key"))) return undefined;
  if (limit === undefined) return undefined;
  return { limit, ...(key === undefined ? {} : { key }) };
}

/** A key is text with templates that read only `input` or `workflow` (nothing else exists at start). */
function checkKey(report: Report, key: string, pointer: string): boolean {
  const parsed = parseTemplate(key);
  if ("error" in parsed) {
    report.error("E_TEMPLATE", pointer, `concurrency.key: ${parsed.error}`);
    return false;
  }
  const refs = parsed.parts.flatMap((part) => ("ref" in part ? [part.ref] : []));
  if (refs.length === 0) {
    report.error(
      "E_CONCURRENCY",
      pointer,
      `concurrency.key "${key}" has no template, so every execution would share one key`,
      'read the input, e.g. key: "{{ input.tenant }}", or leave "key" out for one limit over all executions',
    );
    return false;
  }
  const bad = refs.find((ref) => ref.root !== "input" && ref.root !== "workflow");
  if (bad !== undefined) {
    report.error(
      "E_CONCURRENCY",
      pointer,
      `concurrency.key may read only input and workflow (it is resolved before the execution starts), got "${bad.root}"`,
      'e.g. key: "{{ input.tenant }}"',
    );
    return false;
  }
  return true;
}
