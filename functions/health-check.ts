/** Lambda entry of the scheduled health check; see `lib/runtime/health-check.ts`. */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { healthCheckDeps } from "../lib/runtime/aws/health-check-deps.ts";
import { powertoolsLogger } from "../lib/runtime/aws/powertools-logger.ts";
import { type HealthCheckSummary, runHealthChecks } from "../lib/runtime/health-check.ts";

export const handler = middy<unknown, HealthCheckSummary>()
  .use(injectLambdaContext(powertoolsLogger))
  .handler(() => runHealthChecks(healthCheckDeps()));
