/** Lambda entry of `PUT /workflows/{name}` and the template routes: compiles and publishes workflows (`lib/runtime/api/publish-app.ts`). */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { ApiEvent, ApiResponse } from "../lib/runtime/api/http.ts";
import { publishRouter } from "../lib/runtime/api/publish-app.ts";
import { handleWithDefaults } from "../lib/runtime/aws/api-deps.ts";
import { logger, powertoolsLogger } from "../lib/runtime/aws/powertools-logger.ts";
import { publishMetrics } from "../lib/runtime/aws/powertools-metrics.ts";
import { templatesFromEnv } from "../lib/runtime/aws/templates-from-env.ts";

export const handler = middy<ApiEvent, ApiResponse>()
  .use(injectLambdaContext(powertoolsLogger))
  .use(publishMetrics())
  .handler((event) =>
    handleWithDefaults(event, logger, publishRouter, (deps) => ({
      ...deps,
      templates: templatesFromEnv,
    })),
  );
