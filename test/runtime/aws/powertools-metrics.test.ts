/**
 * The handlers' metrics end to end: a real call through `callService`, its events metered by the
 * publisher AWS uses, flushed by the middleware as EMF lines on stdout (what CloudWatch reads).
 */
import { Metrics } from "@aws-lambda-powertools/metrics";
import middy from "@middy/core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  PowertoolsMetricsSink,
  publishMetrics,
} from "../../../lib/runtime/aws/powertools-metrics.ts";
import { CircuitBreaker } from "../../../lib/runtime/circuit/breaker.ts";
import { ManualClock } from "../../../lib/runtime/circuit/clock.ts";
import { BatonRuntimeError } from "../../../lib/runtime/errors.ts";
import { RecordingPublisher } from "../../../lib/runtime/events.ts";
import { quietLogger } from "../../../lib/runtime/logger.ts";
import { MeteredPublisher } from "../../../lib/runtime/metrics.ts";
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

interface EmfLine {
  readonly _aws: {
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string; readonly Unit: string }[];
    }[];
  };
  readonly [key: string]: unknown;
}

let server: TestServer;
let lines: string[];
let sink: PowertoolsMetricsSink;
let deps: ServiceCallDeps;

beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

beforeEach(async () => {
  lines = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: unknown): boolean => {
    lines.push(...String(chunk).split("\n").filter(Boolean));
    return true;
  });
  sink = new PowertoolsMetricsSink(new Metrics({ namespace: "Baton/test", serviceName: "baton" }));
  const clock = new ManualClock();
  const store = new InMemoryRegistryStore({ clock });
  const events = new MeteredPublisher(new RecordingPublisher(), sink);
  deps = {
    registry: store,
    circuit: new CircuitBreaker({ store, events, clock, logger: quietLogger }),
    events,
    secrets: new EnvSecretResolver({}),
    clock,
    balancer: new Balancer(),
  };
  await store.putService(
    serviceEntry({
      instances: [{ id: "inventory-a", url: server.url, weight: 1 }],
      circuit: {
        failureRateThreshold: 50,
        minimumCalls: 1,
        windowSeconds: 30,
        cooldownSeconds: 30,
      },
    }),
  );
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** The EMF lines written so far. */
const emf = (): EmfLine[] =>
  lines
    .map((line) => JSON.parse(line) as EmfLine)
    .filter((line) => line._aws?.CloudWatchMetrics !== undefined);

/** The EMF lines that carry a metric, keyed by their dimension names joined with `+`. */
function linesWith(name: string): Record<string, EmfLine> {
  const found: Record<string, EmfLine> = {};
  for (const line of emf()) {
    const directive = line._aws.CloudWatchMetrics[0];
    if (directive === undefined || !directive.Metrics.some((metric) => metric.Name === name))
      continue;
    for (const set of directive.Dimensions) found[set.join("+")] = line;
  }
  return found;
}

const names = (line: EmfLine | undefined): string[] =>
  (line?._aws.CloudWatchMetrics[0]?.Metrics ?? []).map((metric) => metric.Name).sort();

/** A Lambda-like entry: the call wrapped by the middleware every handler uses. */
const handler = (event: unknown, context: never) =>
  middy(() => callService(callRequest(), deps)).use(publishMetrics(sink))(event, context);

describe("the handlers' EMF metrics", () => {
  it("writes a call's count and latency per service and per service and workflow", async () => {
    // Prepare
    server.handle(json(201, { id: "r-1" }));

    // Act
    await handler({}, {} as never);

    // Assess
    const calls = linesWith("ServiceCalls");
    expect(Object.keys(calls).sort()).toStrictEqual(["Service", "Service+Workflow"]);
    const byService = calls.Service;
    const byWorkflow = calls["Service+Workflow"];
    expect(names(byService)).toStrictEqual(["ServiceCallLatency", "ServiceCalls"]);
    expect(byService?._aws.CloudWatchMetrics[0]?.Namespace).toBe("Baton/test");
    expect([byService?.Service, byService?.Workflow, byService?.ServiceCalls]).toStrictEqual([
      "inventory",
      undefined,
      1,
    ]);
    expect([byWorkflow?.Service, byWorkflow?.Workflow, byWorkflow?.ServiceCalls]).toStrictEqual([
      "inventory",
      "order-fulfillment",
      1,
    ]);
    expect(typeof byWorkflow?.ServiceCallLatency).toBe("number");
    // Nothing that identifies one execution becomes a dimension or a key.
    expect(JSON.stringify(emf())).not.toContain("exec-1");
  });

  it("writes a failure with its error name, and the breaker opening, when the handler throws", async () => {
    // Prepare
    server.handle(text(503, "down"));

    // Act
    const error = await handler({}, {} as never).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );

    // Assess
    expect(error).toBeInstanceOf(BatonRuntimeError);
    const failures = linesWith("ServiceCallFailures");
    expect(Object.keys(failures).sort()).toStrictEqual([
      "Service",
      "Service+Error",
      "Service+Workflow",
    ]);
    const byError = failures["Service+Error"];
    expect([byError?.Service, byError?.Error, byError?.ServiceCallFailures]).toStrictEqual([
      "inventory",
      (error as BatonRuntimeError).name,
      1,
    ]);
    // The attempt counts as a call too, with its latency (by service, and by service and workflow).
    expect(Object.keys(linesWith("ServiceCalls")).sort()).toStrictEqual([
      "Service",
      "Service+Workflow",
    ]);
    const opened = linesWith("CircuitOpened");
    expect([
      Object.keys(opened),
      opened.Service?.Service,
      opened.Service?.CircuitOpened,
    ]).toStrictEqual([["Service"], "inventory", 1]);
  });

  it("writes nothing when nothing was metered, and empties the buffer after each invocation", async () => {
    // Act
    await middy(() => "no events").use(publishMetrics(sink))({}, {} as never);
    server.handle(json(200, {}));
    await handler({}, {} as never);
    await middy(() => "no events").use(publishMetrics(sink))({}, {} as never);

    // Assess
    expect(emf().map((line) => line.ServiceCalls)).toStrictEqual([1, 1]);
  });
});
