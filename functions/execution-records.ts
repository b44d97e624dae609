/** Lambda entry of the execution-records EventBridge target; see `lib/runtime/execution-records.ts`. */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { executionRecordsDeps } from "../lib/runtime/aws/execution-records-deps.ts";
import { powertoolsLogger } from "../lib/runtime/aws/powertools-logger.ts";
import { recordEvent } from "../lib/runtime/execution-records.ts";
import type { ApplyResult } from "../lib/runtime/records/updater.ts";

export const handler = middy<unknown, ApplyResult>()
  .use(injectLambdaContext(powertoolsLogger))
  .handler(async (event) => recordEvent(event, await executionRecordsDeps()));
