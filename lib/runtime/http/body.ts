/**
 * Bounded reads of response bodies. A step's result lives in the Step Functions state (256 KB with
 * everything else), so a body over `MAX_RESPONSE_BYTES` fails the step instead of the execution;
 * error bodies are only read far enough for an excerpt. Memory stays bounded either way: reading
 * stops (and the stream is cancelled) at the limit.
 */

/** Largest response body a call step accepts: 200 KiB, leaving room for the rest of the state. */
export const MAX_RESPONSE_BYTES = 200 * 1024;
/** How much of an error response is read for the excerpt in the step error. */
export const ERROR_BODY_BYTES = 4 * 1024;

export interface LimitedBody {
  readonly text: string;
  /** Bytes read (at most `limit`). */
  readonly bytes: number;
  /** The body had more than `limit` bytes; the rest was not read. */
  readonly truncated: boolean;
}

/** Reads at most `limit` bytes of the body as UTF-8, then cancels the stream. */
export async function readLimited(response: Response, limit: number): Promise<LimitedBody> {
  const stream = response.body;
  if (stream === null) return { text: "", bytes: 0, truncated: false };
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text: text + decoder.decode(), bytes, truncated: false };
      const room = limit - bytes;
      if (value.byteLength > room) {
        text += decoder.decode(value.subarray(0, room));
        bytes = limit;
        await reader.cancel().catch(() => undefined);
        return { text, bytes, truncated: true };
      }
      bytes += value.byteLength;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
}

/** The declared length when the response announces one over `limit` (nothing need be read). */
export function declaredOver(response: Response, limit: number): number | undefined {
  const length = Number(response.headers.get("content-length"));
  return Number.isFinite(length) && length > limit ? length : undefined;
}
