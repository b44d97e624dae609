/**
 * A small HTTP demo service on loopback with settable latency and failures. Any path works:
 * `POST /<things>` creates `{id, ...body}` (201), `GET` reads, `PUT`/`PATCH` update, `DELETE`
 * removes; a service may add behaviour for its own routes (`routes`). Control it live with
 * `POST /__control` (`{failureRate, latencyMs, failNext, failStatus, healthy, reset}`), read what
 * it received with `GET /__calls`. `GET /health` answers 200 (503 when `healthy` is false);
 * `GET /openapi.json` serves the service's contract when it has one (`contracts.ts`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Json } from "../../core/model.ts";

export interface DemoRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Json;
}

export interface DemoResponse {
  readonly status: number;
  readonly body?: Json;
}

/** A route handler; undefined falls through to the generic resource behaviour. */
export type DemoRoute = (
  request: DemoRequest,
  service: DemoServiceState,
) => DemoResponse | undefined;

export interface DemoSettings {
  /** Probability (0–1) that a request fails with `failStatus`. */
  failureRate: number;
  /** Added to every request (milliseconds). */
  latencyMs: number;
  /** The next n requests fail with `failStatus`. */
  failNext: number;
  failStatus: number;
  healthy: boolean;
}

export interface DemoServiceCall extends DemoRequest {
  /** Process-wide arrival order across every demo service (timestamps can tie). */
  readonly seq: number;
  readonly service: string;
  readonly at: string;
  readonly status: number;
}

let arrivals = 0;

export interface DemoServiceState {
  readonly name: string;
  readonly settings: DemoSettings;
  /** Next id with the service's prefix, e.g. `payments-7`. */
  nextId(): string;
  readonly items: Map<string, Json>;
}

export interface DemoServiceOptions {
  readonly name: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  readonly settings?: Partial<DemoSettings>;
  readonly routes?: DemoRoute;
  /** The service's OpenAPI document, served at `GET /openapi.json` (see `contracts.ts`). @default none */
  readonly contract?: Json;
  /** Calls kept for `GET /__calls`. @default 500 */
  readonly keepCalls?: number;
  /** Where random failures draw from (`baton simulate --seed`). @default Math.random */
  readonly random?: () => number;
}

export interface RunningDemoService {
  readonly name: string;
  readonly url: string;
  readonly settings: DemoSettings;
  /** Requests received (control and health routes excluded), oldest first. */
  calls(): readonly DemoServiceCall[];
  clearCalls(): void;
  close(): Promise<void>;
}

export const DEFAULT_SETTINGS: DemoSettings = {
  failureRate: 0,
  latencyMs: 0,
  failNext: 0,
  failStatus: 503,
  healthy: true,
};

