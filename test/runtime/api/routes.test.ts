import { describe, expect, it } from "vitest";
import { apiRouter } from "../../../lib/runtime/api/api-routes.ts";
import { handleApiEvent } from "../../../lib/runtime/api/app.ts";
import type { ApiDeps } from "../../../lib/runtime/api/deps.ts";
import { handleWithDefaults } from "../../../lib/runtime/aws/api-deps.ts";
import { quietLogger } from "../../../lib/runtime/logger.ts";
import { fakeDeps, restEvent } from "../fakes.ts";
import { at } from "../records/fixtures.ts";

async function call(deps: ApiDeps, event: unknown, errors: unknown[] = []) {
  const response = await handleApiEvent(event, {
    ...deps,
    logger: {
      ...quietLogger,
      error: (message, attributes) => errors.push({ message, ...attributes }),
    },
  });
  return {
    status: response.statusCode,
    headers: response.headers,
    body: response.body === "" ? undefined : (JSON.parse(response.body) as Record<string, unknown>),
  };
}

describe("GET /health", () => {
  it("reports every dependency ok", async () => {
    // Prepare
    const { deps } = fakeDeps();

    // Act
    const response = await call(deps, restEvent("GET", "/health"));

    // Assess
    expect([response.status, response.body]).toEqual([
      200,
      {
        status: "ok",
        workflows: 3,
        dependencies: { catalogue: { status: "ok" }, executions: { status: "ok" } },
      },
    ]);
  });

  it("answers 503 naming the dependency that is down", async () => {
    // Prepare
    const { deps } = fakeDeps({
      healthChecks: [
        {
          name: "registry",
          check: async () => {
            throw Object.assign(new Error("Requested resource not found"), {
              name: "ResourceNotFoundException",
            });
          },
        },
      ],
    });

    // Act
    const response = await call(deps, restEvent("GET", "/health"));

    // Assess
    expect([response.status, response.body?.status, response.body?.dependencies]).toEqual([
      503,
      "degraded",
      {
        catalogue: { status: "ok" },
        registry: {
          status: "error",
          detail: "ResourceNotFoundException: unavailable",
        },
      },
    ]);
  });
});

describe("workflow routes", () => {
  it("lists deployed workflows", async () => {
    // Prepare
    const { deps } = fakeDeps();

    // Act
    const response = await call(deps, restEvent("GET", "/workflows"));

    // Assess
    expect(response.body).toEqual({
      items: [
        { name: "approval", version: 1, type: "standard", tags: [] },
        {
          name: "order-fulfillment",
          version: 3,
          type: "standard",
          description: "Reserve stock, charge, ship; undo on failure",
          tags: [],
        },
        { name: "quick-check", version: 1, type: "express", tags: [] },
      ],
    });
  });

  it("returns a workflow's definition, ASL and Mermaid graph", async () => {
    // Prepare
    const { deps } = fakeDeps();

    // Act
    const response = await call(deps, restEvent("GET", "/workflows/order-fulfillment"));

    // Assess
    expect([
      response.body?.asl,
      response.body?.mermaid,
      response.body?.definition,
      response.body?.steps,
    ]).toEqual([
      { StartAt: "reserve", States: {} },
      "flowchart TD",
      { workflow: "order-fulfillment", version: 3 },
      [
        { id: "reserve", kind: "call" },
        { id: "charge", kind: "call" },
        { id: "ship", kind: "call" },
      ],
    ]);
  });

  it("computes stats over executions since a look-back", async () => {
    // Prepare
    const { deps } = fakeDeps({ clock: () => new Date(at(3_600_000)) });
    for (const [id, startMs] of [
      ["old", -7_200_000],
      ["new", 0],
    ] as const) {
      await deps.executions.merge(id, {
        id,
        workflow: "order-fulfillment",
        version: { k: [2], v: 3 },
        startedAt: at(startMs),
        stoppedAt: at(startMs + 500),
        run: { k: [0, 1, 0], v: { status: "SUCCEEDED" } },
      });
    }

    // Act
    const response = await call(
      deps,
      restEvent("GET", "/workflows/order-fulfillment/stats", { query: { since: "90m" } }),
    );

    // Assess
    expect([
      response.status,
      response.body?.since,
      response.body?.count,
      response.body?.successRate,
    ]).toEqual([200, at(-1_800_000), 1, 1]);
  });

  it.each([
    ["/workflows/nope", {}, 404],
    ["/workflows/nope/stats", {}, 404],
    ["/workflows/order-fulfillment/stats", { since: "yesterday" }, 400],
  ])("answers a problem for GET %s %o", async (path, query, status) => {
    // Prepare
    const { deps } = fakeDeps();

    // Act
    const response = await call(deps, restEvent("GET", path, { query }));

    // Assess
    expect(response.status).toEqual(status);
  });
});

