/** `listPeers`: the answering Region first, peers from heartbeats and configuration, status and lag. */
import { describe, expect, it } from "vitest";
import { quietLogger } from "../../../lib/runtime/logger.ts";
import { recordHeartbeat } from "../../../lib/runtime/peers/heartbeat.ts";
import { listPeers, type PeersDeps } from "../../../lib/runtime/peers/peer-list.ts";
import { MemoryPeerStore } from "../../../lib/runtime/peers/peer-store.ts";
import {
  NO_REPLICATION,
  REPLICATION,
  type ReplicationLag,
  SHARED_STORE,
} from "../../../lib/runtime/peers/replication-lag.ts";

const NOW = Date.parse("2026-12-04T12:00:00.000Z");
const MINUTE = 60_000;

/** A lag port answering fixed figures, recording what it was asked. */
function fixedLag(figures: Record<string, number | null>): ReplicationLag & { asked: string[][] } {
  const asked: string[][] = [];
  return {
    kind: REPLICATION.globalTable,
    asked,
    latencies: async (peers) => {
      asked.push([...peers]);
      return new Map(peers.map((region) => [region, figures[region] ?? null]));
    },
  };
}

async function storeWith(
  beats: readonly { region: string; apiUrl: string; ago: number }[],
): Promise<MemoryPeerStore> {
  const store = new MemoryPeerStore();
  for (const beat of beats)
    await recordHeartbeat({
      store,
      region: beat.region,
      apiUrl: beat.apiUrl,
      clock: () => NOW - beat.ago,
    });
  return store;
}

const deps = (overrides: Partial<PeersDeps> & Pick<PeersDeps, "store">): PeersDeps => ({
  lag: NO_REPLICATION,
  region: "eu-west-1",
  clock: () => NOW,
  logger: quietLogger,
  ...overrides,
});

describe("listPeers", () => {
  it("answers with itself only in one Region, its URL from its configuration", async () => {
    // Prepare
    const store = await storeWith([]);
    // Act
    const view = await listPeers(deps({ store, apiUrl: "https://a.example/v1/" }));
    // Assess
    expect(view).toStrictEqual({
      self: "eu-west-1",
      replication: "none",
      items: [
        {
          region: "eu-west-1",
          apiUrl: "https://a.example/v1",
          self: true,
          lastSeen: null,
          replicationLatencyMs: null,
          status: "up",
        },
      ],
    });
  });

  it("lists peers after itself by name, up or stale by their heartbeat's age, with each peer's lag", async () => {
    // Prepare
    const store = await storeWith([
      { region: "eu-west-1", apiUrl: "https://eu.example/v1", ago: 30_000 },
      { region: "us-east-1", apiUrl: "https://us.example/v1", ago: 2 * MINUTE },
      { region: "ap-south-1", apiUrl: "https://ap.example/v1", ago: 6 * MINUTE },
    ]);
    const lag = fixedLag({ "us-east-1": 840, "ap-south-1": null });
    // Act
    const view = await listPeers(deps({ store, lag }));
    // Assess
    expect(lag.asked).toEqual([["ap-south-1", "us-east-1"]]);
    expect(view.replication).toBe("dynamodb-global-table");
    expect(view.items).toStrictEqual([
      {
        region: "eu-west-1",
        apiUrl: "https://eu.example/v1",
        self: true,
        lastSeen: "2026-12-04T11:59:30.000Z",
        replicationLatencyMs: null,
        status: "up",
      },
      {
        region: "ap-south-1",
        apiUrl: "https://ap.example/v1",
        self: false,
        lastSeen: "2026-12-04T11:54:00.000Z",
        replicationLatencyMs: null,
        status: "stale",
      },
      {
        region: "us-east-1",
        apiUrl: "https://us.example/v1",
        self: false,
        lastSeen: "2026-12-04T11:58:00.000Z",
        replicationLatencyMs: 840,
        status: "up",
      },
    ]);
  });

  it("lists a configured Region not heard from yet as unseen, without URL", async () => {
    const store = await storeWith([]);
    const view = await listPeers(
      deps({ store, configured: ["eu-west-1", "us-east-1"], lag: fixedLag({}) }),
    );
    expect(view.items.map((p) => [p.region, p.apiUrl, p.lastSeen, p.status])).toEqual([
      ["eu-west-1", null, null, "up"],
      ["us-east-1", null, null, "unseen"],
    ]);
  });

  it("keeps its stale threshold configurable", async () => {
    const store = await storeWith([{ region: "local-b", apiUrl: "http://b", ago: 20_000 }]);
    const view = await listPeers(deps({ store, region: "local-a", staleAfterMs: 15_000 }));
    expect(view.items.map((p) => p.status)).toEqual(["up", "stale"]);
  });

  it("reports lag 0 between baton dev instances sharing one store", async () => {
    const store = await storeWith([{ region: "local-b", apiUrl: "http://b", ago: 1_000 }]);
    const view = await listPeers(deps({ store, region: "local-a", lag: SHARED_STORE }));
    expect([view.replication, view.items.map((p) => p.replicationLatencyMs)]).toEqual([
      "shared-local-store",
      [null, 0],
    ]);
  });

  it("answers without lags, saying why, when the metric read fails", async () => {
    // Prepare
    const store = await storeWith([{ region: "us-east-1", apiUrl: "https://us", ago: 0 }]);
    const warnings: unknown[] = [];
    const failing: ReplicationLag = {
      kind: REPLICATION.globalTable,
      latencies: async () => {
        throw Object.assign(new Error("not authorized to perform cloudwatch:GetMetricData"), {
          name: "AccessDenied",
        });
      },
    };
    // Act
    const view = await listPeers(
      deps({
        store,
        lag: failing,
        logger: {
          ...quietLogger,
          warn: (message, attributes) => warnings.push({ message, ...attributes }),
        },
      }),
    );
    // Assess
    expect(view.items.map((p) => [p.region, p.replicationLatencyMs, p.status])).toEqual([
      ["eu-west-1", null, "up"],
      ["us-east-1", null, "up"],
    ]);
    expect(view.latencyError).toContain("not authorized to perform cloudwatch:GetMetricData");
    expect(warnings).toHaveLength(1);
  });

  it("does not read lags when there is no peer", async () => {
    const lag = fixedLag({});
    await listPeers(deps({ store: await storeWith([]), lag }));
    expect(lag.asked).toEqual([]);
  });

  it("filters by status, the answering Region counting as up", async () => {
    const store = await storeWith([
      { region: "us-east-1", apiUrl: "https://us", ago: 0 },
      { region: "ap-south-1", apiUrl: "https://ap", ago: 10 * MINUTE },
    ]);
    const regions = async (status: "up" | "stale" | "unseen") =>
      (await listPeers(deps({ store, configured: ["sa-east-1"] }), { status })).items.map(
        (p) => p.region,
      );
    expect([await regions("up"), await regions("stale"), await regions("unseen")]).toEqual([
      ["eu-west-1", "us-east-1"],
      ["ap-south-1"],
      ["sa-east-1"],
    ]);
  });
});
