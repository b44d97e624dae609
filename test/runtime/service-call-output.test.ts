/**
 * Step `output` schemas in the service-call use case: a body that does not match fails the step
 * with Baton.OutputInvalid (after one request: the handler never repeats a call that took effect),
 * and each schema is compiled once, not per call.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CircuitBreaker } from "../../lib/runtime/circuit/breaker.ts";
import { ManualClock } from "../../lib/runtime/circuit/clock.ts";
import { BatonRuntimeError } from "../../lib/runtime/errors.ts";
import { RecordingPublisher } from "../../lib/runtime/events.ts";
import { quietLogger } from "../../lib/runtime/logger.ts";
import { outputSchemaCompilations } from "../../lib/runtime/output-schema.ts";
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
let deps: ServiceCallDeps;

beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

beforeEach(async () => {
  server.requests.length = 0;
  const clock = new ManualClock();
  const store = new InMemoryRegistryStore({ clock });
  const events = new RecordingPublisher();
  deps = {
    registry: store,
    circuit: new CircuitBreaker({ store, events, clock, logger: quietLogger }),
    events,
    secrets: new EnvSecretResolver({ BATON_SECRET_INVENTORY_KEY: "k-123" }),
    clock,
    balancer: new Balancer(),
  };
  await store.putService(
    serviceEntry({ instances: [{ id: "inventory-a", url: server.url, weight: 1 }] }),
  );
});

const SCHEMA = {
  type: "object",
  required: ["id", "status"],
  properties: { id: { type: "string" }, status: { enum: ["held", "confirmed"] } },
};

async function failure(request: ReturnType<typeof callRequest>): Promise<BatonRuntimeError> {
  try {
    await callService(request, deps);
  } catch (error) {
    if (error instanceof BatonRuntimeError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

describe("callService with an output schema", () => {
  it("returns a body that matches, compiling the schema once for many calls", async () => {
    // Prepare
    server.handle(json(201, { id: "r-1", status: "held" }));
    const before = outputSchemaCompilations();
    // Act
    for (let i = 0; i < 5; i++) await callService(callRequest({ output: { ...SCHEMA } }), deps);
    // Assess
    expect(server.requests).toHaveLength(5);
    expect(outputSchemaCompilations() - before).toBe(1);
  });

  it("fails with Baton.OutputInvalid naming what is wrong, after one request", async () => {
    // Prepare
    server.handle(json(201, { id: 7, status: "lost" }));
    // Act
    const error = await failure(callRequest({ output: SCHEMA }));
    // Assess
    expect(error.name).toBe("Baton.OutputInvalid");
    expect(error.reason).toBe(
      "Step reserve: the response does not match its output schema: body/id must be string; body/status must be equal to one of the allowed values; the call took effect, so it is compensated.",
    );
    expect(server.requests).toHaveLength(1);
  });

  it("checks the selected part when the step selects one", async () => {
    // Prepare
    server.handle(json(200, { items: [{ id: "a" }] }));
    // Act
    const result = await callService(
      callRequest({ select: "body.items", output: { type: "array", minItems: 1 } }),
      deps,
    );
    // Assess
    expect(result.body).toStrictEqual([{ id: "a" }]);
  });

  it("refuses a request whose output is not an object", async () => {
    // Act
    const error = await failure(callRequest({ output: "nope" as never }));
    // Assess
    expect(error.name).toBe("Baton.ClientError");
    expect(server.requests).toHaveLength(0);
  });
});
