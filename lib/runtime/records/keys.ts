/** Item keys of the executions table (see `schema.ts`). */

export const META = "META";

export const executionPk = (id: string): string => `EXEC#${id}`;
export const eventSk = (order: string): string => `EVENT#${order}`;
export const EVENT_PREFIX = "EVENT#";
export const signalSk = (name: string): string => `SIGNAL#${name}`;
export const SIGNAL_PREFIX = "SIGNAL#";
export const idempotencyPk = (workflow: string, key: string): string =>
  `IDEMPOTENCY#${workflow}#${key}`;
export const IDEMPOTENCY_SK = "IDEMPOTENCY";
export const workflowPk = (workflow: string): string => `WORKFLOW#${workflow}`;
export const workflowSk = (startedAt: string, id: string): string => `${startedAt}#${id}`;

export const DEFAULT_RETENTION_DAYS = 30;

/** Epoch seconds `days` after `now`. */
export const expiresAt = (now: Date, days: number): number =>
  Math.floor(now.getTime() / 1000) + days * 86_400;

export function retentionDaysFromEnv(value: string | undefined): number {
  const days = Number(value);
  return value !== undefined && value !== "" && Number.isInteger(days) && days > 0
    ? days
    : DEFAULT_RETENTION_DAYS;
}
