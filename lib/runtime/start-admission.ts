/**
 * Every start checks the workflow's input schema, not only the API's: executions started by event
 * triggers, schedules and `workflow` steps too. A refused start never runs (no half run): it is
 * announced on the bus as `Execution Rejected` and, for trigger and schedule starts, kept in the
 * dead-letter queue (`GET /dlq`) with the reason; a refused child fails its `workflow` step.
 */

import type { Json } from "../core/model.ts";
import { DetailType } from "../core/wire.ts";
import type { FieldProblem } from "./api/http.ts";
import { InputValidator } from "./api/input-validation.ts";
import type { EventPublisher, ExecutionRejectedDetail } from "./events.ts";
import type { WorkflowCatalogue } from "./workflow-catalogue.ts";

export type StartSource = "trigger" | "schedule" | "workflow";

export type Admission =
  | { readonly admitted: true }
  | { readonly admitted: false; readonly reason: string; readonly errors: readonly FieldProblem[] };

export class StartAdmission {
  readonly #catalogue: WorkflowCatalogue;
  readonly #events: EventPublisher;
  readonly #validator: InputValidator;

  constructor(
    catalogue: WorkflowCatalogue,
    events: EventPublisher,
    validator: InputValidator = new InputValidator(),
  ) {
    this.#catalogue = catalogue;
    this.#events = events;
    this.#validator = validator;
  }

  /** Checks `input`; a refusal is published as `Execution Rejected` before it is returned. */
  async admit(workflow: string, input: Json, source: StartSource): Promise<Admission> {
    const entry = this.#catalogue.get(workflow);
    if (entry?.inputSchema === undefined) return { admitted: true };
    let errors: FieldProblem[];
    try {
      errors = this.#validator.validate(entry, input);
    } catch (error) {
      errors = [{ path: "/input", message: (error as Error).message }];
    }
    if (errors.length === 0) return { admitted: true };
    const reason = `The input does not match the input schema of ${workflow}: ${errors
      .map((e) => `${e.path} ${e.message}`)
      .join("; ")}.`;
    const detail: ExecutionRejectedDetail = {
      workflow,
      version: entry.version,
      source,
      reason,
      errors,
      input,
    };
    await this.#events.publish([{ detailType: DetailType.ExecutionRejected, detail }]);
    return { admitted: false, reason, errors };
  }
}
