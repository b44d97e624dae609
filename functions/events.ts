/** Lambda entry of the bus routes (`POST /events`, `GET /events`, `POST /events/replay`); see `lib/runtime/api/routes/events.ts`. */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { ApiEvent, ApiResponse } from "../lib/runtime/api/http.ts";
import { handleEventsRequest } from "../lib/runtime/aws/events-api-deps.ts";
import { powertoolsLogger } from "../lib/runtime/aws/powertools-logger.ts";
import { publishMetrics } from "../lib/runtime/aws/powertools-metrics.ts";

export const handler = middy<ApiEvent, ApiResponse>()
  .use(injectLambdaContext(powertoolsLogger))
  .use(publishMetrics())
  .handler((event) => handleEventsRequest(event));
