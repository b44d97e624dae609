/** Lambda entry of `await` steps (`.waitForTaskToken`); see `lib/runtime/await-signal.ts`. */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { AwaitSignalRequest } from "../lib/core/contract.ts";
import { type AwaitSignalResult, awaitSignal } from "../lib/runtime/await-signal.ts";
import { awaitSignalDeps } from "../lib/runtime/aws/await-signal-deps.ts";
import { correlateLogs, powertoolsLogger } from "../lib/runtime/aws/powertools-logger.ts";
import { publishMetrics } from "../lib/runtime/aws/powertools-metrics.ts";

export const handler = middy<AwaitSignalRequest, AwaitSignalResult>()
  .use(injectLambdaContext(powertoolsLogger, { resetKeys: true }))
  .use(correlateLogs())
  .use(publishMetrics())
  .handler((request) => awaitSignal(request, awaitSignalDeps()));
