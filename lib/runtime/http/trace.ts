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

/** How a traced request ended (`sentAt`: epoch ms the request was sent). */
export interface TracedCallEnd {
  readonly sentAt: number;
  readonly endedAt: number;
  /** The response's HTTP status; absent when there was none (timeout, connection error). */
  readonly status?: number;
  /** The attempt's error name (`Baton.*`), when it failed. */
  readonly error?: string;
}

/** One outbound request as a span of the active trace. */
export interface TracedCall {
  /** The W3C `traceparent` to send: the active trace's id and this span's id. */
  readonly traceparent: string;
  end(outcome: TracedCallEnd): Promise<void>;
}

/**
 * Tracing of service calls, a port: in Lambda an X-Ray subsegment per request
 * (`aws/xray.ts`). `start` returns undefined without an active trace; the call then sends the
 * trace context derived from the execution (`traceparent` above).
 */
export interface CallTracer {
  start(call: {
    readonly service: string;
    readonly method: string;
    readonly url: string;
  }): TracedCall | undefined;
}
