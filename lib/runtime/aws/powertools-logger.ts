/**
 * The handlers' logger: Powertools Logger (JSON lines with the Lambda request id, cold start and
 * function name once middy's `injectLambdaContext` has run). `POWERTOOLS_LOG_LEVEL` sets the level.
 */
import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import type { Logger } from "../logger.ts";

export const powertoolsLogger = new PowertoolsLogger({ serviceName: "baton" });

/** The runtime's `Logger` port on Powertools: attributes become top-level keys of the JSON line. */
export const logger: Logger = {
  info: (message, attributes = {}) => powertoolsLogger.info(message, { ...attributes }),
  warn: (message, attributes = {}) => powertoolsLogger.warn(message, { ...attributes }),
  error: (message, attributes = {}) => powertoolsLogger.error(message, { ...attributes }),
};
