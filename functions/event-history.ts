/** Lambda entry of the bus history writer (events queue → events table); see `lib/runtime/history/record-history.ts`. */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { eventHistoryDeps } from "../lib/runtime/aws/event-history-deps.ts";
import { powertoolsLogger } from "../lib/runtime/aws/powertools-logger.ts";
import { publishMetrics } from "../lib/runtime/aws/powertools-metrics.ts";
import { type HistoryBatchResponse, recordHistory } from "../lib/runtime/history/record-history.ts";

export const handler = middy<unknown, HistoryBatchResponse>()
  .use(injectLambdaContext(powertoolsLogger))
  .use(publishMetrics())
  .handler(async (event) => recordHistory(event, eventHistoryDeps()));
