/** Validation problems, reported all at once, and the one way every Baton tool prints them. */
import type { ProblemCode } from "./codes.ts";

export type Severity = "error" | "warning";

export interface Problem {
  /** Stable machine-readable code from `codes.ts`, e.g. `E_CYCLE`, `W_NO_COMPENSATION`. */
  readonly code: ProblemCode;
  readonly severity: Severity;
  /** JSON pointer into the file, e.g. `/steps/1/retry/maxAttempts`. */
  readonly path: string;
  readonly message: string;
  readonly hint?: string;
  /** 1-based line in the source file, when known. */
  readonly line?: number;
  /** 1-based column, when the problem is at a precise spot (YAML syntax errors). */
  readonly column?: number;
}

/** A problem and the file it is in (as the user should see its name). */
export interface FileProblem {
  readonly file: string;
  readonly problem: Problem;
}

export const hasErrors = (problems: readonly Problem[]): boolean =>
  problems.some((p) => p.severity === "error");

/**
 * `file:line: CODE message (hint)` (`file:line:column` when the column is known); warnings read `file:line: CODE warning: message (hint)`.
 * Without a line, the JSON pointer locates the problem: `file#/steps/1: …`. The CLI, the CDK
 * app's synth errors, `baton dev`, `baton run` and the harness all print problems with this.
 */
export function formatProblem(file: string, problem: Problem): string {
  const where =
    problem.line !== undefined
      ? `${file}:${problem.line}${problem.column === undefined ? "" : `:${problem.column}`}`
      : problem.path
        ? `${file}#${problem.path}`
        : file;
  const marker = problem.severity === "warning" ? "warning: " : "";
  const hint = problem.hint ? ` (${problem.hint})` : "";
  return `${where}: ${problem.code} ${marker}${problem.message}${hint}`;
}

/** Every problem on its own line, files in the order given and problems by line within a file. */
export function formatProblems(problems: readonly FileProblem[]): string[] {
  const files = [...new Set(problems.map((p) => p.file))];
  return files.flatMap((file) =>
    problems
      .filter((p) => p.file === file)
      .map((p) => p.problem)
      .sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
      .map((problem) => formatProblem(file, problem)),
  );
}
