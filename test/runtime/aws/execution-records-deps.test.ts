import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executionRecordsDeps } from "../../../lib/runtime/aws/execution-records-deps.ts";
import { recordEvent } from "../../../lib/runtime/execution-records.ts";
import { tempDir } from "../../support/tmp.ts";
import { orderWorkflow, sfnStatus } from "../records/fixtures.ts";

describe("execution records on the AWS composition", () => {
  const dynamo = mockClient(DynamoDBClient);
  const events = mockClient(EventBridgeClient);
  afterAll(() => {
    dynamo.restore();
    events.restore();
  });

  beforeAll(async () => {
    const dir = tempDir("baton-records-");
    const file = join(dir, "catalogue.json");
    await writeFile(file, JSON.stringify({ workflows: [orderWorkflow] }));
    Object.assign(process.env, {
      BATON_CATALOGUE_FILE: file,
      BATON_EXECUTIONS_TABLE: "executions",
      BATON_EVENT_BUS: "baton-bus",
      BATON_DLQ_URL: "https://sqs/dlq",
    });
  });

  it("records a status change, stores the event and announces it on the bus", async () => {
    // Prepare
    dynamo.on(GetItemCommand).resolves({});
    dynamo.on(PutItemCommand).resolves({});
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "x" }] });

    // Act
    const result = await recordEvent(
      sfnStatus("h1", { status: "RUNNING" }),
      await executionRecordsDeps(),
    );

    // Assess
    expect(result).toEqual({ outcome: "applied", executionId: "h1", status: "RUNNING" });
    expect(
      dynamo.commandCalls(PutItemCommand).map((c) => c.args[0].input.Item?.sk?.S?.slice(0, 6)),
    ).toEqual(["META", "EVENT#"]);
    expect(
      events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.DetailType,
    ).toEqual("Execution Started");
  });
});
