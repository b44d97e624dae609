/**
 * Keeping execution records: one Step Functions status change (default bus) or Baton orchestration
 * event in, the record merged. A thrown error makes EventBridge retry the event, which the updater
 * tolerates (idempotent, order-independent).
 */
import { consoleLogger, type Logger } from "./logger.ts";
import { type ApplyResult, applyEvent, type UpdaterDeps } from "./records/updater.ts";

export interface ExecutionRecordsDeps extends UpdaterDeps {
  /** Where ignored events are reported. @default consoleLogger */
  readonly logger?: Logger;
}

export async function recordEvent(
  event: unknown,
  deps: ExecutionRecordsDeps,
): Promise<ApplyResult> {
  const result = await applyEvent(event, deps);
  if (result.outcome === "ignored") {
    (deps.logger ?? consoleLogger).warn("event ignored", { reason: result.reason });
  }
  return result;
}
