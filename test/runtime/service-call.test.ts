import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DetailType } from "../../lib/core/wire.ts";
import { CircuitBreaker } from "../../lib/runtime/circuit/breaker.ts";
import { ManualClock } from "../../lib/runtime/circuit/clock.ts";
import { BatonRuntimeError } from "../../lib/runtime/errors.ts";
import { RecordingPublisher } from "../../lib/runtime/events.ts";
import { traceIdOf } from "../../lib/runtime/http/trace.ts";
import { quietLogger } from "../../lib/runtime/logger.ts";
import { Balancer } from "../../lib/runtime/registry/balancer.ts";
import { ServiceCache } from "../../lib/runtime/registry/cache.ts";
import { InMemoryRegistryStore } from "../../lib/runtime/registry/memory-store.ts";
import { EnvSecretResolver } from "../../lib/runtime/registry/secret-headers.ts";
import { callService, type ServiceCallDeps } from "../../lib/runtime/service-call.ts";
import {
  allowLoopbackUrls,
  callRequest,
  closedPort,
  json,
  serviceEntry,
  slow,
  startServer,
  type TestServer,
  text,
} from "./test-server.ts";

allowLoopbackUrls();

let server: TestServer;
let store: InMemoryRegistryStore;
let events: RecordingPublisher;
let clock: ManualClock;
let deps: ServiceCallDeps;

beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

beforeEach(async () => {
  server.requests.length = 0;
  server.handle(json(201, { id: "r-1" }));
  clock = new ManualClock();
  store = new InMemoryRegistryStore({ clock });
  events = new RecordingPublisher();
  deps = {
    registry: store,
    circuit: new CircuitBreaker({ store, events, clock, logger: quietLogger }),
    events,
    secrets: new EnvSecretResolver({ BATON_SECRET_INVENTORY_KEY: "k-123" }),
    clock,
    balancer: new Balancer(),
  };
  await store.putService(
    serviceEntry({
      instances: [{ id: "inventory-a", url: server.url, weight: 1 }],
      headers: { "x-api-key": "{{ secret:inventory-key }}", "x-team": "shop" },
      circuit: {
        failureRateThreshold: 50,
        minimumCalls: 3,
        windowSeconds: 30,
        cooldownSeconds: 30,
      },
    }),
  );
});

