/** Lambda entry of the registry seed custom resource; see `lib/runtime/aws/registry-seed-resource.ts`. */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { powertoolsLogger } from "../lib/runtime/aws/powertools-logger.ts";
import { publishMetrics } from "../lib/runtime/aws/powertools-metrics.ts";
import { registrySeedDeps } from "../lib/runtime/aws/registry-seed-deps.ts";
import {
  handleSeedEvent,
  type SeedResourceEvent,
} from "../lib/runtime/aws/registry-seed-resource.ts";
import type { SeedOutcome } from "../lib/runtime/registry/deployed-seed.ts";

export const handler = middy<SeedResourceEvent, SeedOutcome | undefined>()
  .use(injectLambdaContext(powertoolsLogger))
  .use(publishMetrics())
  .handler((event) => handleSeedEvent(event, registrySeedDeps()));
