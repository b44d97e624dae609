/** Lambda entry of the service-call task (every `call` step and compensation); see `lib/runtime/service-call.ts`. */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { ServiceCallRequest, ServiceCallResult } from "../lib/core/contract.ts";
import { correlateLogs, powertoolsLogger } from "../lib/runtime/aws/powertools-logger.ts";
import { publishMetrics } from "../lib/runtime/aws/powertools-metrics.ts";
import { serviceCallDeps } from "../lib/runtime/aws/service-call-deps.ts";
import { callService } from "../lib/runtime/service-call.ts";

export const handler = middy<ServiceCallRequest, ServiceCallResult>()
  .use(injectLambdaContext(powertoolsLogger, { resetKeys: true }))
  .use(correlateLogs())
  .use(publishMetrics())
  .handler((request, context) =>
    callService(request, serviceCallDeps(), {
      // Emulators may pass a context without it; the budget then follows the step timeout alone.
      remainingMs: context.getRemainingTimeInMillis?.(),
    }),
  );