/** Runs the call and returns the error it threw. */
async function failure(request = callRequest()): Promise<BatonRuntimeError> {
  try {
    await callService(request, deps);
  } catch (error) {
    if (error instanceof BatonRuntimeError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

describe("callService against a real HTTP server", () => {
  it("returns status, headers, JSON body and instance on 2xx", async () => {
    // Prepare
    const request = callRequest();

    // Act
    const result = await callService(request, deps);

    // Assess
    expect({
      status: result.status,
      body: result.body,
      instance: result.instance,
      attempt: result.attempt,
    }).toEqual({
      status: 201,
      body: { id: "r-1" },
      instance: "inventory-a",
      attempt: 1,
    });
    expect(result.headers["content-type"]).toEqual("application/json");
    expect(server.requests[0]?.body).toEqual(JSON.stringify({ sku: "A-1", quantity: 2 }));
    expect(server.requests[0]?.url).toEqual("/reservations");
  });

  it("sends idempotency, trace, Baton and resolved secret headers", async () => {
    // Prepare
    const request = callRequest({ headers: { "x-request": "r", "x-number": 7 } });

    // Act
    await callService(request, deps);

    // Assess
    const headers = server.requests[0]?.headers ?? {};
    expect({
      idempotency: headers["idempotency-key"],
      execution: headers["x-baton-execution"],
      step: headers["x-baton-step"],
      apiKey: headers["x-api-key"],
      team: headers["x-team"],
      request: headers["x-request"],
      number: headers["x-number"],
      contentType: headers["content-type"],
    }).toEqual({
      idempotency: "exec-1:reserve",
      execution: "exec-1",
      step: "reserve",
      apiKey: "k-123",
      team: "shop",
      request: "r",
      number: "7",
      contentType: "application/json",
    });
    expect(headers.traceparent).toMatch(new RegExp(`^00-${traceIdOf("exec-1")}-[0-9a-f]{16}-01$`));
  });

  it("lets the step's own Idempotency-Key replace the default, but not the trace headers", async () => {
    // Prepare
    const request = callRequest({
      headers: { "Idempotency-Key": "charge-o-1", traceparent: "00-forged-forged-01" },
    });

    // Act
    await callService(request, deps);

    // Assess
    const headers = server.requests[0]?.headers ?? {};
    expect(headers["idempotency-key"]).toEqual("charge-o-1");
    expect(headers.traceparent).not.toEqual("00-forged-forged-01");
    expect(headers["x-baton-step"]).toEqual("reserve");
  });

  it("sends the forward key plus :undo as the idempotency key of a compensation", async () => {
    // Prepare
    const request = callRequest({
      mode: "compensate",
      method: "DELETE",
      path: "/reservations/r-1",
    });

    // Act
    await callService(request, deps);

    // Assess
    expect(server.requests[0]?.headers["idempotency-key"]).toEqual("exec-1:reserve:undo");
    expect(events.detailTypes()).toEqual([DetailType.StepStarted, DetailType.StepCompensated]);
  });

  it("appends query parameters and returns a text body as a string", async () => {
    // Prepare
    server.handle(text(200, "plain"));
    const request = callRequest({
      method: "GET",
      path: "/items",
      query: { tag: ["a", "b"], limit: 5 },
    });

    // Act
    const result = await callService(request, deps);

    // Assess
    expect(result.body).toEqual("plain");
    expect(server.requests[0]?.url).toEqual("/items?tag=a&tag=b&limit=5");
    expect(server.requests[0]?.body).toEqual("");
  });

  it("fails with a non-retryable ClientError on 404, with status, instance and attempt in the cause", async () => {
    // Prepare
    server.handle(json(404, { detail: "no such sku" }));

    // Act
    const error = await failure();

    // Assess
    expect({
      name: error.name,
      retryable: error.retryable,
      cause: JSON.parse(error.message),
    }).toEqual({
      name: "Baton.ClientError",
      retryable: false,
      cause: {
        message: "HTTP 404: no such sku",
        step: "reserve",
        status: 404,
        instance: "inventory-a",
        attempt: 1,
      },
    });
  });

  it("fails with a retryable ServiceError on 500", async () => {
    // Prepare
    server.handle(text(500, "boom"));

    // Act
    const error = await failure();

    // Assess
    expect([error.name, error.retryable, error.status, error.reason]).toEqual([
      "Baton.ServiceError",
      true,
      500,
      "HTTP 500: boom",
    ]);
  });

  it("fails with ServiceError on 429 and on 408", async () => {
    // Prepare
    server.handle(json(429, { message: "slow down" }));

    // Act
    const tooMany = await failure();
    server.handle(json(408, {}));
    const timeout = await failure();

    // Assess
    expect([tooMany.name, tooMany.status, timeout.name, timeout.status]).toEqual([
      "Baton.ServiceError",
      429,
      "Baton.ServiceError",
      408,
    ]);
  });

  it("fails with Timeout when the response is slower than the attempt timeout", async () => {
    // Prepare
    server.handle(slow(2_000, json(200, {})));

    // Act
    const error = await failure(callRequest({ timeout: 0.2 }));

    // Assess
    expect([error.name, error.retryable, error.instance]).toEqual([
      "Baton.Timeout",
      true,
      "inventory-a",
    ]);
  });

  it("aborts the request when the caller's signal aborts (a cancel) and fails with Baton.Cancelled", async () => {
    // Prepare
    server.handle(slow(5_000, json(200, {})));
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);

    // Act
    const error = await callService(callRequest({ timeout: 30 }), deps, {
      signal: controller.signal,
    }).then(
      () => {
        throw new Error("expected the call to fail");
      },
      (caught: unknown) => caught as BatonRuntimeError,
    );

    // Assess
    expect([error.name, error.retryable, Date.now() - started < 4_000]).toEqual([
      "Baton.Cancelled",
      false,
      true,
    ]);
    expect(error.reason).toMatch(/aborted because the execution was cancelled/);
    // Nothing counted against (or for) the service's circuit.
    expect(await store.readCalls("inventory")).toEqual([]);
    expect(events.events.at(-1)?.detailType).toEqual(DetailType.StepFailed);
  });

  it("fails with ServiceError when the connection is refused", async () => {
    // Prepare
    const port = await closedPort();
    await store.putService(
      serviceEntry({ instances: [{ id: "gone", url: `http://127.0.0.1:${port}`, weight: 1 }] }),
    );

    // Act
    const error = await failure();

    // Assess
    expect([
      error.name,
      error.reason.endsWith("failed: connection refused."),
      error.instance,
    ]).toEqual(["Baton.ServiceError", true, "gone"]);
  });

  it("does not follow redirects", async () => {
    // Prepare
    server.handle(json(302, {}, { location: "http://169.254.169.254/latest/meta-data" }));

    // Act
    const error = await failure();

    // Assess
    expect([error.name, error.status, server.requests.length]).toEqual([
      "Baton.ClientError",
      302,
      1,
    ]);
  });

  it("keeps a path that looks like another host on the instance", async () => {
    // Prepare
    const request = callRequest({ method: "GET", path: "//evil.example/x" });

    // Act
    const result = await callService(request, deps);

    // Assess
    expect([result.instance, server.requests[0]?.url]).toEqual(["inventory-a", "//evil.example/x"]);
  });

  it("fails with UnknownService when the service is not registered", async () => {
    // Act
    const error = await failure(callRequest({ service: "nope" }));

    // Assess
    expect([error.name, error.retryable, error.step]).toEqual([
      "Baton.UnknownService",
      false,
      "reserve",
    ]);
  });

  it("fails with NoHealthyInstance when every instance is down", async () => {
    // Prepare
    await store.setInstanceHealth("inventory", "inventory-a", {
      healthy: false,
      consecutiveFailures: 2,
      consecutiveSuccesses: 0,
      lastCheckedAt: 1,
      lastReason: "HTTP 503",
    });

    // Act
    const error = await failure();

    // Assess
    expect([error.name, error.retryable, server.requests.length]).toEqual([
      "Baton.NoHealthyInstance",
      true,
      0,
    ]);
  });

  it("fails with ClientError when a secret header cannot be resolved", async () => {
    // Prepare
    deps = { ...deps, secrets: new EnvSecretResolver({}) };

    // Act
    const error = await failure();

    // Assess
    expect([error.name, error.reason, server.requests.length]).toEqual([
      "Baton.ClientError",
      "Secret inventory-key is not set; define BATON_SECRET_INVENTORY_KEY.",
      0,
    ]);
  });

  it("fails with ClientError on a malformed request without calling anything", async () => {
    // Prepare
    const request = { ...callRequest(), method: "BREW", attempt: "1" } as unknown as ReturnType<
      typeof callRequest
    >;

    // Act
    const error = await failure(request);

    // Assess
    expect([error.name, error.reason]).toEqual([
      "Baton.ClientError",
      "Invalid service-call request: attempt must be a number; method must be one of GET, POST, PUT, PATCH, DELETE, HEAD.",
    ]);
  });

  it("opens the circuit after failureThreshold failures and then fails fast", async () => {
    // Prepare
    server.handle(text(503, "down"));
    for (let i = 0; i < 3; i += 1) await failure();
    const callsBefore = server.requests.length;

    // Act
    const error = await failure();

    // Assess
    expect([error.name, error.instance, server.requests.length, callsBefore]).toEqual([
      "Baton.CircuitOpen",
      undefined,
      3,
      3,
    ]);
    expect(events.ofType(DetailType.CircuitOpened).length).toEqual(1);
  });

  it("does not count 4xx answers against the circuit", async () => {
    // Prepare
    server.handle(json(400, {}));

    // Act
    for (let i = 0; i < 5; i += 1) await failure();

    // Assess
    expect((await store.readCircuit("inventory")).state).toEqual("CLOSED");
  });

  it("spreads calls over a flapping service's healthy instances only", async () => {
    // Prepare: instance b answers 503 every other call, a and c are fine, d is marked down.
    const other = await startServer(json(200, { from: "b" }));
    let flip = 0;
    other.handle((request, response) => {
      flip += 1;
      (flip % 2 === 0 ? text(503, "flap") : json(200, { from: "b" }))(request, response);
    });
    await store.putService(
      serviceEntry({
        instances: [
          { id: "a", url: server.url, weight: 1 },
          { id: "b", url: other.url, weight: 1 },
          { id: "c", url: server.url, weight: 1 },
          { id: "d", url: server.url, weight: 1 },
        ],
        circuit: {
          failureRateThreshold: 50,
          minimumCalls: 100,
          windowSeconds: 30,
          cooldownSeconds: 30,
        },
      }),
    );
    await store.setInstanceHealth("inventory", "d", {
      healthy: false,
      consecutiveFailures: 5,
      consecutiveSuccesses: 0,
      lastCheckedAt: 1,
      lastReason: "HTTP 503",
    });

    // Act
    const outcomes: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      try {
        outcomes.push(`${(await callService(callRequest(), deps)).instance}:ok`);
      } catch (error) {
        outcomes.push(
          `${(error as BatonRuntimeError).instance}:${(error as BatonRuntimeError).name}`,
        );
      }
    }
    await other.close();

    // Assess
    expect(outcomes).toEqual([
      "a:ok",
      "b:ok",
      "c:ok",
      "a:ok",
      "b:Baton.ServiceError",
      "c:ok",
      "a:ok",
      "b:ok",
      "c:ok",
      "a:ok",
      "b:Baton.ServiceError",
      "c:ok",
    ]);
  });

  it("publishes Step Started, Step Retried and Step Failed with the full detail", async () => {
    // Prepare
    server.handle(text(503, "busy"));

    // Act
    await failure(callRequest({ attempt: 2 }));

    // Assess
    expect(events.detailTypes()).toEqual([
      DetailType.StepStarted,
      DetailType.StepRetried,
      DetailType.StepFailed,
    ]);
    expect(events.ofType(DetailType.StepFailed)[0]?.detail).toEqual({
      executionId: "exec-1",
      workflow: "order-fulfillment",
      version: 3,
      stepId: "reserve",
      mode: "call",
      attempt: 2,
      service: "inventory",
      instance: "inventory-a",
      startedAt: new Date(clock.now()).toISOString(),
      endedAt: new Date(clock.now()).toISOString(),
      durationMs: 0,
      status: 503,
      error: { name: "Baton.ServiceError", message: "HTTP 503: busy", retryable: true },
      traceId: traceIdOf("exec-1"),
    });
    // The trace id the records keep is the one the service received.
    expect(String(server.requests[0]?.headers.traceparent).split("-")[1]).toBe(traceIdOf("exec-1"));
  });

  it("names no trace id when no request was sent", async () => {
    // Prepare
    await store.putService(serviceEntry({ instances: [] }));

    // Act
    await failure(callRequest());

    // Assess
    const detail = events.ofType(DetailType.StepFailed)[0]?.detail as Record<string, unknown>;
    expect([server.requests.length, detail.error, "traceId" in detail]).toEqual([
      0,
      expect.objectContaining({ name: "Baton.NoHealthyInstance" }),
      false,
    ]);
  });

  it("publishes Step Succeeded with status and instance", async () => {
    // Act
    await callService(callRequest(), deps);

    // Assess
    const detail = events.ofType(DetailType.StepSucceeded)[0]?.detail as Record<string, unknown>;
    expect([events.detailTypes(), detail.status, detail.instance, detail.error]).toEqual([
      [DetailType.StepStarted, DetailType.StepSucceeded],
      201,
      "inventory-a",
      null,
    ]);
  });

  it("serves lookups from the cache for its TTL", async () => {
    // Prepare
    deps = { ...deps, registry: new ServiceCache(store, { ttlMs: 5_000, clock }) };
    await callService(callRequest(), deps);
    const lookupsAfterFirst = store.calls;

    // Act
    await callService(callRequest(), deps);
    const cachedLookups = store.calls - lookupsAfterFirst;
    clock.advance(5_001);
    await callService(callRequest(), deps);

    // Assess: the circuit read and the call count still go to the store (two per call); the
    // registry lookup only after expiry.
    expect([cachedLookups, store.calls - lookupsAfterFirst]).toEqual([2, 5]);
  });

  it("fails with retryable ServiceError when the registry is unavailable", async () => {
    // Prepare
    deps = {
      ...deps,
      registry: {
        getService: () =>
          Promise.reject(
            Object.assign(new Error("Rate exceeded"), {
              name: "ProvisionedThroughputExceededException",
            }),
          ),
      },
    };

    // Act
    const error = await failure();

    // Assess
    expect([error.name, error.retryable, error.reason]).toEqual([
      "Baton.ServiceError",
      true,
      "Service registry unavailable: ProvisionedThroughputExceededException: Rate exceeded.",
    ]);
  });
});

describe("attempts in <id>#again (after an attempt whose outcome is unknown)", () => {
  const RETRY_ON = ["Baton.ServiceError", "Baton.Timeout", "Baton.ConnectionLost"];
  /** The Cause Step Functions caught from the uncertain attempt: a Lambda error envelope. */
  const causeOf = (attempt: number) =>
    JSON.stringify({
      errorType: "Baton.Timeout",
      errorMessage: JSON.stringify({ message: "took longer than 2 s", step: "reserve", attempt }),
      trace: [],
    });
  const again = (after: number, own: number) =>
    callRequest({
      attempt: own,
      again: { maxAttempts: 3, retryOn: RETRY_ON, after: causeOf(after) },
    });
  const attemptsReported = () =>
    events.events.map((e) => (e.detail as { attempt: number }).attempt);

  it("counts after the uncertain attempt and fails a retried error as Baton.RetryAgain while attempts remain", async () => {
    server.handle(json(503, {}));

    const error = await failure(again(1, 1));

    expect([error.name, JSON.parse(error.message).attempt]).toEqual(["Baton.RetryAgain", 2]);
    // The attempt itself is reported with its own error.
    expect(attemptsReported()).toEqual([2, 2, 2]);
    expect(events.events.at(-1)?.detail).toMatchObject({
      error: { name: "Baton.ServiceError" },
    });
  });

  it("fails the last allowed attempt with its own error, which #again does not retry", async () => {
    server.handle(json(503, {}));

    const error = await failure(again(2, 1));

    expect([error.name, JSON.parse(error.message).attempt]).toEqual(["Baton.ServiceError", 3]);
    expect(server.requests).toHaveLength(1);
  });

  it("makes no attempt past maxAttempts: fails with the uncertain attempt's error, nothing sent", async () => {
    const error = await failure(again(3, 1));

    expect([error.name, error.reason, JSON.parse(error.message).attempt]).toEqual([
      "Baton.Timeout",
      "took longer than 2 s",
      3,
    ]);
    expect([server.requests.length, events.events.length]).toEqual([0, 0]);
  });

  it("passes a non-retried error through under its own name", async () => {
    server.handle(json(400, {}));

    const error = await failure(again(1, 1));

    expect(error.name).toBe("Baton.ClientError");
  });
});
