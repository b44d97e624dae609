/**
 * The bus history and replay in the stack: the events table (TTL), the rule taking every bus event
 * but replays to a queue drained by the history function, the bus routes' own Lambda, and IAM: the
 * writer only writes the events table, the bus Lambda only queries it, puts events and starts
 * replays from this bus's archive under the stack's replay prefix.
 */
import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import {
  accountArn,
  FIXTURE_WORKFLOWS,
  fixtureDir,
  getAtt,
  logicalId,
  policyStatements,
  type Synthesized,
  synthBaton,
} from "./helpers.ts";

let built: Synthesized;
let emulator: Synthesized;
const id = (type: string, prefix: string, from: Synthesized = built): string =>
  logicalId(from.template, type, prefix);

beforeAll(() => {
  const context = {
    "baton:workflowsDir": fixtureDir(FIXTURE_WORKFLOWS),
    "baton:retentionDays": 14,
  };
  built = synthBaton({ context });
  emulator = synthBaton({ context: { ...context, "baton:emulator": true } });
});

describe("bus history", () => {
  it("keeps events in an on-demand table with pk/sk, PITR and TTL on expiresAt", () => {
    built.template.hasResourceProperties("AWS::DynamoDB::Table", {
      TableName: "baton-dev-events",
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it("sends every event of the account on the orchestration bus, but replays, to the history queue", () => {
    const rule = built.template.findResources("AWS::Events::Rule", {
      Properties: { Description: Match.stringLikeRegexp("bus history") },
    });
    const [only] = Object.values(rule);
    expect(Object.keys(rule)).toHaveLength(1);
    expect(only?.Properties.EventBusName).toEqual({
      Ref: id("AWS::Events::EventBus", "OrchestrationBus"),
    });
    expect(only?.Properties.EventPattern).toStrictEqual({
      account: [{ Ref: "AWS::AccountId" }],
      "replay-name": [{ exists: false }],
    });
    expect(only?.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: getAtt(id("AWS::SQS::Queue", "EventHistoryQueue")),
        DeadLetterConfig: { Arn: expect.anything() },
        RetryPolicy: { MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 8 },
      }),
    ]);
  });

  it("drains the queue in batches into the history function, reporting failed messages alone", () => {
    built.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: getAtt(id("AWS::SQS::Queue", "EventHistoryQueue")),
      FunctionName: { Ref: id("AWS::Lambda::Function", "HandlersEventHistoryFunction") },
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
    built.template.hasResourceProperties("AWS::SQS::Queue", {
      QueueName: "baton-dev-event-history",
      SqsManagedSseEnabled: true,
      RedrivePolicy: {
        deadLetterTargetArn: getAtt(id("AWS::SQS::Queue", "DeadLetters")),
        maxReceiveCount: 8,
      },
    });
  });

  it("keeps the records' step rule off replayed events", () => {
    const rules = built.template.findResources("AWS::Events::Rule", {
      Properties: { Description: Match.stringLikeRegexp("step and compensation events") },
    });
    const patterns = Object.values(rules).map((r) => r.Properties.EventPattern["replay-name"]);
    expect(patterns).toEqual([[{ exists: false }]]);
  });
});

describe("IAM of the history", () => {
  it("lets the history function write the events table and nothing else in DynamoDB", () => {
    const statements = policyStatements(built.template, "HandlersEventHistoryRole");
    const dynamo = statements.filter((s) => JSON.stringify(s.Action).includes("dynamodb:"));
    expect(dynamo).toStrictEqual([
      {
        Action: ["dynamodb:BatchWriteItem", "dynamodb:PutItem"],
        Effect: "Allow",
        Resource: getAtt(id("AWS::DynamoDB::Table", "TablesEvents")),
      },
      // The queue's event source mapping reads messages; nothing else is granted.
    ]);
    expect(JSON.stringify(statements)).not.toContain("events:");
    expect(JSON.stringify(statements)).not.toContain("states:");
  });

  it("lets the bus Lambda query the history, put events on the bus and replay only this bus's archive", () => {
    const statements = policyStatements(built.template, "HandlersEventsRole");
    const actions = statements.map((s) => s.Action);
    expect(actions).toContainEqual("dynamodb:Query");
    const query = statements.find((s) => s.Action === "dynamodb:Query");
    expect(query?.Resource).toEqual(getAtt(id("AWS::DynamoDB::Table", "TablesEvents")));
    const put = statements.find((s) => s.Action === "events:PutEvents");
    expect(put?.Resource).toEqual(getAtt(id("AWS::Events::EventBus", "OrchestrationBus")));
    const replay = statements.find((s) => s.Action === "events:StartReplay");
    expect(replay?.Resource).toEqual([
      getAtt(id("AWS::Events::Archive", "OrchestrationArchive")),
      accountArn("events", "replay/baton-dev-replay-*"),
    ]);
    // No other table, no Step Functions, no dead-letter queue.
    const text = JSON.stringify(statements);
    for (const other of ["TablesExecutions", "TablesRegistry", "TablesWorkflows", "DeadLetters"])
      expect(text).not.toContain(other);
    expect(text).not.toContain("states:");
  });

  it("gives the bus Lambda the archive, the bus ARN and the replay prefix, and the API none of them", () => {
    const functions = built.template.findResources("AWS::Lambda::Function");
    const env = (name: string) =>
      functions[id("AWS::Lambda::Function", `Handlers${name}Function`)]?.Properties.Environment
        .Variables;
    expect(env("Events")).toMatchObject({
      BATON_EVENTS_TABLE: { Ref: id("AWS::DynamoDB::Table", "TablesEvents") },
      BATON_EVENT_ARCHIVE_ARN: getAtt(id("AWS::Events::Archive", "OrchestrationArchive")),
      BATON_EVENT_BUS_ARN: getAtt(id("AWS::Events::EventBus", "OrchestrationBus")),
      BATON_REPLAY_NAME_PREFIX: "baton-dev-replay",
      BATON_RETENTION_DAYS: "14",
    });
    expect(Object.keys(env("Api"))).not.toContain("BATON_EVENTS_TABLE");
    expect(Object.keys(env("Api"))).not.toContain("BATON_EVENT_ARCHIVE_ARN");
    expect(env("EventHistory")).toMatchObject({
      BATON_EVENTS_TABLE: { Ref: id("AWS::DynamoDB::Table", "TablesEvents") },
      BATON_RETENTION_DAYS: "14",
    });
  });

  it("grants no replay where the stack has no archive (emulator), so replays answer 503", () => {
    const statements = policyStatements(emulator.template, "HandlersEventsRole");
    expect(JSON.stringify(statements)).not.toContain("events:StartReplay");
    const functions = emulator.template.findResources("AWS::Lambda::Function");
    const events = functions[id("AWS::Lambda::Function", "HandlersEventsFunction", emulator)];
    expect(Object.keys(events?.Properties.Environment.Variables ?? {})).not.toContain(
      "BATON_EVENT_ARCHIVE_ARN",
    );
  });
});
