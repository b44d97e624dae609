/**
 * The service-call handler resolves a call's templates (WORKFLOWS.md v2, "Defaults and missing
 * values"), applies `select`, and tells an uncertain network failure from one before sending.
 */
import { createServer, type Socket } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DetailType } from "../../lib/core/wire.ts";
import { CircuitBreaker } from "../../lib/runtime/circuit/breaker.ts";
import { ManualClock } from "../../lib/runtime/circuit/clock.ts";
import { BatonRuntimeError } from "../../lib/runtime/errors.ts";
import { RecordingPublisher } from "../../lib/runtime/events.ts";
import { quietLogger } from "../../lib/runtime/logger.ts";
import { Balancer } from "../../lib/runtime/registry/balancer.ts";
import { InMemoryRegistryStore } from "../../lib/runtime/registry/memory-store.ts";
import { EnvSecretResolver } from "../../lib/runtime/registry/secret-headers.ts";
import { callService, type ServiceCallDeps } from "../../lib/runtime/service-call.ts";
import {
  allowLoopbackUrls,
  callRequest,
  json,
  serviceEntry,
  startServer,
  type TestServer,
} from "./test-server.ts";

allowLoopbackUrls();

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
  server.handle(json(201, { id: "r-1", items: [1, 2] }));
  const clock = new ManualClock();
  store = new InMemoryRegistryStore({ clock });
  events = new RecordingPublisher();
  deps = {
    registry: store,
    circuit: new CircuitBreaker({ store, events, clock, logger: quietLogger }),
    events,
    secrets: new EnvSecretResolver({}),
    clock,
    balancer: new Balancer(),
  };
  await store.putService(
    serviceEntry({ instances: [{ id: "inventory-a", url: server.url, weight: 1 }] }),
  );
});

async function failure(request: Parameters<typeof callService>[0]): Promise<BatonRuntimeError> {
  try {
    await callService(request, deps);
  } catch (error) {
    if (error instanceof BatonRuntimeError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

describe("callService templates", () => {
  it("resolves templates in path, query, headers and body from the data the Task sends", async () => {
    // Prepare
    const request = callRequest({
      path: "/orders/{{ steps.reserve.body.id }}",
      query: { tier: "{{ input.tier ?? 'basic' }}" },
      headers: { "x-order": "o-{{ input.orderId }}" },
      body: { orderId: "{{ input.orderId }}", n: "{{ input.n }}", item: "{{ item }}" },
      data: {
        input: { orderId: "o-1", n: 2 },
        outer: { reserve: { body: { id: "r-9" } } },
        item: null,
      },
    });

    // Act
    await callService(request, deps);

    // Assess
    const sent = server.requests[0];
    expect([sent?.url, sent?.headers["x-order"], sent?.body]).toEqual([
      "/orders/r-9?tier=basic",
      "o-o-1",
      JSON.stringify({ orderId: "o-1", n: 2, item: null }),
    ]);
  });

  it("fails with Baton.TemplateError naming the step and path, and sends nothing", async () => {
    const request = callRequest({
      body: { coupon: "{{ input.coupon }}" },
      data: { input: { orderId: "o-1" } },
    });

    const error = await failure(request);

    expect([error.name, error.retryable, error.step, server.requests.length]).toEqual([
      "Baton.TemplateError",
      false,
      "reserve",
      0,
    ]);
    expect(error.reason).toContain("{{ input.coupon }} at /body/coupon reads an absent value");
    expect(events.detailTypes()).toEqual([DetailType.StepStarted, DetailType.StepFailed]);
  });

  it("keeps only the selected part as the body", async () => {
    const result = await callService(callRequest({ select: "body.items" }), deps);

    expect(result.body).toEqual([1, 2]);
  });

  it("fails with Baton.OutputInvalid when the response lacks the selected part", async () => {
    const error = await failure(callRequest({ select: "body.lines" }));

    expect([error.name, error.retryable, server.requests.length]).toEqual([
      "Baton.OutputInvalid",
      false,
      1,
    ]);
  });
});

describe("callService network failures", () => {
  it("fails with Baton.ConnectionLost when the connection resets after the request was sent", async () => {
    // Prepare: a server that reads the request, then resets the connection without answering.
    const sockets = new Set<Socket>();
    const reset = createServer((socket) => {
      sockets.add(socket);
      socket.once("data", () => socket.resetAndDestroy());
    });
    await new Promise<void>((resolve) => reset.listen(0, "127.0.0.1", resolve));
    const address = reset.address();
    const port = typeof address === "object" && address ? address.port : 0;
    await store.putService(
      serviceEntry({ instances: [{ id: "flaky", url: `http://127.0.0.1:${port}`, weight: 1 }] }),
    );

    // Act
    const error = await failure(callRequest());
    reset.close();

    // Assess
    expect([error.name, error.retryable, error.instance]).toEqual([
      "Baton.ConnectionLost",
      true,
      "flaky",
    ]);
  });
});
