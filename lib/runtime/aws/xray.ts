/**
 * X-Ray subsegments, written straight to the Lambda's X-Ray daemon (UDP, the documented segment
 * document format): one per request to a service (`XRayCallTracer`, the service-call handler) and
 * one per AWS SDK call (`traceSdkClient`, every client in `clients.ts`). Powertools Tracer does the
 * same through aws-xray-sdk-core, which adds about 128 KB to each bundle (measured with the deploy's
 * esbuild options), more than the service-call handler's budget leaves; this is the part Baton uses.
 *
 * Nothing is sent without an active, sampled trace (`_X_AMZN_TRACE_ID`, which Lambda sets per
 * invocation when tracing is active); sending never throws and never outlasts its callback.
 */
import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import type { CallTracer, TracedCall, TracedCallEnd } from "../http/trace.ts";

export interface TraceHeader {
  /** `1-<8 hex epoch>-<24 hex>`. */
  readonly root: string;
  /** The id of the segment new subsegments belong to (Lambda's function segment). */
  readonly parent?: string;
  readonly sampled: boolean;
}

/** `Root=1-…;Parent=…;Sampled=1` as Lambda and X-Ray write it; undefined without a root. */
export function parseTraceHeader(text: string | undefined): TraceHeader | undefined {
  if (text === undefined || text === "") return undefined;
  const fields = new Map(
    text.split(";").map((field) => {
      const at = field.indexOf("=");
      return [field.slice(0, at).trim(), field.slice(at + 1).trim()] as const;
    }),
  );
  const root = fields.get("Root");
  if (root === undefined || !/^1-[0-9a-f]{8}-[0-9a-f]{24}$/.test(root)) return undefined;
  const parent = fields.get("Parent");
  return {
    root,
    ...(parent !== undefined && /^[0-9a-f]{16}$/.test(parent) ? { parent } : {}),
    sampled: fields.get("Sampled") === "1",
  };
}

interface InvokeStoreGlobal {
  readonly awslambda?: { readonly InvokeStore?: { getXRayTraceId(): string | undefined } };
}

/** The invocation's trace header: the runtime's per-invocation store first, then the variable. */
export function currentTraceHeader(): TraceHeader | undefined {
  const fromStore = (globalThis as InvokeStoreGlobal).awslambda?.InvokeStore?.getXRayTraceId();
  return parseTraceHeader(fromStore ?? process.env._X_AMZN_TRACE_ID);
}

/** The W3C trace id of an X-Ray root: its two hex parts joined (X-Ray accepts it back). */
export const w3cTraceId = (root: string): string => root.slice(2).replace("-", "");

export const newSegmentId = (): string => randomBytes(8).toString("hex");

/** The parts of an X-Ray subsegment document Baton writes. */
export interface Subsegment {
  readonly name: string;
  readonly id: string;
  readonly start_time: number;
  readonly end_time: number;
  readonly namespace: "remote" | "aws";
  readonly http?: {
    readonly request?: { readonly method: string; readonly url: string };
    readonly response?: { readonly status: number };
  };
  readonly aws?: Readonly<Record<string, string | number>>;
  readonly error?: boolean;
  readonly fault?: boolean;
  readonly throttle?: boolean;
}

const HEADER = '{"format": "json", "version": 1}\n';

/** Sends subsegments to the daemon at `AWS_XRAY_DAEMON_ADDRESS` (`host:port` or `udp:host:port …`). */
export class XRayEmitter {
  readonly #address: { readonly host: string; readonly port: number } | undefined;
  #socket: Socket | undefined;

  constructor(address: string | undefined = process.env.AWS_XRAY_DAEMON_ADDRESS) {
    this.#address = parseDaemonAddress(address ?? "127.0.0.1:2000");
  }

  send(trace: TraceHeader, subsegment: Subsegment): Promise<void> {
    const address = this.#address;
    if (!trace.sampled || trace.parent === undefined || address === undefined)
      return Promise.resolve();
    const document = {
      ...subsegment,
      type: "subsegment",
      trace_id: trace.root,
      parent_id: trace.parent,
    };
    const packet = Buffer.from(HEADER + JSON.stringify(document));
    this.#socket ??= createSocket("udp4").unref();
    const socket = this.#socket;
    return new Promise((resolve) => {
      try {
        socket.send(packet, address.port, address.host, () => resolve());
      } catch {
        resolve();
      }
    });
  }
}

