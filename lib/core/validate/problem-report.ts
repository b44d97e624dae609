/** Problem collection and small helpers shared by the validator modules. */
import type { ProblemCode } from "../codes.ts";
import type { Json } from "../model.ts";
import type { Problem } from "../problems.ts";
import { escapePointer } from "../template.ts";

export type Fields = Readonly<Record<string, unknown>>;

export class Report {
  readonly problems: Problem[] = [];

  error(code: ProblemCode, path: string, message: string, hint?: string): void {
    this.add(code, "error", path, message, hint);
  }

  warning(code: ProblemCode, path: string, message: string, hint?: string): void {
    this.add(code, "warning", path, message, hint);
  }

  add(
    code: ProblemCode,
    severity: Problem["severity"],
    path: string,
    message: string,
    hint?: string,
  ): void {
    this.problems.push(
      hint === undefined
        ? { code, severity, path, message }
        : { code, severity, path, message, hint },
    );
  }

  /** Number of errors so far, to tell whether a sub-check added any. */
  get errorCount(): number {
    return this.problems.filter((p) => p.severity === "error").length;
  }
}

/** JSON pointer of a child. */
export const at = (pointer: string, key: string | number): string =>
  `${pointer}/${typeof key === "number" ? key : escapePointer(key)}`;

export const isFields = (value: unknown): value is Fields =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function isJson(value: unknown): value is Json {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJson);
  return isFields(value) && Object.values(value).every(isJson);
}

/** A short name of a value's JSON type for messages. */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string")
    return `the string "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return `${typeof value} ${String(value)}`;
}

/** The closest candidate within a small edit distance, for "did you mean" hints. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= bestDistance && (best === undefined || distance < bestDistance)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

export const didYouMean = (word: string, candidates: Iterable<string>): string | undefined => {
  const match = closest(word, candidates);
  return match === undefined ? undefined : `did you mean "${match}"?`;
};

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(
        Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * Reports every field not in `allowed`, with a hint: a nearby allowed name, or where the field
 * belongs when `elsewhere` knows it (e.g. `seconds` belongs inside `wait`).
 */
export function checkFields(
  report: Report,
  obj: Fields,
  pointer: string,
  allowed: readonly string[],
  elsewhere: Readonly<Record<string, string>> = {},
): void {
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    const where = elsewhere[key];
    const hint =
      key === "<<"
        ? "YAML merge keys are not supported; repeat the fields or use an alias for the whole value"
        : (where ?? didYouMean(key, allowed) ?? `allowed fields: ${allowed.join(", ")}`);
    report.error("E_UNKNOWN_FIELD", at(pointer, key), `unknown field "${key}"`, hint);
  }
}
