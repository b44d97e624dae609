/**
 * X-Ray subsegments sent to a daemon (a UDP socket here): service requests with the traceparent the
 * service receives, and AWS SDK calls (a real DynamoDB client against a local HTTP endpoint).
 */
import { createSocket, type Socket } from "node:dgram";
import type { AddressInfo } from "node:net";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  parseTraceHeader,
  type TraceHeader,
  traceSdkClient,
  w3cTraceId,
  XRayCallTracer,
  XRayEmitter,
} from "../../../lib/runtime/aws/xray.ts";
import { CircuitBreaker } from "../../../lib/runtime/circuit/breaker.ts";
import { ManualClock } from "../../../lib/runtime/circuit/clock.ts";
import { RecordingPublisher } from "../../../lib/runtime/events.ts";
import { traceIdOf } from "../../../lib/runtime/http/trace.ts";
import { quietLogger } from "../../../lib/runtime/logger.ts";
import { toDocument } from "../../../lib/runtime/records/derive.ts";
import { observe } from "../../../lib/runtime/records/observe.ts";
import { merge, type RecordState } from "../../../lib/runtime/records/state.ts";
import { Balancer } from "../../../lib/runtime/registry/balancer.ts";
import { InMemoryRegistryStore } from "../../../lib/runtime/registry/memory-store.ts";
import { EnvSecretResolver } from "../../../lib/runtime/registry/secret-headers.ts";
import { callService, type ServiceCallDeps } from "../../../lib/runtime/service-call.ts";
import {
  allowLoopbackUrls,
  callRequest,
  json,
  serviceEntry,
  startServer,
  type TestServer,
  text,
} from "../test-server.ts";

allowLoopbackUrls();

const ROOT = "1-5759e988-bd862e3fe1be46a994272793";
const PARENT = "53995c3f42cd8ad8";

let daemon: Socket;
let packets: Record<string, unknown>[];
let emitter: XRayEmitter;
let server: TestServer;

beforeAll(async () => {
  daemon = createSocket("udp4");
  daemon.on("message", (message) => {
    const [header, body] = message.toString("utf8").split("\n");
    expect(header).toBe('{"format": "json", "version": 1}');
    packets.push(JSON.parse(body ?? "{}") as Record<string, unknown>);
  });
  await new Promise<void>((resolve) => daemon.bind(0, "127.0.0.1", resolve));
  emitter = new XRayEmitter(`127.0.0.1:${(daemon.address() as AddressInfo).port}`);
  server = await startServer();
});
afterAll(async () => {
  daemon.close();
  await server.close();
});
beforeEach(() => {
  packets = [];
  server.requests.length = 0;
});

/** Waits until `count` packets arrived (UDP on loopback: a few ms, generous for a loaded machine). */
async function received(count: number): Promise<Record<string, unknown>[]> {
  const until = Date.now() + 10_000;
  while (packets.length < count && Date.now() < until)
    await new Promise((resolve) => setTimeout(resolve, 10));
  return packets;
}

async function depsWith(trace: TraceHeader | undefined): Promise<ServiceCallDeps> {
  const clock = new ManualClock();
  const store = new InMemoryRegistryStore({ clock });
  const events = new RecordingPublisher();
  await store.putService(
    serviceEntry({ instances: [{ id: "inventory-a", url: server.url, weight: 1 }] }),
  );
  return {
    registry: store,
    circuit: new CircuitBreaker({ store, events, clock, logger: quietLogger }),
    events,
    secrets: new EnvSecretResolver({}),
    clock,
    balancer: new Balancer(),
    tracer: new XRayCallTracer(emitter, () => trace),
  };
}

describe("trace headers", () => {
  it("reads Lambda's header and turns the root into a W3C trace id", () => {
    expect(parseTraceHeader(`Root=${ROOT};Parent=${PARENT};Sampled=1`)).toStrictEqual({
      root: ROOT,
      parent: PARENT,
      sampled: true,
    });
    expect(w3cTraceId(ROOT)).toBe("5759e988bd862e3fe1be46a994272793");
    expect([parseTraceHeader(undefined), parseTraceHeader("Root=nonsense")]).toStrictEqual([
      undefined,
      undefined,
    ]);
  });
});

