/** Lambda entry of the execution-records queue consumer; see `lib/runtime/execution-records.ts`. */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { executionRecordsDeps } from "../lib/runtime/aws/execution-records-deps.ts";
import { powertoolsLogger } from "../lib/runtime/aws/powertools-logger.ts";
import { publishMetrics } from "../lib/runtime/aws/powertools-metrics.ts";
import { type BatchResponse, recordEvents } from "../lib/runtime/execution-records.ts";

export const handler = middy<unknown, BatchResponse>()
  .use(injectLambdaContext(powertoolsLogger))
  .use(publishMetrics())
  .handler(async (event) => recordEvents(event, await executionRecordsDeps()));
