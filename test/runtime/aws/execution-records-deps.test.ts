import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DynamoDBClient, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executionRecordsDeps } from "../../../lib/runtime/aws/execution-records-deps.ts";
import { recordEvents } from "../../../lib/runtime/execution-records.ts";
import { tempDir } from "../../support/tmp.ts";
import { orderWorkflow, sfnStatus, stepEvent } from "../records/fixtures.ts";

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

  it("records a queue batch: one log item, the head, and Execution Started on the bus", async () => {
    // Prepare
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(PutItemCommand).resolves({});
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "x" }] });
    const batch = {
      Records: [
        { messageId: "m1", body: JSON.stringify(sfnStatus("h1", { status: "RUNNING" })) },
        {
          messageId: "m2",
          body: JSON.stringify(stepEvent("Step Started", "h1", { stepId: "reserve", startMs: 5 })),
        },
      ],
    };

    // Act
    const result = await recordEvents(batch, await executionRecordsDeps());

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(
      dynamo.commandCalls(PutItemCommand).map((c) => c.args[0].input.Item?.sk?.S?.slice(0, 6)),
    ).toEqual(["EVENT#", "META"]);
    expect(
      events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.DetailType,
    ).toEqual("Execution Started");
  });

  it("reports the messages of an execution that failed to record, and only those", async () => {
    // Prepare
    dynamo.reset();
    events.reset();
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(PutItemCommand).callsFake(async (input: { Item?: { pk?: { S?: string } } }) => {
      if (input.Item?.pk?.S === "EXEC#bad") throw new Error("disk on fire");
      return {};
    });
    const batch = {
      Records: [
        {
          messageId: "m1",
          body: JSON.stringify(stepEvent("Step Started", "ok", { stepId: "reserve", startMs: 5 })),
        },
        {
          messageId: "m2",
          body: JSON.stringify(stepEvent("Step Started", "bad", { stepId: "reserve", startMs: 5 })),
        },
        { messageId: "m3", body: "not json" },
      ],
    };

    // Act
    const result = await recordEvents(batch, await executionRecordsDeps());

    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "m2" }] });
  });
});