describe("service requests as subsegments", () => {
  it("sends the X-Ray trace id in traceparent and the request as a subsegment of the invocation", async () => {
    // Prepare
    server.handle(json(201, { id: "r-1" }));
    const deps = await depsWith({ root: ROOT, parent: PARENT, sampled: true });

    // Act
    await callService(callRequest({ query: { token: "x" } }), deps);

    // Assess
    const traceparent = String(server.requests[0]?.headers.traceparent);
    expect(traceparent).toMatch(/^00-5759e988bd862e3fe1be46a994272793-[0-9a-f]{16}-01$/);
    const [segment] = await received(1);
    expect(segment).toMatchObject({
      type: "subsegment",
      trace_id: ROOT,
      parent_id: PARENT,
      id: traceparent.split("-")[2],
      name: "inventory",
      namespace: "remote",
      http: {
        request: { method: "POST", url: `${server.url}/reservations` },
        response: { status: 201 },
      },
    });
    expect(segment?.fault).toBeUndefined();
    expect(Number(segment?.end_time)).toBeGreaterThanOrEqual(Number(segment?.start_time));
  });

  it("records in the execution document the trace id the service received", async () => {
    // Prepare
    server.handle(json(201, { id: "r-1" }));
    const deps = await depsWith({ root: ROOT, parent: PARENT, sampled: false });

    // Act
    await callService(callRequest(), deps);
    let state: RecordState = { id: "exec-1" };
    for (const event of (deps.events as RecordingPublisher).events) {
      const observation = observe({ ...event, "detail-type": event.detailType });
      if (observation.kind === "observed") state = merge(state, observation.delta);
    }

    // Assess
    const received = String(server.requests[0]?.headers.traceparent).split("-")[1];
    expect([received, toDocument(state).traceId]).toStrictEqual([
      w3cTraceId(ROOT),
      w3cTraceId(ROOT),
    ]);
    expect(w3cTraceId(ROOT)).not.toBe(traceIdOf("exec-1"));
  });

  it("marks a 5xx answer as a fault", async () => {
    // Prepare
    server.handle(text(503, "down"));
    const deps = await depsWith({ root: ROOT, parent: PARENT, sampled: true });

    // Act
    await callService(callRequest(), deps).catch(() => undefined);

    // Assess
    const [segment] = await received(1);
    expect(segment).toMatchObject({ fault: true, http: { response: { status: 503 } } });
  });

  it("sends no subsegment for an unsampled trace, and still passes the trace on unsampled", async () => {
    // Prepare
    server.handle(json(200, {}));
    const deps = await depsWith({ root: ROOT, parent: PARENT, sampled: false });

    // Act
    await callService(callRequest(), deps);
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Assess
    expect(String(server.requests[0]?.headers.traceparent)).toMatch(
      /^00-5759e988bd862e3fe1be46a994272793-[0-9a-f]{16}-00$/,
    );
    expect(packets).toStrictEqual([]);
  });

  it("falls back to the execution's derived trace without an active trace (baton dev)", async () => {
    // Prepare
    server.handle(json(200, {}));
    const deps = await depsWith(undefined);

    // Act
    await callService(callRequest(), deps);

    // Assess
    expect(String(server.requests[0]?.headers.traceparent)).not.toContain(
      "5759e988bd862e3fe1be46a994272793",
    );
    expect(String(server.requests[0]?.headers.traceparent)).toMatch(/^00-[0-9a-f]{32}-/);
  });
});

describe("AWS SDK calls as subsegments", () => {
  it("records the service, operation, table and status of each call", async () => {
    // Prepare: a DynamoDB endpoint that answers every request with an empty item.
    const dynamo = await startServer((_request, response) => {
      response.writeHead(200, {
        "content-type": "application/x-amz-json-1.0",
        "x-amzn-requestid": "req-123",
      });
      response.end("{}");
    });
    const client = traceSdkClient(
      new DynamoDBClient({
        endpoint: dynamo.url,
        region: "eu-west-1",
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
      }),
      emitter,
      () => ({ root: ROOT, parent: PARENT, sampled: true }),
    );

    // Act
    await client.send(new GetItemCommand({ TableName: "baton-dev-registry", Key: {} }));
    await dynamo.close();

    // Assess
    const [segment] = await received(1);
    expect(segment).toMatchObject({
      name: "DynamoDB",
      namespace: "aws",
      trace_id: ROOT,
      parent_id: PARENT,
      aws: { operation: "GetItem", table_name: "baton-dev-registry", request_id: "req-123" },
      http: { response: { status: 200 } },
    });
  });
});
