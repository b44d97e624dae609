/** Lambda entry of trigger and schedule rules: validated starts; see `lib/runtime/triggered-start.ts`. */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { powertoolsLogger } from "../lib/runtime/aws/powertools-logger.ts";
import { startExecutionDeps } from "../lib/runtime/aws/start-execution-deps.ts";
import { startFromTrigger, type TriggeredStartOutcome } from "../lib/runtime/triggered-start.ts";

export const handler = middy<unknown, TriggeredStartOutcome>()
  .use(injectLambdaContext(powertoolsLogger))
  .handler(async (event) => startFromTrigger(event, await startExecutionDeps()));
