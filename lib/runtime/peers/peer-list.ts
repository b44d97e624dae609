/**
 * `GET /peers`: the Regions sharing this registry, each with its API URL, when its heartbeat was
 * last seen here and how far behind its replica is (docs/peers.md). The answering Region is always
 * listed, first; peers come from their heartbeats and, in AWS, from the deployment's
 * `baton:regions` (a Region deployed but not heard from yet is `unseen`).
 */
import type { Logger } from "../logger.ts";
import { consoleLogger, describeError } from "../logger.ts";
import { withoutTrailingSlash } from "./heartbeat.ts";
import type { PeerHeartbeat, PeerStore } from "./peer-store.ts";
import type { ReplicationKind, ReplicationLag } from "./replication-lag.ts";

export const PEER_STATUSES = ["up", "stale", "unseen"] as const;
export type PeerStatus = (typeof PEER_STATUSES)[number];

/** Heartbeats come every minute in AWS: five missed ones (or that much replication delay) is stale. */
export const DEFAULT_STALE_AFTER_MS = 5 * 60_000;

export interface PeersDeps {
  readonly store: PeerStore;
  readonly lag: ReplicationLag;
  /** This Region. */
  readonly region: string;
  /** This Region's API base URL. @default the URL of its own heartbeat, else null */
  readonly apiUrl?: string;
  /** The Regions the deployment names (`baton:regions`), this one included. @default none */
  readonly configured?: readonly string[];
  /** A peer whose last heartbeat is older is `stale`. @default `DEFAULT_STALE_AFTER_MS` */
  readonly staleAfterMs?: number;
  /** @default Date.now */
  readonly clock?: () => number;
  /** Where a failed lag read is reported. @default consoleLogger */
  readonly logger?: Logger;
}

export interface PeerView {
  readonly region: string;
  readonly apiUrl: string | null;
  readonly self: boolean;
  /** ISO time of the Region's last heartbeat as this Region's replica has it; null if none. */
  readonly lastSeen: string | null;
  /** Milliseconds a write made here takes to reach the Region; null for self or without data. */
  readonly replicationLatencyMs: number | null;
  readonly status: PeerStatus;
}

export interface PeersView {
  readonly self: string;
  readonly replication: ReplicationKind;
  readonly items: readonly PeerView[];
  /** Why the lags are null: the metric read failed (the rest of the answer stands). */
  readonly latencyError?: string;
}

export interface PeersFilter {
  /** Only peers in this status (the answering Region is `up`). @default every one */
  readonly status?: PeerStatus;
}

export async function listPeers(deps: PeersDeps, filter: PeersFilter = {}): Promise<PeersView> {
  const now = (deps.clock ?? Date.now)();
  const staleAfter = deps.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const heartbeats = new Map((await deps.store.list()).map((h) => [h.region, h]));
  const others = [...new Set([...heartbeats.keys(), ...(deps.configured ?? [])])]
    .filter((region) => region !== deps.region)
    .sort();
  let latencies: ReadonlyMap<string, number | null> = new Map();
  let latencyError: string | undefined;
  if (others.length > 0) {
    try {
      latencies = await deps.lag.latencies(others);
    } catch (error) {
      latencyError = describeError(error);
      (deps.logger ?? consoleLogger).warn("replication latency not read", { error: latencyError });
    }
  }
  const own = heartbeats.get(deps.region);
  const self: PeerView = {
    region: deps.region,
    apiUrl: deps.apiUrl === undefined ? (own?.apiUrl ?? null) : withoutTrailingSlash(deps.apiUrl),
    self: true,
    lastSeen: own === undefined ? null : new Date(own.lastSeen).toISOString(),
    replicationLatencyMs: null,
    // It is answering.
    status: "up",
  };
  const peers = others.map((region) =>
    peerView(region, heartbeats.get(region), latencies.get(region) ?? null, now, staleAfter),
  );
  const items = [self, ...peers].filter(
    (item) => filter.status === undefined || item.status === filter.status,
  );
  return {
    self: deps.region,
    replication: deps.lag.kind,
    items,
    ...(latencyError === undefined ? {} : { latencyError }),
  };
}

function peerView(
  region: string,
  heartbeat: PeerHeartbeat | undefined,
  latency: number | null,
  now: number,
  staleAfter: number,
): PeerView {
  return {
    region,
    apiUrl: heartbeat?.apiUrl ?? null,
    self: false,
    lastSeen: heartbeat === undefined ? null : new Date(heartbeat.lastSeen).toISOString(),
    replicationLatencyMs: latency,
    status:
      heartbeat === undefined ? "unseen" : now - heartbeat.lastSeen > staleAfter ? "stale" : "up",
  };
}
