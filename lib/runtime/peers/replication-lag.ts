/**
 * How far behind a peer's replica is. In AWS it is DynamoDB's `ReplicationLatency` metric of the
 * registry table (`aws/cloudwatch-replication-lag.ts`); between `baton dev` instances there is no
 * replication at all (they read one store), so the lag is 0 by construction.
 */

/** Where the lags come from, as `GET /peers` names it. */
export const REPLICATION = {
  /** Peers share a DynamoDB global table; lags are its `ReplicationLatency` metric. */
  globalTable: "dynamodb-global-table",
  /** `baton dev` instances sharing one registry store: nothing is copied, the lag is 0. */
  sharedStore: "shared-local-store",
  /** One Region: nothing to replicate. */
  none: "none",
} as const;

export type ReplicationKind = (typeof REPLICATION)[keyof typeof REPLICATION];

export interface ReplicationLag {
  readonly kind: ReplicationKind;
  /**
   * Milliseconds a write made here takes to reach each peer Region, by Region; `null` where there
   * is no recent figure. Rejects when the figures cannot be read (the route answers without them).
   */
  latencies(peers: readonly string[]): Promise<ReadonlyMap<string, number | null>>;
}

/** One Region: there is no peer to measure. */
export const NO_REPLICATION: ReplicationLag = {
  kind: REPLICATION.none,
  latencies: async (peers) => new Map(peers.map((region) => [region, null])),
};

/** `baton dev` instances over one store: a write is in every instance's store at once. */
export const SHARED_STORE: ReplicationLag = {
  kind: REPLICATION.sharedStore,
  latencies: async (peers) => new Map(peers.map((region) => [region, 0])),
};
