/**
 * The transport of service calls and health probes: a `fetch` on node:http/https whose DNS lookup
 * checks every address a host name resolves to before connecting. A URL is checked when it is
 * registered, but DNS may answer differently at call time (rebinding); checking the address that is
 * actually connected to closes that gap. IP literals are checked before connecting. Redirects are
 * never followed (node:http does not follow them).
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { Readable, type Transform } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";

/** Why an address must not be connected to, or undefined when it may. */
export type AddressCheck = (address: string) => string | undefined;

/** A connection refused by the address check; `code` lets callers tell it from network errors. */
export class BlockedAddressError extends Error {
  readonly code = "EADDRBLOCKED";

  constructor(message: string) {
    super(message);
    this.name = "BlockedAddressError";
  }
}

type DnsLookupAll = (
  hostname: string,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemLookupAll: DnsLookupAll = (hostname, callback) =>
  dnsLookup(hostname, { all: true, verbatim: true }, callback);

/**
 * A `lookup` for sockets that resolves every address of the host and refuses the connection when
 * any of them fails `check` (an answer mixing public and private addresses is refused whole, since
 * the socket may pick either).
 */
export function guardedLookup(check: AddressCheck, resolve = systemLookupAll): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (error, addresses) => {
      if (error) return callback(error, "", 0);
      const usable = addresses.filter(
        (a) => options.family === undefined || options.family === 0 || a.family === options.family,
      );
      if (usable.length === 0) {
        const notFound = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
          code: "ENOTFOUND",
        });
        return callback(notFound, "", 0);
      }
      for (const { address } of usable) {
        const refusal = check(address);
        if (refusal !== undefined) {
          return callback(
            new BlockedAddressError(`host ${hostname} resolved to ${address}, ${refusal}`),
            "",
            0,
          );
        }
      }
      if (options.all === true)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
      const [first] = usable as [LookupAddress];
      callback(null, first.address, first.family);
    });
  };
}

export interface GuardedFetchOptions {
  /** The policy, read per call (the local runtime sets its environment after import). */
  readonly check: () => AddressCheck;
  /** Injectable DNS for tests (rebinding). @default node:dns lookup, all addresses */
  readonly resolve?: DnsLookupAll;
}

const agents = {
  "http:": new http.Agent({ keepAlive: true }),
  "https:": new https.Agent({ keepAlive: true }),
};

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

const DECODERS: Readonly<Record<string, () => Transform>> = {
  gzip: createGunzip,
  "x-gzip": createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/**
 * The body as the global fetch gives it: decompressed when the service sent a content encoding
 * anyway (Baton never asks for one), so size limits apply to what is decoded, as a stream.
 */
function decode(incoming: Readable, headers: Headers): Readable {
  const encoding = headers.get("content-encoding")?.trim().toLowerCase() ?? "";
  const decoder = DECODERS[encoding];
  if (decoder === undefined) return incoming;
  headers.delete("content-encoding");
  headers.delete("content-length");
  const stream = decoder();
  incoming.on("error", (error) => stream.destroy(error));
  // A reader that stops early (a size cap) closes the decoder; the socket must not stay half read.
  stream.on("close", () => {
    if (!incoming.readableEnded) incoming.destroy();
  });
  return incoming.pipe(stream);
}

/** `fetch` as undici reports network failures: a TypeError whose `cause` is the socket error. */
const fetchFailed = (cause: unknown): TypeError => new TypeError("fetch failed", { cause });

/**
 * A `fetch` for string/URL inputs with `method`, `headers`, a string `body` and `signal`, connecting
 * only to addresses `check` allows. Network failures reject like the global fetch does.
 */
export function createGuardedFetch(options: GuardedFetchOptions): typeof globalThis.fetch {
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const transport =
        url.protocol === "https:" ? https : url.protocol === "http:" ? http : undefined;
      if (transport === undefined) {
        reject(fetchFailed(new Error(`scheme ${url.protocol} is not supported`)));
        return;
      }
      const check = options.check();
      const host = url.hostname.replace(/^\[|\]$/g, "");
      if (isIP(host) !== 0) {
        const refusal = check(host);
        if (refusal !== undefined) {
          reject(fetchFailed(new BlockedAddressError(`address ${host} is ${refusal}`)));
          return;
        }
      }
      const method = (init.method ?? "GET").toUpperCase();
      const signal = init.signal ?? undefined;
      const request = transport.request(url, {
        method,
        headers: {
          ...Object.fromEntries(new Headers(init.headers)),
          // Framed explicitly: node:http sends a DELETE body unframed otherwise.
          ...(typeof init.body === "string"
            ? { "content-length": String(Buffer.byteLength(init.body)) }
            : {}),
        },
        agent: agents[url.protocol as "http:" | "https:"],
        lookup: guardedLookup(check, options.resolve),
        ...(signal ? { signal } : {}),
      });
      request.on("error", (error) => reject(signal?.aborted ? signal.reason : fetchFailed(error)));
      request.on("response", (incoming) => {
        const status = incoming.statusCode ?? 0;
        if (status < 200 || status > 599) {
          incoming.destroy();
          reject(fetchFailed(new Error(`invalid HTTP status ${status}`)));
          return;
        }
        const headers = new Headers();
        const raw = incoming.rawHeaders;
        for (let i = 0; i + 1 < raw.length; i += 2) {
          try {
            headers.append(raw[i] ?? "", raw[i + 1] ?? "");
          } catch {
            // A header the Fetch standard refuses is dropped, as undici would.
          }
        }
        // A socket that fails after the answer must not become an uncaught error: readers of the
        // body see it through the stream; an empty body has no reader.
        incoming.on("error", () => undefined);
        const empty = method === "HEAD" || NULL_BODY_STATUSES.has(status);
        if (empty) incoming.resume();
        const decoded = empty ? undefined : decode(incoming, headers);
        const body =
          decoded === undefined
            ? null
            : (Readable.toWeb(
                decoded,
              ) as unknown as WebReadableStream<Uint8Array> as unknown as ReadableStream<Uint8Array>);
        resolve(new Response(body, { status, headers }));
      });
      const body = init.body;
      if (body !== undefined && body !== null && typeof body !== "string") {
        request.destroy();
        reject(fetchFailed(new Error("only string request bodies are supported")));
        return;
      }
      request.end(body ?? undefined);
    });
}
