/** Lambda entry of `PUT /workflows/{name}`: compiles and publishes a workflow (see `lib/runtime/api/routes/workflow-publish.ts`). */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { ApiEvent, ApiResponse } from "../lib/runtime/api/http.ts";
import { publishRouter } from "../lib/runtime/api/publish-app.ts";
import { handleWithDefaults } from "../lib/runtime/aws/api-deps.ts";
import { logger, powertoolsLogger } from "../lib/runtime/aws/powertools-logger.ts";
import { publishMetrics } from "../lib/runtime/aws/powertools-metrics.ts";

export const handler = middy<ApiEvent, ApiResponse>()
  .use(injectLambdaContext(powertoolsLogger))
  .use(publishMetrics())
  .handler((event) => handleWithDefaults(event, logger, publishRouter));
