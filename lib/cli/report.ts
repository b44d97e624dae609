/** Human and machine renderings of validation problems. */
import type { Problem } from "../core/problems.ts";

export interface FileProblems {
  readonly file: string;
  /** The workflow's name, when the file loaded far enough to have one. */
  readonly workflow?: string;
  readonly problems: readonly Problem[];
}

/**
 * `file:line: CODE message (hint)`; warnings read `file:line: CODE warning: message (hint)`.
 * Without a line, the JSON pointer locates the problem: `file#/steps/1: …`.
 */
export function formatProblem(file: string, problem: Problem): string {
  const where =
    problem.line !== undefined
      ? `${file}:${problem.line}`
      : problem.path
        ? `${file}#${problem.path}`
        : file;
  const marker = problem.severity === "warning" ? "warning: " : "";
  const hint = problem.hint ? ` (${problem.hint})` : "";
  return `${where}: ${problem.code} ${marker}${problem.message}${hint}`;
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

/** Problems sorted by line within each file, one per line. */
export function formatProblems(files: readonly FileProblems[]): string {
  return files
    .flatMap((f) => [...f.problems].sort(byLine).map((p) => `${formatProblem(f.file, p)}\n`))
    .join("");
}

const byLine = (a: Problem, b: Problem): number => (a.line ?? 0) - (b.line ?? 0);
