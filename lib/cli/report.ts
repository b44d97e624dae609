/** Human and machine renderings of validation problems. */
import { type Problem, formatProblems as renderProblems } from "../core/problems.ts";

export interface FileProblems {
  readonly file: string;
  /** The workflow's name, when the file loaded far enough to have one. */
  readonly workflow?: string;
  readonly problems: readonly Problem[];
}

export interface Tally {
  readonly errors: number;
  readonly warnings: number;
}

export function tally(files: readonly FileProblems[]): Tally {
  const all = files.flatMap((f) => f.problems);
  return {
    errors: all.filter((p) => p.severity === "error").length,
    warnings: all.filter((p) => p.severity === "warning").length,
  };
}

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Problems sorted by line within each file, one per line, as every Baton tool prints them. */
export function formatProblems(files: readonly FileProblems[]): string {
  const lines = renderProblems(
    files.flatMap((f) => f.problems.map((problem) => ({ file: f.file, problem }))),
  );
  return lines.map((line) => `${line}\n`).join("");
}
