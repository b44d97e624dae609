/**
 * Serves an API Gateway REST (v1) proxy handler over node:http: each request becomes the proxy
 * event API Gateway would send (resource `/{proxy+}`), the handler's result becomes the response.
 * The local server thereby runs the very handler deployed behind API Gateway.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** The REST API proxy event (the fields API Gateway sends). */
export interface ProxyEvent {
  readonly resource: string;
  readonly path: string;
  readonly httpMethod: string;
  readonly headers: Record<string, string>;
  readonly multiValueHeaders: Record<string, string[]>;
  readonly queryStringParameters: Record<string, string> | null;
  readonly multiValueQueryStringParameters: Record<string, string[]> | null;
  readonly pathParameters: Record<string, string> | null;
  readonly stageVariables: null;
  readonly requestContext: {
    readonly accountId: string;
    readonly apiId: string;
    readonly resourceId: string;
    readonly resourcePath: string;
    readonly httpMethod: string;
    readonly path: string;
    readonly stage: string;
    readonly protocol: string;
    readonly requestId: string;
    readonly requestTimeEpoch: number;
    readonly identity: { readonly sourceIp: string; readonly userAgent: string | null };
    /** What a Lambda authorizer returned (`baton dev --auth jwt`, see `jwt-gate.ts`). */
    readonly authorizer?: { readonly principalId: string; readonly [key: string]: string };
  };
  readonly body: string | null;
  readonly isBase64Encoded: boolean;
}

export interface ProxyResult {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, string | number | boolean>>;
  readonly multiValueHeaders?: Readonly<Record<string, readonly (string | number | boolean)[]>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
}

export type ProxyHandler = (event: ProxyEvent) => Promise<ProxyResult>;

/** API Gateway's payload limit; bigger bodies are refused with 413 before the handler runs. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const STAGE = "local";

export function toProxyEvent(
  method: string,
  rawUrl: string,
  rawHeaders: readonly string[],
  body: Buffer,
  sourceIp: string,
): ProxyEvent {
  // Prefix the origin ourselves: `new URL("//x/y", base)` would read "x" as a host name.
  const url = new URL(`http://localhost${rawUrl.startsWith("/") ? "" : "/"}${rawUrl}`);
  // Null-prototype maps: a header or parameter named `__proto__` is data, not a prototype.
  const headers: Record<string, string> = Object.create(null);
  const multiValueHeaders: Record<string, string[]> = Object.create(null);
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    headers[name] = Object.hasOwn(headers, name) ? `${headers[name]},${value}` : value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  const query: Record<string, string> = Object.create(null);
  const multiQuery: Record<string, string[]> = Object.create(null);
  for (const [key, value] of url.searchParams) {
    query[key] = value;
    multiQuery[key] = [...(multiQuery[key] ?? []), value];
  }
  const hasQuery = Object.keys(query).length > 0;
  // REST APIs hand Lambda the path still percent-encoded (and the path parameters decoded); the
  // router decodes each segment once. Decoding here too made `%25…` segments fail as invalid
  // percent-encoding in baton dev only (found by schemathesis).
  const path = url.pathname;
  const textual = body.length === 0 || isTextual(headers);
  return {
    resource: "/{proxy+}",
    path,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: path === "/" ? null : { proxy: decodePath(path.slice(1)) },
    stageVariables: null,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      resourceId: "local",
      resourcePath: "/{proxy+}",
      httpMethod: method,
      path: `/${STAGE}${path}`,
      stage: STAGE,
      protocol: "HTTP/1.1",
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      identity: { sourceIp, userAgent: headerValue(headers, "user-agent") ?? null },
    },
    body: body.length === 0 ? null : textual ? body.toString("utf8") : body.toString("base64"),
    isBase64Encoded: body.length > 0 && !textual,
  };
}

export interface HttpServerHandle {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** Listens on loopback and serves `handler`; a handler crash answers 502 as API Gateway would. */
export async function serveProxyHandler(
  handler: ProxyHandler,
  options: { readonly port: number; readonly host?: string },
): Promise<HttpServerHandle> {
  const server = createServer((req, res) => {
    void serveOne(handler, req, res);
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serveOne(
  handler: ProxyHandler,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const body = await readBody(req);
    if (body === undefined) {
      writeProblem(
        res,
        413,
        "Payload Too Large",
        `The request body exceeds ${MAX_BODY_BYTES} bytes.`,
      );
      return;
    }
    const event = toProxyEvent(
      req.method ?? "GET",
      req.url ?? "/",
      req.rawHeaders,
      body,
      req.socket.remoteAddress ?? "127.0.0.1",
    );
    const result = await handler(event);
    writeResult(res, result);
  } catch (error) {
    // API Gateway answers 502 when the integration fails; never leak the stack.
    console.error("baton dev: API handler failed:", error);
    writeProblem(res, 502, "Bad Gateway", "The API handler failed; see the server log.");
  }
}

function writeResult(res: ServerResponse, result: ProxyResult): void {
  if (typeof result?.statusCode !== "number") {
    writeProblem(res, 502, "Bad Gateway", "The API handler returned no statusCode.");
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    headers[name.toLowerCase()] = values.map(String);
  }
  const body =
    result.body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(result.body, result.isBase64Encoded === true ? "base64" : "utf8");
  headers["content-length"] = String(body.length);
  res.writeHead(result.statusCode, headers);
  res.end(body);
}

function writeProblem(res: ServerResponse, status: number, title: string, detail: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify({ type: "about:blank", title, status, detail });
  res.writeHead(status, {
    "content-type": "application/problem+json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

function isTextual(headers: Record<string, string>): boolean {
  const type = (headerValue(headers, "content-type") ?? "application/json").toLowerCase();
  return /json|text|xml|x-www-form-urlencoded|javascript/.test(type);
}