describe("service registry routes", () => {
  const inventory = {
    instances: [{ id: "inventory-a", url: "http://127.0.0.1:7001" }],
    balancing: "round_robin",
  };

  it("registers, replaces, reads and deregisters a service", async () => {
    // Prepare
    const { deps, events } = fakeDeps();

    // Act
    const created = await call(deps, restEvent("PUT", "/services/inventory", { body: inventory }));
    const replaced = await call(deps, restEvent("PUT", "/services/inventory", { body: inventory }));
    const one = await call(deps, restEvent("GET", "/services/inventory"));
    const all = await call(deps, restEvent("GET", "/services"));
    const deleted = await call(deps, restEvent("DELETE", "/services/inventory"));
    const gone = await call(deps, restEvent("GET", "/services/inventory"));

    // Assess
    expect([created.status, replaced.status, one.status, deleted.status, gone.status]).toEqual([
      201, 200, 200, 204, 404,
    ]);
    expect([
      one.body?.name,
      ((all.body?.items ?? []) as { name: string }[]).map((s) => s.name),
    ]).toEqual(["inventory", ["inventory"]]);
    expect(events.detailTypes()).toEqual([
      "Service Registered",
      "Service Registered",
      "Service Deregistered",
    ]);
  });

  it("answers 400 with every validation error", async () => {
    // Prepare
    const { deps } = fakeDeps();

    // Act
    const response = await call(
      deps,
      restEvent("PUT", "/services/inventory", {
        body: { instances: [{ id: "a", url: "ftp://x" }], balancing: "random", timeout: -1 },
      }),
    );

    // Assess
    expect([response.status, response.body?.type]).toEqual([
      400,
      "urn:baton:problem:validation-failed",
    ]);
    expect(((response.body?.errors ?? []) as { path: string }[]).map((e) => e.path).sort()).toEqual(
      ["/balancing", "/instances/0/url", "/timeout"].sort(),
    );
  });

  it("registers and deregisters an instance, 404 for an unknown service", async () => {
    // Prepare
    const { deps } = fakeDeps();
    await call(deps, restEvent("PUT", "/services/inventory", { body: inventory }));

    // Act
    const added = await call(
      deps,
      restEvent("PUT", "/services/inventory/instances/inventory-b", {
        body: { url: "http://127.0.0.1:7002" },
      }),
    );
    const unknown = await call(
      deps,
      restEvent("PUT", "/services/nope/instances/x", { body: { url: "http://127.0.0.1:7002" } }),
    );
    const removed = await call(
      deps,
      restEvent("DELETE", "/services/inventory/instances/inventory-b"),
    );
    const again = await call(
      deps,
      restEvent("DELETE", "/services/inventory/instances/inventory-b"),
    );

    // Assess
    expect([added.status, unknown.status, removed.status, again.status]).toEqual([
      201, 404, 204, 404,
    ]);
  });

  it.each([
    ["GET", `/services/${"a".repeat(2000)}`],
    ["DELETE", "/services/Not_Valid"],
    ["DELETE", `/services/inventory/instances/${"x".repeat(500)}`],
  ])(
    "answers 404 without touching the store for %s of an impossible name",
    async (method, path) => {
      // Prepare
      const { deps, registryStore } = fakeDeps();
      const before = registryStore.calls;

      // Act
      const response = await call(deps, restEvent(method, path));

      // Assess
      expect([response.status, registryStore.calls - before]).toEqual([404, 0]);
    },
  );
});

