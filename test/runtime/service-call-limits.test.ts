/**
 * What a service call guarantees whatever the service or the stores do: no resolved secret in any
 * error or event, bounded response bodies, and a handler that returns inside its time budget.
 */
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PREPARE_MS, REPORT_MS } from "../../lib/core/call-budget.ts";
import { DetailType } from "../../lib/core/wire.ts";
import { CircuitBreaker } from "../../lib/runtime/circuit/breaker.ts";
import { systemClock } from "../../lib/runtime/circuit/clock.ts";
import { BatonRuntimeError } from "../../lib/runtime/errors.ts";
import { type EventPublisher, RecordingPublisher } from "../../lib/runtime/events.ts";
import { MAX_RESPONSE_BYTES } from "../../lib/runtime/http/body.ts";
import { createGuardedFetch } from "../../lib/runtime/http/guarded-fetch.ts";
import { quietLogger } from "../../lib/runtime/logger.ts";
import { Balancer } from "../../lib/runtime/registry/balancer.ts";
import { InMemoryRegistryStore } from "../../lib/runtime/registry/memory-store.ts";
import { EnvSecretResolver } from "../../lib/runtime/registry/secret-headers.ts";
import { refuseAddress } from "../../lib/runtime/registry/url-policy.ts";
import {
  callService,
  PAUSE_READ_MS,
  type ServiceCallDeps,
} from "../../lib/runtime/service-call.ts";
import {
  allowLoopbackUrls,
  callRequest,
  json,
  type Route,
  serviceEntry,
  slow,
  startServer,
  type TestServer,
  text,
} from "./test-server.ts";

allowLoopbackUrls();

const SECRET = "hunter2-correct-horse-battery";

let server: TestServer;
let store: InMemoryRegistryStore;
let events: RecordingPublisher;
let deps: ServiceCallDeps;

beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

beforeEach(async () => {
  server.requests.length = 0;
  server.handle(json(200, { ok: true }));
  store = new InMemoryRegistryStore();
  events = new RecordingPublisher();
  deps = {
    registry: store,
    circuit: new CircuitBreaker({ store, events, logger: quietLogger }),
    events,
    secrets: new EnvSecretResolver({ BATON_SECRET_INVENTORY_KEY: SECRET }),
    clock: systemClock,
    balancer: new Balancer(),
  };
  await store.putService(
    serviceEntry({
      instances: [{ id: "inventory-a", url: server.url, weight: 1 }],
      headers: { authorization: "Bearer {{ secret:inventory-key }}" },
    }),
  );
});

async function failure(run: Promise<unknown>): Promise<BatonRuntimeError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof BatonRuntimeError) return error;
  throw new Error(`expected a BatonRuntimeError, got ${String(error)}`);
}

/** Every text Baton keeps about the attempt: the error (its Cause JSON) and the events' details. */
const everythingWritten = (error: BatonRuntimeError) =>
  [error.message, error.reason, String(error.stack), JSON.stringify(events.events)].join("\n");

describe("no secret in any output", () => {
  it("fails when a service echoes the API key: error, cause and events carry [REDACTED]", async () => {
    // Prepare
    server.handle(json(401, { error: `invalid API key ${SECRET}, check your settings` }));

    // Act
    const error = await failure(callService(callRequest(), deps));

    // Assess
    expect(error.reason).toBe("HTTP 401: invalid API key [REDACTED], check your settings");
    expect(events.ofType(DetailType.StepFailed)).toHaveLength(1);
    expect(everythingWritten(error)).not.toContain("hunter2");
  });

  it("fails when the key sits where the excerpt is cut: no prefix of it survives", async () => {
    // Prepare: the secret straddles the 200-character cut of the excerpt.
    server.handle(text(403, `${"x".repeat(185)} ${SECRET} tail`));

    // Act
    const error = await failure(callService(callRequest(), deps));

    // Assess
    expect(everythingWritten(error)).not.toContain("hunter2");
    expect(error.reason.length).toBeLessThanOrEqual("HTTP 403: ".length + 200);
  });

  it("fails when the secret cannot be sent as a header: the error quotes it redacted", async () => {
    // Prepare: a value no HTTP header may carry; the transport's error names the value.
    const secrets = new EnvSecretResolver({ BATON_SECRET_INVENTORY_KEY: `${SECRET}\r\nx: y` });

    // Act
    const error = await failure(callService(callRequest(), { ...deps, secrets }));

    // Assess
    expect(error.reason).toContain("[REDACTED]");
    expect(everythingWritten(error)).not.toContain("hunter2");
    expect(server.requests).toHaveLength(0);
  });

  it("fails when a service echoes credential shapes Baton never sent: they are masked", async () => {
    server.handle(json(400, { message: "bad token sk-proj-AbC123dEf456GhI789, try again" }));

    const error = await failure(callService(callRequest(), deps));

    expect(error.reason).toBe("HTTP 400: bad token [REDACTED], try again");
  });
});

