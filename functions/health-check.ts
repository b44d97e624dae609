/** Lambda entry of the health check, scheduled and on `Instance Suspected`; see `lib/runtime/suspect-probes.ts`. */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { healthCheckDeps } from "../lib/runtime/aws/health-check-deps.ts";
import { powertoolsLogger } from "../lib/runtime/aws/powertools-logger.ts";
import { publishMetrics } from "../lib/runtime/aws/powertools-metrics.ts";
import type { HealthCheckSummary } from "../lib/runtime/health-check.ts";
import { handleHealthCheckEvent } from "../lib/runtime/suspect-probes.ts";

export const handler = middy<unknown, HealthCheckSummary>()
  .use(injectLambdaContext(powertoolsLogger))
  .use(publishMetrics())
  .handler((event) => handleHealthCheckEvent(event, healthCheckDeps()));
