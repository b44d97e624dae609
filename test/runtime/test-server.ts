/** Test helpers: a real HTTP server on 127.0.0.1, request and service fixtures, a closed port. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll } from "vitest";
import type { ServiceCallRequest } from "../../lib/core/contract.ts";
import type { ServiceEntry } from "../../lib/runtime/registry/registry-model.ts";
import { DEFAULT_CIRCUIT, DEFAULT_HEALTH } from "../../lib/runtime/registry/registry-model.ts";
import { ALLOW_PRIVATE_URLS_VARIABLE } from "../../lib/runtime/registry/url-policy.ts";

/**
 * The transport checks every address it connects to; test servers listen on 127.0.0.1, so the
 * file allows loopback as `baton dev` does (restored afterwards).
 */
export function allowLoopbackUrls(): void {
  const previous = process.env[ALLOW_PRIVATE_URLS_VARIABLE];
  beforeAll(() => {
    process.env[ALLOW_PRIVATE_URLS_VARIABLE] = "1";
  });
  afterAll(() => {
    if (previous === undefined) delete process.env[ALLOW_PRIVATE_URLS_VARIABLE];
    else process.env[ALLOW_PRIVATE_URLS_VARIABLE] = previous;
  });
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

export type Route = (request: RecordedRequest, response: ServerResponse) => void;

export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Replaces the handler for every following request. */
  handle(route: Route): void;
  close(): Promise<void>;
}

export async function startServer(route: Route = json(200, { ok: true })): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  let current = route;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const recorded: RecordedRequest = {
        method: request.method ?? "",
        url: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(recorded);
      current(recorded, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    handle: (next) => {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Route =>
  (_request, response) => {
    response.writeHead(status, { "content-type": "application/json", ...headers });
    response.end(JSON.stringify(body));
  };

export const text =
  (status: number, body: string): Route =>
  (_request, response) => {
    response.writeHead(status, { "content-type": "text/plain" });
    response.end(body);
  };

/** Answers after `ms` (unless the client has gone). */
export const slow =
  (ms: number, route: Route): Route =>
  (request, response) => {
    const timer = setTimeout(() => route(request, response), ms);
    response.on("close", () => clearTimeout(timer));
  };

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function callRequest(overrides: Partial<ServiceCallRequest> = {}): ServiceCallRequest {
  return {
    workflow: "order-fulfillment",
    version: 3,
    executionId: "exec-1",
    stepId: "reserve",
    mode: "call",
    attempt: 1,
    timeout: 5,
    service: "inventory",
    method: "POST",
    path: "/reservations",
    body: { sku: "A-1", quantity: 2 },
    ...overrides,
  };
}

export function serviceEntry(overrides: Partial<ServiceEntry> = {}): ServiceEntry {
  return {
    name: "inventory",
    instances: [{ id: "inventory-a", url: "http://127.0.0.1:9", weight: 1 }],
    health: DEFAULT_HEALTH,
    balancing: "round_robin",
    circuit: DEFAULT_CIRCUIT,
    timeout: 10,
    headers: {},
    ...overrides,
  };
}
