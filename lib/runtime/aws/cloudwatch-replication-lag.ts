/**
 * The registry global table's replication lag from CloudWatch: DynamoDB publishes
 * `AWS/DynamoDB ReplicationLatency` (milliseconds) in the Region a write is made, per
 * `ReceivingRegion`, so this Region's metrics tell how long its writes take to reach each peer.
 * One `GetMetricData` call covers every peer; the answer is kept a minute (the metric's period),
 * so a busy `GET /peers` costs one metric read per container per minute.
 *
 * The CloudWatch client is imported on first use: the API's other routes never load it.
 */
import type {
  GetMetricDataCommandInput,
  GetMetricDataCommandOutput,
} from "@aws-sdk/client-cloudwatch";
import { REPLICATION, type ReplicationLag } from "../peers/replication-lag.ts";

export type GetMetricData = (
  input: GetMetricDataCommandInput,
) => Promise<Pick<GetMetricDataCommandOutput, "MetricDataResults">>;

export interface CloudWatchReplicationLagOptions {
  /** The registry table's name (the same in every Region of a global table). */
  readonly tableName: string;
  /** @default a CloudWatch client of this Region, created on first use */
  readonly getMetricData?: GetMetricData;
  /** How far back a figure counts. @default 15 minutes */
  readonly windowMs?: number;
  /** How long a read answers again. @default 60 s */
  readonly cacheMs?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

export class CloudWatchReplicationLag implements ReplicationLag {
  readonly kind = REPLICATION.globalTable;
  readonly #table: string;
  readonly #getMetricData: GetMetricData;
  readonly #windowMs: number;
  readonly #cacheMs: number;
  readonly #clock: () => number;
  #cached:
    | { readonly key: string; readonly at: number; readonly value: Map<string, number | null> }
    | undefined;

  constructor(options: CloudWatchReplicationLagOptions) {
    this.#table = options.tableName;
    this.#getMetricData = options.getMetricData ?? defaultGetMetricData();
    this.#windowMs = options.windowMs ?? 15 * 60_000;
    this.#cacheMs = options.cacheMs ?? 60_000;
    this.#clock = options.clock ?? Date.now;
  }

  async latencies(peers: readonly string[]): Promise<ReadonlyMap<string, number | null>> {
    const now = this.#clock();
    const key = peers.join(",");
    const cached = this.#cached;
    if (cached !== undefined && cached.key === key && now - cached.at < this.#cacheMs)
      return cached.value;
    const output = await this.#getMetricData({
      StartTime: new Date(now - this.#windowMs),
      EndTime: new Date(now),
      ScanBy: "TimestampDescending",
      MetricDataQueries: peers.map((region, index) => ({
        Id: `peer${index}`,
        Label: region,
        ReturnData: true,
        MetricStat: {
          Metric: {
            Namespace: "AWS/DynamoDB",
            MetricName: "ReplicationLatency",
            Dimensions: [
              { Name: "TableName", Value: this.#table },
              { Name: "ReceivingRegion", Value: region },
            ],
          },
          Period: 60,
          Stat: "Average",
        },
      })),
    });
    const value = new Map<string, number | null>(peers.map((region) => [region, null]));
    for (const result of output.MetricDataResults ?? []) {
      const index = Number(result.Id?.slice("peer".length));
      const region = peers[index];
      // Newest first (ScanBy): the latest minute with replicated writes.
      const latest = result.Values?.[0];
      if (region !== undefined && latest !== undefined && Number.isFinite(latest))
        value.set(region, Math.round(latest));
    }
    this.#cached = { key, at: now, value };
    return value;
  }
}

function defaultGetMetricData(): GetMetricData {
  let client: Promise<GetMetricData> | undefined;
  return async (input) => {
    client ??= import("@aws-sdk/client-cloudwatch").then(
      ({ CloudWatchClient, GetMetricDataCommand }) => {
        const cloudWatch = new CloudWatchClient({});
        return (request: GetMetricDataCommandInput) =>
          cloudWatch.send(new GetMetricDataCommand(request));
      },
    );
    // A failed import is tried again on the next read, not kept.
    client.catch(() => {
      client = undefined;
    });
    return (await client)(input);
  };
}
