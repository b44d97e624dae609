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

/** The correlation ids a handler's request carries; each becomes a key of every log line. */
export interface Correlation {
  readonly executionId?: unknown;
  readonly workflow?: unknown;
  readonly stepId?: unknown;
}

/**
 * A middy middleware that adds the request's execution id, workflow and step to every log line of
 * the invocation (Logs Insights: `filter executionId = "…"`), and logs a failed invocation's error
 * (a failed call attempt: its `Baton.*` name and message) with them. Pair it with
 * `injectLambdaContext(powertoolsLogger, { resetKeys: true })` so no key outlives its invocation.
 */
export function correlateLogs(): {
  before: (request: { event: unknown }) => void;
  onError: (request: { error: unknown }) => void;
} {
  return {
    onError: ({ error }) => {
      powertoolsLogger.warn("invocation failed", {
        error: error instanceof Error ? error.name : "Error",
        reason: error instanceof Error ? error.message : String(error),
      });
    },
    before: ({ event }) => {
      const request = (typeof event === "object" && event !== null ? event : {}) as Correlation;
      const keys: Record<string, string> = {};
      for (const [key, value] of [
        ["executionId", request.executionId],
        ["workflow", request.workflow],
        ["step", request.stepId],
      ] as const)
        if (typeof value === "string" && value !== "") keys[key] = value;
      powertoolsLogger.appendKeys(keys);
    },
  };
}
