import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { apiFetch, integrationEnv } from "../client.ts";

describe("harness probe", () => {
  it("reaches the API through SigV4", async () => {
    // Prepare
    const env = integrationEnv();
    // Act
    const response = await apiFetch("hello/x?a=1", { body: { b: 2 } });
    // Assess
    expect(response.status).toEqual(200);
    const body = (await response.json()) as { path: string; node: string; body: string };
    expect(body.path).toEqual("/hello/x");
    expect(body.node.startsWith("v22.")).toEqual(true);
    expect(JSON.parse(body.body)).toEqual({ b: 2 });
    expect(env.output("BusName")).toEqual("probe-bus");
  });

  it("retries on the thrown error name and catches it", async () => {
    // Prepare
    const sfn = new SFNClient({});
    const input = { name: "x", o1: {}, o2: {}, arr: [], mode: "fail" };
    // Act
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: integrationEnv().output("SmArn"),
        input: JSON.stringify(input),
      }),
    );
    let status = "RUNNING";
    let output = "";
    while (status === "RUNNING") {
      await new Promise((r) => setTimeout(r, 200));
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      status = d.status ?? "";
      output = d.output ?? "";
    }
    // Assess
    expect(status).toEqual("SUCCEEDED");
    expect((JSON.parse(output) as { caught: string }).caught).toEqual("Baton.ServiceError");
  });
});
