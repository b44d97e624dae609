/** `GET /peers` over the API: the answer, its query parameter, and a deployment without peers. */
import { describe, expect, it } from "vitest";
import { handleApiEvent } from "../../../lib/runtime/api/app.ts";
import type { ApiDeps } from "../../../lib/runtime/api/deps.ts";
import { quietLogger } from "../../../lib/runtime/logger.ts";
import { MemoryPeerStore } from "../../../lib/runtime/peers/peer-store.ts";
import { SHARED_STORE } from "../../../lib/runtime/peers/replication-lag.ts";
import { fakeDeps, restEvent } from "../fakes.ts";

const NOW = Date.parse("2026-12-04T12:00:00.000Z");

async function call(deps: ApiDeps, query?: Record<string, string>) {
  const response = await handleApiEvent(
    restEvent("GET", "/peers", query === undefined ? {} : { query }),
    { ...deps, logger: quietLogger },
  );
  return {
    status: response.statusCode,
    body: JSON.parse(response.body) as Record<string, unknown>,
  };
}

async function withPeers(): Promise<ApiDeps> {
  const store = new MemoryPeerStore();
  await store.put({ region: "local-b", apiUrl: "http://127.0.0.1:3001", lastSeen: NOW - 2_000 });
  return fakeDeps({
    peers: {
      store,
      lag: SHARED_STORE,
      region: "local-a",
      apiUrl: "http://127.0.0.1:3000",
      clock: () => NOW,
    },
  }).deps;
}

describe("GET /peers", () => {
  it("lists the answering Region, then its peers", async () => {
    const response = await call(await withPeers());
    expect(response).toStrictEqual({
      status: 200,
      body: {
        self: "local-a",
        replication: "shared-local-store",
        items: [
          {
            region: "local-a",
            apiUrl: "http://127.0.0.1:3000",
            self: true,
            lastSeen: null,
            replicationLatencyMs: null,
            status: "up",
          },
          {
            region: "local-b",
            apiUrl: "http://127.0.0.1:3001",
            self: false,
            lastSeen: "2026-12-04T11:59:58.000Z",
            replicationLatencyMs: 0,
            status: "up",
          },
        ],
      },
    });
  });

  it("filters by status", async () => {
    const response = await call(await withPeers(), { status: "stale" });
    expect([response.status, response.body.items]).toEqual([200, []]);
  });

  it("fails when status is not up, stale or unseen (400, naming the value)", async () => {
    const response = await call(await withPeers(), { status: "down" });
    expect(response).toMatchObject({
      status: 400,
      body: {
        type: "urn:baton:problem:invalid-request",
        detail: 'status must be one of up, stale, unseen; got "down".',
        errors: [{ path: "/query/status", message: "must be one of up, stale, unseen" }],
      },
    });
  });

  it("fails on a query parameter it does not take (400)", async () => {
    const response = await call(await withPeers(), { region: "us-east-1", limit: "2" });
    expect(response).toMatchObject({
      status: 400,
      body: {
        detail: "GET /peers takes only status; remove region, limit.",
        errors: [
          { path: "/query/region", message: "is not a parameter of GET /peers" },
          { path: "/query/limit", message: "is not a parameter of GET /peers" },
        ],
      },
    });
  });

  it("answers 503 where no peer store is configured", async () => {
    const response = await call(fakeDeps().deps);
    expect([response.status, response.body.type]).toEqual([
      503,
      "urn:baton:problem:peers-unavailable",
    ]);
  });
});
