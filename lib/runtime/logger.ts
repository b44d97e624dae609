/**
 * Structured logging, a port. In Lambda it is Powertools Logger (`aws/logger.ts`, which adds the
 * request id and cold-start flag through middy's `injectLambdaContext`); locally and in tests it is
 * `consoleLogger` (one JSON line per entry on stderr/stdout) or `quietLogger`.
 */
export type LogAttributes = Readonly<Record<string, unknown>>;

export interface Logger {
  info(message: string, attributes?: LogAttributes): void;
  warn(message: string, attributes?: LogAttributes): void;
  error(message: string, attributes?: LogAttributes): void;
}

const line =
  (level: "INFO" | "WARN" | "ERROR", write: (text: string) => void) =>
  (message: string, attributes: LogAttributes = {}): void =>
    write(JSON.stringify({ level, message, ...attributes }));

export const consoleLogger: Logger = {
  info: line("INFO", (text) => console.info(text)),
  warn: line("WARN", (text) => console.warn(text)),
  error: line("ERROR", (text) => console.error(text)),
};

export const quietLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** `Name: message` of an error (never its stack), for a log attribute. */
export const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
