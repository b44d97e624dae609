/** Errors of runtime workflow management, mapped to HTTP answers by the API. */
import type { FileProblem } from "../../core/problems.ts";

/** The body is not a valid workflow (400 with every problem). */
export class WorkflowInvalidError extends Error {
  override readonly name = "WorkflowInvalidError";
  readonly problems: readonly FileProblem[];

  constructor(name: string, problems: readonly FileProblem[]) {
    const errors = problems.filter((p) => p.problem.severity === "error").length;
    super(`Workflow ${name} is not valid (${errors} error${errors === 1 ? "" : "s"}).`);
    this.problems = problems;
  }
}

/** The workflow or version does not exist (404). */
export class WorkflowNotFoundError extends Error {
  override readonly name = "WorkflowNotFoundError";
}
