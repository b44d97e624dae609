/** Validation problems, reported all at once. */

export type Severity = "error" | "warning";

export interface Problem {
  /** Stable machine-readable code, e.g. `E_SCHEMA`, `E_CYCLE`, `W_NO_COMPENSATION`. */
  readonly code: string;
  readonly severity: Severity;
  /** JSON pointer into the file, e.g. `/steps/1/retry/maxAttempts`. */
  readonly path: string;
  readonly message: string;
  readonly hint?: string;
  /** 1-based line in the source file, when known. */
  readonly line?: number;
}

export const hasErrors = (problems: readonly Problem[]): boolean =>
  problems.some((p) => p.severity === "error");
