/**
 * Lambda entry of trigger and schedule rules (validated starts; see `lib/runtime/triggered-start.ts`)
 * and of `workflow` steps' child-input task (`lib/runtime/child-input.ts`).
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Json } from "../lib/core/model.ts";
import { powertoolsLogger } from "../lib/runtime/aws/powertools-logger.ts";
import { startExecutionDeps } from "../lib/runtime/aws/start-execution-deps.ts";
import { checkChildInput, isChildInputRequest } from "../lib/runtime/child-input.ts";
import { startFromTrigger, type TriggeredStartOutcome } from "../lib/runtime/triggered-start.ts";

export const handler = middy<unknown, TriggeredStartOutcome | Json>()
  .use(injectLambdaContext(powertoolsLogger))
  .handler(async (event) =>
    isChildInputRequest(event)
      ? checkChildInput(event, await startExecutionDeps())
      : startFromTrigger(event, await startExecutionDeps()),
  );
