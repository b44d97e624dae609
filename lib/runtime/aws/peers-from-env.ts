/**
 * `GET /peers` and the heartbeat in AWS, from the environment: the registry table holds the
 * heartbeats; with peer Regions (`BATON_PEER_REGIONS`) the lag is the global table's CloudWatch
 * metric, with one Region there is none to read.
 */
import type { HeartbeatDeps } from "../peers/heartbeat.ts";
import type { PeersDeps } from "../peers/peer-list.ts";
import { NO_REPLICATION } from "../peers/replication-lag.ts";
import { getClients } from "./clients.ts";
import { CloudWatchReplicationLag } from "./cloudwatch-replication-lag.ts";
import { DynamoPeerStore } from "./dynamo-peer-store.ts";
import { ENV, requireEnv } from "./env.ts";

/** The Region a function runs in (Lambda sets `AWS_REGION`). */
const ownRegion = (): string => requireEnv("AWS_REGION");

function peerStore(): DynamoPeerStore {
  return new DynamoPeerStore({
    client: getClients().dynamo,
    tableName: requireEnv(ENV.registryTable),
  });
}

/** The Regions named by `BATON_PEER_REGIONS`; empty when it is unset (one Region). */
export function configuredRegions(raw = process.env[ENV.peerRegions]): string[] {
  return (raw ?? "")
    .split(",")
    .map((region) => region.trim())
    .filter((region) => region !== "");
}

export function peersFromEnv(): PeersDeps {
  const configured = configuredRegions();
  const apiUrl = process.env[ENV.apiUrl];
  return {
    store: peerStore(),
    region: ownRegion(),
    ...(apiUrl === undefined || apiUrl === "" ? {} : { apiUrl }),
    configured,
    lag:
      configured.length > 1
        ? new CloudWatchReplicationLag({ tableName: requireEnv(ENV.registryTable) })
        : NO_REPLICATION,
  };
}

/** The health check's heartbeat; undefined where the stack gave it no API URL to announce. */
export function heartbeatFromEnv(): HeartbeatDeps | undefined {
  const apiUrl = process.env[ENV.apiUrl];
  if (apiUrl === undefined || apiUrl === "") return undefined;
  return { store: peerStore(), region: ownRegion(), apiUrl };
}
