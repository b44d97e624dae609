/**
 * `GET /peers` on the deployed stack (one Region: emulators deploy one, and have no global
 * tables): once the health-check function has run a scheduled round, the API lists its own
 * Region with the API URL the stack gave it, that heartbeat's time and no replication lag. The
 * metric read a peer deployment makes (`GetMetricData` on `ReplicationLatency`) is sent to the
 * emulator's CloudWatch as well: a table that replicates nowhere has no figure, so the lag is null.
 */
import { describe, expect, it } from "vitest";
import { CloudWatchReplicationLag } from "../../../lib/runtime/aws/cloudwatch-replication-lag.ts";
import type { PeersView as Peers } from "../../../lib/runtime/peers/peer-list.ts";
import { integrationEnv } from "../client.ts";
import { api } from "../fixtures/api.ts";
import { findFunction, invokeFunction } from "../fixtures/aws.ts";

describe("GET /peers on the deployed stack", () => {
  it("lists its own Region with its API URL and the health check's heartbeat, and no lag", async () => {
    // Prepare: one scheduled round, as the schedule rule sends it
    const before = Date.now();
    const healthCheck = await findFunction("Baton: probes every registered service instance");
    await invokeFunction(healthCheck, {
      source: "aws.events",
      "detail-type": "Scheduled Event",
      detail: {},
    });
    // Act
    const peers = await api<Peers>("peers");
    // Assess
    const { region, apiUrl } = integrationEnv();
    const apiId =
      /\/_aws\/execute-api\/([a-z0-9]+)\//.exec(apiUrl)?.[1] ??
      /^https:\/\/([a-z0-9]+)\./.exec(apiUrl)?.[1];
    expect([peers.status, peers.body.self, peers.body.replication]).toEqual([200, region, "none"]);
    expect(peers.body.items).toHaveLength(1);
    const [self] = peers.body.items;
    expect([self?.region, self?.self, self?.replicationLatencyMs, self?.status]).toEqual([
      region,
      true,
      null,
      "up",
    ]);
    expect(self?.apiUrl).toMatch(
      new RegExp(`^https://${apiId}\\.execute-api\\.${region}\\.amazonaws\\.com/v1$`),
    );
    // The heartbeat this round wrote (a scheduled round may have written a newer one since).
    expect(Date.parse(self?.lastSeen ?? "")).toBeGreaterThanOrEqual(before - 1_000);
  });

  it("refuses a status it does not know with a problem document", async () => {
    const refused = await api<{ type: string; errors: { path: string }[] }>("peers?status=down");
    expect([refused.status, refused.body.type, refused.body.errors.map((e) => e.path)]).toEqual([
      400,
      "urn:baton:problem:invalid-request",
      ["/query/status"],
    ]);
  });

  it("reads the replication lag a peer deployment reads, null for a table that replicates nowhere", async () => {
    // The stack's names share one prefix: `baton-<stage>-`.
    const tableName = `${integrationEnv().output("StateMachinePrefix")}registry`;
    const lag = new CloudWatchReplicationLag({ tableName });
    expect(await lag.latencies(["eu-west-1"])).toEqual(new Map([["eu-west-1", null]]));
  });
});
