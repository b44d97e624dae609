/**
 * Lambda entry of trigger and schedule rules (validated starts; see `lib/runtime/triggered-start.ts`),
 * of `workflow` steps' child-input task (`lib/runtime/child-input.ts`) and of the concurrency-slots
 * rule: terminal status changes of workflows with a `concurrency` limit release their slot and
 * start the next queued execution (`lib/runtime/limits/concurrency.ts`).
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Json } from "../lib/core/model.ts";
import { STATUS_CHANGE_DETAIL_TYPE, STEP_FUNCTIONS_SOURCE } from "../lib/core/wire.ts";
import { powertoolsLogger } from "../lib/runtime/aws/powertools-logger.ts";
import { publishMetrics } from "../lib/runtime/aws/powertools-metrics.ts";
import { startExecutionDeps } from "../lib/runtime/aws/start-execution-deps.ts";
import { checkChildInput, isChildInputRequest } from "../lib/runtime/child-input.ts";
import { type ReleaseOutcome, releaseOnStatusChange } from "../lib/runtime/limits/concurrency.ts";
import { startFromTrigger, type TriggeredStartOutcome } from "../lib/runtime/triggered-start.ts";

const isStatusChange = (event: unknown): boolean => {
  const e = event as { readonly source?: unknown; readonly "detail-type"?: unknown } | null;
  return e?.source === STEP_FUNCTIONS_SOURCE && e["detail-type"] === STATUS_CHANGE_DETAIL_TYPE;
};

export const handler = middy<unknown, TriggeredStartOutcome | ReleaseOutcome | Json>()
  .use(injectLambdaContext(powertoolsLogger))
  .use(publishMetrics())
  .handler(async (event) => {
    const deps = await startExecutionDeps();
    if (isChildInputRequest(event)) return checkChildInput(event, deps);
    if (isStatusChange(event)) {
      if (deps.slots === undefined) return { kind: "ignored", reason: "no slot store" };
      return releaseOnStatusChange(event, { ...deps, slots: deps.slots });
    }
    return startFromTrigger(event, deps);
  });