function parseDaemonAddress(text: string): { host: string; port: number } | undefined {
  // `udp:host:port tcp:host:port` or `host:port`.
  const udp = text.split(/\s+/).find((part) => part.startsWith("udp:")) ?? text.split(/\s+/)[0];
  const match = /^(?:udp:)?([^:\s]+):(\d+)$/.exec(udp ?? "");
  if (match === null) return undefined;
  return { host: match[1] as string, port: Number(match[2]) };
}

const seconds = (ms: number): number => ms / 1000;

/** HTTP requests to services as `remote` subsegments named after the service. */
export class XRayCallTracer implements CallTracer {
  readonly #emitter: XRayEmitter;
  readonly #trace: () => TraceHeader | undefined;

  constructor(emitter: XRayEmitter, trace: () => TraceHeader | undefined = currentTraceHeader) {
    this.#emitter = emitter;
    this.#trace = trace;
  }

  start(call: {
    readonly service: string;
    readonly method: string;
    readonly url: string;
  }): TracedCall | undefined {
    const trace = this.#trace();
    if (trace === undefined) return undefined;
    const id = newSegmentId();
    const emitter = this.#emitter;
    return {
      traceparent: `00-${w3cTraceId(trace.root)}-${id}-${trace.sampled ? "01" : "00"}`,
      end: (outcome: TracedCallEnd) =>
        emitter.send(trace, {
          name: call.service,
          id,
          start_time: seconds(outcome.sentAt),
          end_time: seconds(outcome.endedAt),
          namespace: "remote",
          // The query may carry step data; the path and host say which call it was.
          http: {
            request: { method: call.method, url: call.url.split("?")[0] ?? call.url },
            ...(outcome.status === undefined ? {} : { response: { status: outcome.status } }),
          },
          ...flags(outcome.status, outcome.error !== undefined),
        }),
    };
  }
}

/** X-Ray's flags: `throttle` 429, `error` 4xx, `fault` 5xx or no response at all. */
function flags(status: number | undefined, failed: boolean): Partial<Subsegment> {
  if (status === 429) return { error: true, throttle: true };
  if (status !== undefined && status >= 400 && status < 500) return { error: true };
  if ((status !== undefined && status >= 500) || (status === undefined && failed))
    return { fault: true };
  return {};
}

interface SdkOutput {
  readonly output?: { readonly $metadata?: SdkMetadata };
}
interface SdkMetadata {
  readonly httpStatusCode?: number;
  readonly requestId?: string;
  readonly attempts?: number;
}
type SdkHandler = (args: { readonly input?: unknown }) => Promise<SdkOutput>;

/** The part of an AWS SDK v3 client's middleware stack the tracing middleware uses. */
interface TraceableStack {
  add(
    middleware: (
      next: SdkHandler,
      context: { readonly clientName?: string; readonly commandName?: string },
    ) => SdkHandler,
    options: { readonly step: "initialize"; readonly name: string; readonly override: boolean },
  ): void;
}

/** Adds a subsegment per SDK call (service, operation, table, request id, retries, status). */
export function traceSdkClient<C extends { readonly middlewareStack: object }>(
  client: C,
  emitter: XRayEmitter,
  trace: () => TraceHeader | undefined = currentTraceHeader,
): C {
  // Each client's stack is typed by its own commands; the middleware reads only what all share.
  (client.middlewareStack as TraceableStack).add(
    (next, context) => async (args) => {
      const header = trace();
      if (header === undefined || !header.sampled) return next(args);
      const started = Date.now();
      const aws: Record<string, string | number> = {
        operation: (context.commandName ?? "").replace(/Command$/, ""),
      };
      const table = (args.input as { readonly TableName?: unknown } | undefined)?.TableName;
      if (typeof table === "string") aws.table_name = table;
      const segment = (metadata: SdkMetadata | undefined, failed: boolean): Subsegment => {
        if (metadata?.requestId !== undefined) aws.request_id = metadata.requestId;
        if (metadata?.attempts !== undefined) aws.retries = metadata.attempts - 1;
        const status = metadata?.httpStatusCode;
        return {
          name: (context.clientName ?? "AWS").replace(/Client$/, ""),
          id: newSegmentId(),
          start_time: seconds(started),
          end_time: seconds(Date.now()),
          namespace: "aws",
          aws,
          ...(status === undefined ? {} : { http: { response: { status } } }),
          ...flags(status, failed),
        };
      };
      try {
        const result = await next(args);
        await emitter.send(header, segment(result.output?.$metadata, false));
        return result;
      } catch (error) {
        const metadata = (error as { readonly $metadata?: SdkMetadata } | null)?.$metadata;
        await emitter.send(header, segment(metadata, true));
        throw error;
      }
    },
    { step: "initialize", name: "batonXRaySubsegment", override: true },
  );
  return client;
}
