/** Lambda entry of the HTTP API (REST proxy integration; HTTP API v2 events work too); see `lib/runtime/api/`. */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { apiRouter } from "../lib/runtime/api/api-routes.ts";
import type { ApiEvent, ApiResponse } from "../lib/runtime/api/http.ts";
import { handleWithDefaults } from "../lib/runtime/aws/api-deps.ts";
import { logger, powertoolsLogger } from "../lib/runtime/aws/powertools-logger.ts";
import { publishMetrics } from "../lib/runtime/aws/powertools-metrics.ts";

export const handler = middy<ApiEvent, ApiResponse>()
  .use(injectLambdaContext(powertoolsLogger))
  .use(publishMetrics())
  .handler((event) => handleWithDefaults(event, logger, apiRouter));
