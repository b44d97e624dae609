/** The replication lag read from the registry table's `ReplicationLatency` metric. */
import type { GetMetricDataCommandInput } from "@aws-sdk/client-cloudwatch";
import { describe, expect, it } from "vitest";
import {
  CloudWatchReplicationLag,
  type GetMetricData,
} from "../../../lib/runtime/aws/cloudwatch-replication-lag.ts";

const NOW = Date.parse("2026-12-04T12:00:00.000Z");

function recording(answer: Awaited<ReturnType<GetMetricData>>) {
  const inputs: GetMetricDataCommandInput[] = [];
  const getMetricData: GetMetricData = async (input) => {
    inputs.push(input);
    return answer;
  };
  return { inputs, getMetricData };
}

describe("CloudWatchReplicationLag", () => {
  it("asks one GetMetricData for every peer's ReplicationLatency, newest first, over 15 minutes", async () => {
    // Prepare
    const { inputs, getMetricData } = recording({ MetricDataResults: [] });
    const lag = new CloudWatchReplicationLag({
      tableName: "baton-prod-registry",
      getMetricData,
      clock: () => NOW,
    });
    // Act
    await lag.latencies(["ap-south-1", "us-east-1"]);
    // Assess
    expect(inputs).toStrictEqual([
      {
        StartTime: new Date("2026-12-04T11:45:00.000Z"),
        EndTime: new Date("2026-12-04T12:00:00.000Z"),
        ScanBy: "TimestampDescending",
        MetricDataQueries: ["ap-south-1", "us-east-1"].map((region, index) => ({
          Id: `peer${index}`,
          Label: region,
          ReturnData: true,
          MetricStat: {
            Metric: {
              Namespace: "AWS/DynamoDB",
              MetricName: "ReplicationLatency",
              Dimensions: [
                { Name: "TableName", Value: "baton-prod-registry" },
                { Name: "ReceivingRegion", Value: region },
              ],
            },
            Period: 60,
            Stat: "Average",
          },
        })),
      },
    ]);
  });

  it("takes each peer's newest figure, rounded, and null where the metric has none", async () => {
    const { getMetricData } = recording({
      MetricDataResults: [
        {
          Id: "peer1",
          Values: [812.4, 1500],
          Timestamps: [new Date(NOW - 60_000), new Date(NOW - 120_000)],
        },
        { Id: "peer0", Values: [], Timestamps: [] },
      ],
    });
    const lag = new CloudWatchReplicationLag({ tableName: "t", getMetricData, clock: () => NOW });
    expect(await lag.latencies(["ap-south-1", "us-east-1"])).toEqual(
      new Map([
        ["ap-south-1", null],
        ["us-east-1", 812],
      ]),
    );
  });

  it("answers again from its last read for a minute, then reads again", async () => {
    // Prepare
    let now = NOW;
    const { inputs, getMetricData } = recording({
      MetricDataResults: [{ Id: "peer0", Values: [5] }],
    });
    const lag = new CloudWatchReplicationLag({ tableName: "t", getMetricData, clock: () => now });
    // Act
    await lag.latencies(["us-east-1"]);
    now += 59_000;
    await lag.latencies(["us-east-1"]);
    await lag.latencies(["us-east-1", "sa-east-1"]);
    now += 61_000;
    await lag.latencies(["us-east-1", "sa-east-1"]);
    // Assess
    expect(inputs.map((input) => input.MetricDataQueries?.length)).toEqual([1, 2, 2]);
  });

  it("passes a failed read on (the route answers without lags)", async () => {
    const lag = new CloudWatchReplicationLag({
      tableName: "t",
      getMetricData: async () => {
        throw new Error("Throttling: Rate exceeded");
      },
    });
    await expect(lag.latencies(["us-east-1"])).rejects.toThrow("Rate exceeded");
  });
});
