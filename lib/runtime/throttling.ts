/**
 * Retries of optimistic-concurrency conflicts and throttling. The SDK retries throttling itself;
 * this loop adds conflict retries (a lost compare-and-set is re-read and re-merged) and keeps
 * going through throttling bursts longer than the SDK's default three attempts.
 */

export const THROTTLING_ERRORS: ReadonlySet<string> = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "Throttling",
  "TooManyRequestsException",
]);

export const isConditionalCheckFailed = (error: unknown): boolean =>
  (error as { name?: unknown } | null)?.name === "ConditionalCheckFailedException";

export const isThrottling = (error: unknown): boolean =>
  THROTTLING_ERRORS.has(String((error as { name?: unknown } | null)?.name));

export interface RetryOptions {
  /** Total tries including the first. @default 10 */
  readonly maxAttempts?: number;
  /** Base delay in ms for exponential backoff with full jitter. @default 25 */
  readonly baseDelayMs?: number;
  /** Cap of one delay in ms, so retries fit in a Lambda's time. @default 1000 */
  readonly maxDelayMs?: number;
  /** Injected for tests. @default setTimeout-based sleep */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export const realSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Thrown when a conflict or throttling outlasted every retry. */
export class RetriesExhaustedError extends Error {
  override readonly name = "RetriesExhaustedError";
}

/**
 * Runs `attempt` until it returns a value. It returns `undefined` to ask for a retry (lost race);
 * throttling errors are retried too; any other error is thrown at once.
 */
export async function retrying<T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  options: RetryOptions = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 10;
  const maxDelay = options.maxDelayMs ?? 1000;
  const base = options.baseDelayMs ?? 25;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  let last: unknown;
  for (let n = 1; n <= maxAttempts; n++) {
    try {
      const result = await attempt();
      if (result !== undefined) return result;
      last = undefined;
    } catch (error) {
      if (!isThrottling(error)) throw error;
      last = error;
    }
    if (n < maxAttempts)
      await sleep(Math.floor(random() * Math.min(maxDelay, base * 2 ** (n - 1))));
  }
  const reason =
    last === undefined ? "concurrent writers kept winning" : `throttled (${(last as Error).name})`;
  throw new RetriesExhaustedError(`${what}: gave up after ${maxAttempts} attempts, ${reason}.`, {
    cause: last,
  });
}
