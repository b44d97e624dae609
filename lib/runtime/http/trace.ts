/**
 * W3C trace context derived from the execution, so every call of one execution shares a trace id
 * without any state: `traceparent: 00-<trace id>-<parent id>-01`.
 */
import { createHash } from "node:crypto";

const hex = (text: string, length: number): string => {
  const digest = createHash("sha256").update(text).digest("hex").slice(0, length);
  // All-zero ids are invalid in W3C trace context; astronomically unlikely, but cheap to rule out.
  return /^0+$/.test(digest) ? `${digest.slice(0, -1)}1` : digest;
};

export const traceIdOf = (executionId: string): string => hex(executionId, 32);

export function traceparent(executionId: string, spanSeed: string): string {
  return `00-${traceIdOf(executionId)}-${hex(`${executionId}\u0000${spanSeed}`, 16)}-01`;
}
