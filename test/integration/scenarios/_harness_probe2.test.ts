import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { EventBridgeClient, ListArchivesCommand } from "@aws-sdk/client-eventbridge";
import { describe, expect, it } from "vitest";
import { integrationEnv } from "../client.ts";

describe("harness probe 2", () => {
  it("starts an execution through a CloudFormation alias", async () => {
    const sfn = new SFNClient({});
    const input = { name: "x", o1: {}, o2: {}, arr: [], mode: "skip" };
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: integrationEnv().output("AliasArn"), input: JSON.stringify(input) }));
    let status = "RUNNING";
    while (status === "RUNNING") {
      await new Promise((r) => setTimeout(r, 100));
      status = (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status ?? "";
    }
    expect(status).toEqual("SUCCEEDED");
  });
  it("has the archive", async () => {
    const eb = new EventBridgeClient({});
    const r = await eb.send(new ListArchivesCommand({ EventSourceArn: integrationEnv().output("BusArn") }));
    expect(r.Archives?.length).toEqual(1);
  });
});