describe("dead-letter queue routes", () => {
  const letter = (id: string) => ({
    id,
    source: "baton",
    detailType: "Step Started",
    detail: { executionId: "e1" },
    reason: "PutEvents ThrottlingException: Rate exceeded",
    sentAt: "2026-11-22T10:00:00.000Z",
    receiveCount: 1,
  });

  it("lists and redrives undeliverable events", async () => {
    // Prepare
    const { deps, dlq } = fakeDeps();
    dlq.letters = [letter("m1"), letter("m2"), letter("m3")];

    // Act
    const listed = await call(deps, restEvent("GET", "/dlq", { query: { limit: "2" } }));
    const redriven = await call(deps, restEvent("POST", "/dlq/redrive", { body: { max: 2 } }));

    // Assess
    expect(listed.body).toEqual({ items: [letter("m1"), letter("m2")], approximateCount: 3 });
    expect([redriven.body, dlq.redriveCalls]).toEqual([{ redriven: 2, failed: [] }, [2]]);
  });

  it.each([
    [{ max: 0 }, "/max"],
    [{ max: 1.5 }, "/max"],
    [{ all: true }, "/all"],
  ])("answers 400 for redrive body %o", async (body, path) => {
    // Prepare
    const { deps } = fakeDeps();

    // Act
    const response = await call(deps, restEvent("POST", "/dlq/redrive", { body }));

    // Assess
    expect([
      response.status,
      ((response.body?.errors ?? []) as { path: string }[])[0]?.path,
    ]).toEqual([400, path]);
  });
});

describe("routing and events", () => {
  it("answers 404 problem+json for an unknown route", async () => {
    // Prepare
    const { deps } = fakeDeps();

    // Act
    const response = await call(deps, restEvent("GET", "/nope"));

    // Assess
    expect([response.status, response.headers["content-type"], response.body]).toEqual([
      404,
      "application/problem+json",
      {
        type: "urn:baton:problem:not-found",
        title: "Not found",
        status: 404,
        detail: "No route for GET /nope.",
      },
    ]);
  });

  it("answers 405 with Allow for a known path and another method", async () => {
    // Prepare
    const { deps } = fakeDeps();

    // Act
    const response = await call(deps, restEvent("DELETE", "/workflows"));

    // Assess
    expect([response.status, response.headers.allow]).toEqual([405, "GET"]);
  });

  it("accepts HTTP API v2 events with base64 bodies and raw query strings", async () => {
    // Prepare
    const { deps } = fakeDeps();
    const event = {
      version: "2.0",
      routeKey: "$default",
      rawPath: "/workflows/order-fulfillment/executions/",
      rawQueryString: "",
      headers: { "content-type": "application/json" },
      requestContext: { http: { method: "POST" }, requestId: "r2" },
      body: Buffer.from(JSON.stringify({ orderId: "o", amount: 1 })).toString("base64"),
      isBase64Encoded: true,
    };

    // Act
    const response = await call(deps, event);

    // Assess
    expect([response.status, response.body?.id]).toEqual([201, "exec-1"]);
  });

  it.each([
    ["a malformed event", { nothing: true }, 400],
    ["bad percent-encoding", restEvent("GET", "/executions/%E0%A4%A"), 400],
  ])("answers 400 for %s", async (_what, event, status) => {
    // Prepare
    const { deps } = fakeDeps();

    // Act
    const response = await call(deps, event);

    // Assess
    expect(response.status).toEqual(status);
  });

  it("answers 500 without internals for an unexpected fault, and logs it", async () => {
    // Prepare
    const { deps } = fakeDeps();
    const broken: ApiDeps = {
      ...deps,
      executions: {
        ...deps.executions,
        get: async () => {
          throw new Error("secret table arn:aws:dynamodb:xyz exploded");
        },
      },
    };
    const logged: unknown[] = [];

    // Act
    const response = await call(broken, restEvent("GET", "/executions/e1"), logged);

    // Assess
    expect([response.status, response.body?.detail, logged.length]).toEqual([
      500,
      "The request failed unexpectedly (request id req-1).",
      1,
    ]);
  });

  it("answers 503 from the Lambda entry when the API is not configured", async () => {
    // Prepare
    const saved = process.env.BATON_CATALOGUE_FILE;
    delete process.env.BATON_CATALOGUE_FILE;
    const logged: string[] = [];

    // Act
    const response = await handleWithDefaults(
      restEvent("GET", "/health"),
      { ...quietLogger, error: (message) => logged.push(message) },
      apiRouter,
    );
    if (saved !== undefined) process.env.BATON_CATALOGUE_FILE = saved;

    // Assess
    expect([response.statusCode, JSON.parse(response.body).type, logged]).toEqual([
      503,
      "urn:baton:problem:unavailable",
      ["API not configured"],
    ]);
  });
});