describe("no way inside", () => {
  it("fails when the host now resolves to the metadata address (DNS rebinding): nothing is sent", async () => {
    // Prepare: registered as a name; at call time DNS answers 169.254.169.254.
    await store.putService(
      serviceEntry({
        instances: [{ id: "inventory-a", url: "http://inventory.example:8080", weight: 1 }],
      }),
    );
    const rebound = createGuardedFetch({
      check: () => (address) => refuseAddress(address, { allowPrivate: true }),
      resolve: (_host, callback) => callback(null, [{ address: "169.254.169.254", family: 4 }]),
    });

    // Act
    const error = await failure(callService(callRequest(), { ...deps, fetch: rebound }));

    // Assess
    expect([error.name, error.retryable]).toEqual(["Baton.ClientError", false]);
    expect(error.reason).toContain(
      "was refused before connecting: host inventory.example resolved to 169.254.169.254, a cloud metadata address",
    );
  });
});

describe("response bodies are capped", () => {
  it("accepts a 2xx body of exactly the cap", async () => {
    // A JSON string of n characters is n + 2 bytes.
    server.handle(json(200, "a".repeat(MAX_RESPONSE_BYTES - 2)));
    const result = await callService(callRequest(), deps);
    expect(typeof result.body === "string" && result.body.length).toBe(MAX_RESPONSE_BYTES - 2);
  });

  it.each([
    ["a declared length", json(200, "a".repeat(MAX_RESPONSE_BYTES))],
    ["a chunked body", chunked(200, MAX_RESPONSE_BYTES + 1)],
  ])(
    "fails when a 2xx body with %s is over 200 KiB: OutputInvalid, not retried",
    async (_how, route) => {
      // Prepare
      server.handle(route);

      // Act
      const error = await failure(callService(callRequest(), deps));

      // Assess
      expect([error.name, error.retryable, error.status]).toEqual([
        "Baton.OutputInvalid",
        false,
        200,
      ]);
      expect(error.reason).toContain(
        `${MAX_RESPONSE_BYTES} bytes, the most a step result may hold`,
      );
    },
  );

  it("fails when a compressed 2xx body decodes to more than 200 KiB (a zip bomb stays bounded)", async () => {
    // Prepare: 50 MB of zeros, a few KB compressed.
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024));
    server.handle((_request, response) => {
      response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      response.end(bomb);
    });

    // Act
    const error = await failure(callService(callRequest(), deps));

    // Assess
    expect([error.name, error.retryable]).toEqual(["Baton.OutputInvalid", false]);
    expect(error.reason).toContain("more than 204800 bytes");
  });

  it("fails when the connection drops in the middle of the body: a retryable error, no crash", async () => {
    server.handle((_request, response) => {
      response.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      response.write('{"partial":');
      setTimeout(() => response.socket?.destroy(), 20);
    });

    const error = await failure(callService(callRequest(), deps));

    expect([error.name, error.retryable]).toEqual(["Baton.ServiceError", true]);
  });

  it("fails when an error body is huge: only an excerpt is read and kept", async () => {
    server.handle(chunked(500, 20 * 1024 * 1024));

    const error = await failure(callService(callRequest(), deps));

    expect([error.name, error.reason.length <= "HTTP 500: ".length + 200]).toEqual([
      "Baton.ServiceError",
      true,
    ]);
  });
});