export async function startDemoService(options: DemoServiceOptions): Promise<RunningDemoService> {
  const settings: DemoSettings = { ...DEFAULT_SETTINGS, ...options.settings };
  const calls: DemoServiceCall[] = [];
  const keep = options.keepCalls ?? 500;
  let counter = 0;
  const state: DemoServiceState = {
    name: options.name,
    settings,
    items: new Map(),
    nextId: () => `${options.name}-${++counter}`,
  };
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      send(res, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://demo.local");
    const raw = await readBody(req);
    let body: Json = null;
    if (raw !== "") {
      try {
        body = JSON.parse(raw) as Json;
      } catch {
        send(res, 400, { error: "body is not JSON" });
        return;
      }
    }
    if (url.pathname === "/__control") {
      control(req.method ?? "GET", body, settings, state, calls);
      send(res, 200, { name: options.name, settings: { ...settings }, received: calls.length });
      return;
    }
    if (url.pathname === "/__calls") {
      send(res, 200, calls as unknown as Json);
      return;
    }
    if (url.pathname === "/openapi.json" && options.contract !== undefined) {
      send(res, 200, options.contract);
      return;
    }
    if (url.pathname === "/health") {
      send(res, settings.healthy ? 200 : 503, { status: settings.healthy ? "ok" : "unhealthy" });
      return;
    }
    const request: DemoRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
      body,
    };
    if (settings.latencyMs > 0) await sleep(settings.latencyMs);
    const response = respond(request, state, options.routes, options.random ?? Math.random);
    calls.push({
      ...request,
      seq: ++arrivals,
      service: options.name,
      at: new Date().toISOString(),
      status: response.status,
    });
    if (calls.length > keep) calls.splice(0, calls.length - keep);
    send(res, response.status, response.body ?? null);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    name: options.name,
    url: `http://${options.host ?? "127.0.0.1"}:${address.port}`,
    settings,
    calls: () => [...calls],
    clearCalls: () => {
      calls.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function control(
  method: string,
  body: Json,
  settings: DemoSettings,
  state: DemoServiceState,
  calls: DemoServiceCall[],
): void {
  if (method !== "POST" || body === null || typeof body !== "object" || Array.isArray(body)) return;
  const b = body as Record<string, Json>;
  if (b.reset === true) {
    Object.assign(settings, DEFAULT_SETTINGS);
    calls.length = 0;
    state.items.clear();
  }
  if (typeof b.failureRate === "number")
    settings.failureRate = Math.min(1, Math.max(0, b.failureRate));
  if (typeof b.latencyMs === "number") settings.latencyMs = Math.max(0, b.latencyMs);
  if (typeof b.failNext === "number") settings.failNext = Math.max(0, Math.trunc(b.failNext));
  if (typeof b.failStatus === "number" && b.failStatus >= 400 && b.failStatus <= 599)
    settings.failStatus = b.failStatus;
  if (typeof b.healthy === "boolean") settings.healthy = b.healthy;
}

function respond(
  request: DemoRequest,
  state: DemoServiceState,
  routes: DemoRoute | undefined,
  random: () => number,
): DemoResponse {
  const { settings } = state;
  if (settings.failNext > 0) {
    settings.failNext -= 1;
    return {
      status: settings.failStatus,
      body: { error: `${state.name} failed on purpose (failNext)` },
    };
  }
  if (settings.failureRate > 0 && random() < settings.failureRate) {
    return {
      status: settings.failStatus,
      body: { error: `${state.name} failed on purpose (failureRate)` },
    };
  }
  return routes?.(request, state) ?? resource(request, state);
}

/** Generic REST behaviour over an in-memory map keyed by path. */
function resource(request: DemoRequest, state: DemoServiceState): DemoResponse {
  const body = isObject(request.body)
    ? request.body
    : request.body === null
      ? {}
      : { value: request.body };
  switch (request.method) {
    case "POST": {
      const id = state.nextId();
      const item = { id, ...body, status: "created" };
      state.items.set(`${request.path.replace(/\/$/, "")}/${id}`, item);
      return { status: 201, body: item };
    }
    case "GET":
    case "HEAD": {
      const item = state.items.get(request.path);
      if (item !== undefined) return { status: 200, body: item };
      const id = request.path.split("/").filter(Boolean).pop() ?? state.name;
      return { status: 200, body: { id, service: state.name } };
    }
    case "PUT":
    case "PATCH": {
      const item = { ...(asObject(state.items.get(request.path)) ?? {}), ...body };
      state.items.set(request.path, item);
      return { status: 200, body: item };
    }
    case "DELETE": {
      const existed = state.items.delete(request.path);
      const id = request.path.split("/").filter(Boolean).pop() ?? "";
      return { status: 200, body: { id, deleted: true, existed } };
    }
    default:
      return { status: 405, body: { error: `method ${request.method} not allowed` } };
  }
}

function send(res: ServerResponse, status: number, body: Json): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export const isObject = (value: Json | undefined): value is { readonly [key: string]: Json } =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const asObject = (value: Json | undefined): Record<string, Json> | undefined =>
  isObject(value) ? { ...value } : undefined;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
