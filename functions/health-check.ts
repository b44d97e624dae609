/** Lambda entry of the health check and contract refresh, scheduled and on `Instance Suspected`; see `lib/runtime/scheduled-checks.ts`. */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { healthCheckDeps } from "../lib/runtime/aws/health-check-deps.ts";
import { powertoolsLogger } from "../lib/runtime/aws/powertools-logger.ts";
import { publishMetrics } from "../lib/runtime/aws/powertools-metrics.ts";
import {
  handleScheduledChecks,
  type ScheduledChecksSummary,
} from "../lib/runtime/scheduled-checks.ts";

export const handler = middy<unknown, ScheduledChecksSummary>()
  .use(injectLambdaContext(powertoolsLogger))
  .use(publishMetrics())
  .handler((event) => handleScheduledChecks(event, healthCheckDeps()));