describe("the handler returns inside its time budget", () => {
  const STEP_SECONDS = 1;
  const MARGIN_MS = 1_500; // scheduling on a loaded machine

  it("fails when the registry lookup outlasts its allowance and the step timeout: nothing is sent", async () => {
    // Prepare: the registry answers after 5 s.
    const slowRegistry = {
      getService: (name: string) => delay(5_000).then(() => store.getService(name)),
    };
    const started = Date.now();

    // Act
    const error = await failure(
      callService(callRequest({ timeout: STEP_SECONDS }), { ...deps, registry: slowRegistry }),
    );

    // Assess
    expect(Date.now() - started).toBeLessThan(
      PREPARE_MS + STEP_SECONDS * 1000 + REPORT_MS + MARGIN_MS,
    );
    expect([error.name, error.retryable]).toEqual(["Baton.ServiceError", true]);
    expect(error.reason).toContain(
      "The registry lookup did not finish within the attempt's time budget, so no request was sent",
    );
    expect(server.requests).toHaveLength(0);
  });

  it("returns the result by its deadline when event publishing hangs", async () => {
    // Prepare: the bus never answers.
    const hung: EventPublisher = { publish: () => new Promise(() => {}) };
    const started = Date.now();

    // Act
    const result = await callService(callRequest({ timeout: STEP_SECONDS }), {
      ...deps,
      events: hung,
    });

    // Assess
    expect(result.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(STEP_SECONDS * 1000 + REPORT_MS + MARGIN_MS);
    expect(server.requests).toHaveLength(1);
  });

  it("gives the request its whole step timeout when the circuit store is slow", async () => {
    // Prepare: every circuit read and write takes 400 ms; the service never answers in time.
    const slowCircuit = new CircuitBreaker({
      store: {
        readCircuit: (s) => delay(400).then(() => store.readCircuit(s)),
        writeCircuit: (s, n, v) => delay(400).then(() => store.writeCircuit(s, n, v)),
        countCalls: (s, b, n, f) => delay(400).then(() => store.countCalls(s, b, n, f)),
        readCalls: (s) => delay(400).then(() => store.readCalls(s)),
      },
      events,
      logger: quietLogger,
    });
    let sentAt = 0;
    server.handle((request, response) => {
      sentAt = Date.now();
      slow(10_000, json(200, {}))(request, response);
    });
    const started = Date.now();

    // Act
    const error = await failure(
      callService(callRequest({ timeout: STEP_SECONDS }), { ...deps, circuit: slowCircuit }),
    );

    // Assess: the 400 ms read came before the request and did not shorten its 1 s; the handler
    // still returned inside its budget.
    const aborted = Date.now();
    expect(error.name).toBe("Baton.Timeout");
    expect(sentAt - started).toBeGreaterThanOrEqual(350);
    expect(aborted - sentAt).toBeGreaterThanOrEqual(STEP_SECONDS * 1000 - 50);
    expect(aborted - started).toBeLessThan(
      PREPARE_MS + STEP_SECONDS * 1000 + REPORT_MS + MARGIN_MS,
    );
  });

  it("takes lookups slower than PREPARE_MS out of the request's time, never the deadline's", async () => {
    // Prepare: the registry answers after PREPARE_MS + 500 ms; the service never answers in time.
    const slowRegistry = {
      getService: (name: string) => delay(PREPARE_MS + 500).then(() => store.getService(name)),
    };
    let sentAt = 0;
    server.handle((request, response) => {
      sentAt = Date.now();
      slow(10_000, json(200, {}))(request, response);
    });
    const started = Date.now();

    // Act
    const error = await failure(
      callService(callRequest({ timeout: STEP_SECONDS }), { ...deps, registry: slowRegistry }),
    );

    // Assess: aborted at start + PREPARE_MS + the step timeout, 500 ms early for the request.
    const aborted = Date.now();
    expect(error.name).toBe("Baton.Timeout");
    expect(aborted - started).toBeGreaterThanOrEqual(PREPARE_MS + STEP_SECONDS * 1000 - 50);
    expect(aborted - sentAt).toBeLessThan(STEP_SECONDS * 1000 - 200);
    expect(aborted - started).toBeLessThan(
      PREPARE_MS + STEP_SECONDS * 1000 + REPORT_MS + MARGIN_MS,
    );
  });

  it("does not wait for a slow pause flag: after PAUSE_READ_MS the call goes on as not paused", async () => {
    // Prepare: the pause flag takes 10 s to read (a store slowed by load).
    const slowPauses = {
      get: () => delay(10_000).then(() => ({ paused: true, bounces: {} })),
      set: async () => ({ paused: false, bounces: {} }),
      bounce: async () => {},
    } as unknown as NonNullable<ServiceCallDeps["pauses"]>;
    const started = Date.now();

    // Act
    const result = await callService(callRequest({ timeout: STEP_SECONDS }), {
      ...deps,
      pauses: slowPauses,
    });

    // Assess: sent once, well inside the budget (the flag is a request, not a safety rule).
    expect([result.status, server.requests.length]).toEqual([200, 1]);
    expect(Date.now() - started).toBeLessThan(PAUSE_READ_MS + MARGIN_MS);
  });

  it("fits the Lambda's remaining time: the request is aborted REPORT_MS before it runs out", async () => {
    server.handle(slow(10_000, json(200, {})));
    const started = Date.now();

    const error = await failure(
      callService(callRequest({ timeout: 30 }), deps, { remainingMs: REPORT_MS + 1_000 }),
    );

    expect(error.name).toBe("Baton.Timeout");
    expect(Date.now() - started).toBeLessThan(REPORT_MS + 1_000 + MARGIN_MS);
  });

  it("fails when the Lambda has no time left for a request: nothing is sent", async () => {
    const error = await failure(callService(callRequest(), deps, { remainingMs: 500 }));

    expect([error.name, server.requests.length]).toEqual(["Baton.ServiceError", 0]);
    // On a loaded machine the registry or circuit lookup can use up what little time there is
    // first: refused before the request either way, and the reason says so.
    expect(error.reason).toMatch(/No time was left to send the request|no request was sent/);
  });

  it("publishes Step Started and Step Succeeded when nothing is slow", async () => {
    await callService(callRequest(), deps);
    expect(events.detailTypes()).toEqual([DetailType.StepStarted, DetailType.StepSucceeded]);
  });
});

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A body of `bytes` bytes written in 64 KiB chunks, without a declared length. */
function chunked(status: number, bytes: number): Route {
  return (_request, response) => {
    response.writeHead(status, { "content-type": "text/plain" });
    const chunk = Buffer.alloc(64 * 1024, 97);
    let left = bytes;
    const write = (): void => {
      while (left > 0 && !response.destroyed) {
        const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= part.length;
        if (!response.write(part)) {
          response.once("drain", write);
          return;
        }
      }
      if (left <= 0) response.end();
    };
    write();
  };
}
