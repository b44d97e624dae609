import { Duration, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { EventBus } from "aws-cdk-lib/aws-events";
import { Code, Function as LambdaFunction, Runtime } from "aws-cdk-lib/aws-lambda";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { beforeAll, describe, expect, it } from "vitest";
import { ARNS_PER_RULE, ExecutionRecordsRules } from "../../lib/cdk/execution-records-rules.ts";
import { toEventPattern } from "../../lib/cdk/workflow-triggers.ts";
import {
  accountArn,
  FIXTURE_WORKFLOWS,
  fixtureDir,
  getAtt,
  logicalId,
  policyStatements,
  type Synthesized,
  synthBaton,
  testApp,
  type WorkflowStackView,
  workflowStack,
} from "./helpers.ts";

let built: Synthesized;
/** A resource id in the platform stack. */
const id = (type: string, prefix: string): string => logicalId(built.template, type, prefix);
const wf = (name: string): WorkflowStackView => workflowStack(built, name);
/** The state machine's id inside its workflow's nested stack. */
const machine = (name: string): string =>
  logicalId(wf(name).template, "AWS::StepFunctions::StateMachine", "MachineStateMachine");
const machineProps = (name: string) =>
  wf(name).resolve(wf(name).template.toJSON().Resources[machine(name)].Properties) as Record<
    string,
    unknown
  >;
const statementsOf = (name: string) =>
  wf(name).resolve(policyStatements(wf(name).template, "MachineStateMachineRole")) as {
    Action: unknown;
    Resource: unknown;
  }[];
const alarmsOf = (name: string) =>
  Object.values(wf(name).template.findResources("AWS::CloudWatch::Alarm")).map(
    (a) => wf(name).resolve(a.Properties) as Record<string, unknown>,
  );

const LOG_DELIVERY = [
  "logs:CreateLogDelivery",
  "logs:GetLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:DescribeResourcePolicies",
  "logs:DescribeLogGroups",
];
const XRAY = [
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "xray:GetSamplingRules",
  "xray:GetSamplingTargets",
];

beforeAll(() => {
  built = synthBaton({ context: { "baton:workflowsDir": fixtureDir(FIXTURE_WORKFLOWS) } });
});

describe("state machines", () => {
  it("deploys each workflow in its own nested stack, named baton-<stage>-<workflow> with the declared type", () => {
    built.template.resourceCountIs("AWS::StepFunctions::StateMachine", 0);
    built.template.resourceCountIs("AWS::CloudFormation::Stack", 4);
    const machines = ["child", "idle", "parent", "quick"].map((name) => {
      const props = machineProps(name);
      return [props.StateMachineName, props.StateMachineType];
    });
    expect(machines).toEqual([
      ["baton-dev-child", "STANDARD"],
      ["baton-dev-idle", "STANDARD"],
      ["baton-dev-parent", "STANDARD"],
      ["baton-dev-quick", "EXPRESS"],
    ]);
  });

  it("logs ERROR for standard and express workflows alike, with tracing on", () => {
    for (const [name, level] of [
      ["parent", "ERROR"],
      ["quick", "ERROR"],
    ] as const) {
      expect(machineProps(name).LoggingConfiguration).toEqual({
        Destinations: [
          {
            CloudWatchLogsLogGroup: {
              LogGroupArn: getAtt(
                logicalId(wf(name).template, "AWS::Logs::LogGroup", "MachineLogs"),
              ),
            },
          },
        ],
        IncludeExecutionData: true,
        Level: level,
      });
      expect(machineProps(name).TracingConfiguration).toEqual({ Enabled: true });
    }
    wf("parent").template.hasResourceProperties("AWS::Logs::LogGroup", {
      LogGroupName: "/aws/vendedlogs/states/baton-dev-parent",
      RetentionInDays: 30,
    });
  });

  it("substitutes exactly the placeholders each definition uses", () => {
    expect(machineProps("parent").DefinitionSubstitutions).toEqual({
      BatonServiceCall: getAtt(id("AWS::Lambda::Function", "HandlersServiceCallFunction")),
      BatonAwaitSignal: getAtt(id("AWS::Lambda::Function", "HandlersAwaitSignalFunction")),
      BatonEventBus: { Ref: id("AWS::Events::EventBus", "OrchestrationBus") },
      ChildWorkflow_child: accountArn("states", "stateMachine:baton-dev-child"),
      BatonStartExecution: getAtt(id("AWS::Lambda::Function", "HandlersStartExecutionFunction")),
    });
    expect(machineProps("child").DefinitionSubstitutions).toEqual({
      BatonServiceCall: getAtt(id("AWS::Lambda::Function", "HandlersServiceCallFunction")),
    });
    expect(machineProps("idle").DefinitionSubstitutions).toEqual(undefined);
  });

  it("lets a workflow with calls, awaits, emits and a child (whose input the start handler checks) do exactly those", () => {
    const statements = statementsOf("parent");
    expect(statements.map((s) => [s.Action, s.Resource])).toEqual([
      [LOG_DELIVERY, "*"],
      [XRAY, "*"],
      ["lambda:InvokeFunction", getAtt(id("AWS::Lambda::Function", "HandlersServiceCallFunction"))],
      ["lambda:InvokeFunction", getAtt(id("AWS::Lambda::Function", "HandlersAwaitSignalFunction"))],
      ["events:PutEvents", getAtt(id("AWS::Events::EventBus", "OrchestrationBus"))],
      [
        "lambda:InvokeFunction",
        getAtt(id("AWS::Lambda::Function", "HandlersStartExecutionFunction")),
      ],
      ["states:StartExecution", accountArn("states", "stateMachine:baton-dev-child")],
      [
        ["states:DescribeExecution", "states:StopExecution"],
        accountArn("states", "execution:baton-dev-child:*"),
      ],
      [
        ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
        accountArn("events", "rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"),
      ],
    ]);
  });

  it("lets a calls-only workflow invoke the service-call handler and nothing else", () => {
    const statements = statementsOf("child");
    expect(statements.map((s) => [s.Action, s.Resource])).toEqual([
      [LOG_DELIVERY, "*"],
      [XRAY, "*"],
      ["lambda:InvokeFunction", getAtt(id("AWS::Lambda::Function", "HandlersServiceCallFunction"))],
    ]);
  });

  it("gives a workflow without tasks no task permission at all", () => {
    const statements = statementsOf("idle");
    expect(statements.map((s) => s.Action)).toEqual([LOG_DELIVERY, XRAY]);
  });

  it("publishes a version per definition change behind the live alias", () => {
    wf("parent").template.hasResource("AWS::StepFunctions::StateMachineVersion", {
      Properties: {
        StateMachineArn: { Ref: machine("parent") },
        StateMachineRevisionId: getAtt(machine("parent"), "StateMachineRevisionId"),
        Description: "workflow version 2",
      },
      UpdateReplacePolicy: "Retain",
      DeletionPolicy: "Delete",
    });
    wf("parent").template.hasResourceProperties("AWS::StepFunctions::StateMachineAlias", {
      Name: "live",
      RoutingConfiguration: [
        {
          StateMachineVersionArn: getAtt(
            logicalId(
              wf("parent").template,
              "AWS::StepFunctions::StateMachineVersion",
              "MachineVersion",
            ),
          ),
          Weight: 100,
        },
      ],
    });
    for (const name of ["child", "idle", "quick"])
      wf(name).template.resourceCountIs("AWS::StepFunctions::StateMachineAlias", 1);
  });
});

describe("triggers", () => {
  const rulesOf = (name: string) =>
    Object.values(wf(name).template.findResources("AWS::Events::Rule")).map(
      (r) => wf(name).resolve(r.Properties) as Record<string, unknown>,
    );

  const eventEnvelope =
    '"event":{"id":<id>,"source":<source>,"detail-type":<detail-type>,"time":<time>,"detail":<detail>}';
  /** A rule target that hands the start-execution handler `request` and the event. */
  const startTarget = (request: string) => ({
    Id: "Target0",
    Arn: getAtt(id("AWS::Lambda::Function", "HandlersStartExecutionFunction")),
    InputTransformer: {
      InputPathsMap: {
        id: "$.id",
        source: "$.source",
        "detail-type": "$.detail-type",
        time: "$.time",
        detail: "$.detail",
      },
      InputTemplate: `{${request},${eventEnvelope}}`,
    },
    DeadLetterConfig: { Arn: getAtt(id("AWS::SQS::Queue", "DeadLetters")) },
    RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 4 },
  });
  const rulesId = (prefix: string) => logicalId(wf("parent").template, "AWS::Events::Rule", prefix);

  it("starts a workflow from its event pattern through the validating start handler, never the state machine", () => {
    const [eventRule] = rulesOf("parent");
    expect(eventRule?.EventBusName).toEqual({
      Ref: id("AWS::Events::EventBus", "OrchestrationBus"),
    });
    expect(eventRule?.EventPattern).toEqual({
      source: ["shop.orders"],
      "detail-type": ["Order Placed"],
    });
    expect(eventRule?.Targets).toStrictEqual([
      startTarget('"workflow":"parent","trigger":0,"kind":"event"'),
    ]);
  });

  it("starts a workflow on its schedule through the start handler, with the trigger's input", () => {
    const [, scheduleRule] = rulesOf("parent");
    expect([scheduleRule?.ScheduleExpression, scheduleRule?.EventBusName]).toEqual([
      "rate(1 hour)",
      undefined,
    ]);
    expect(scheduleRule?.Targets).toStrictEqual([
      startTarget(
        '"workflow":"parent","trigger":1,"kind":"schedule","input":{"orderId":"nightly"}',
      ),
    ]);
  });

  it("lets each trigger rule, and only it, invoke the start handler", () => {
    const permissions = Object.values(
      wf("parent").template.findResources("AWS::Lambda::Permission"),
    ).map((p) => wf("parent").resolve(p.Properties));
    expect(permissions).toStrictEqual(
      ["TriggersEvent0", "TriggersSchedule1"].map((rule) => ({
        Action: "lambda:InvokeFunction",
        FunctionName: getAtt(id("AWS::Lambda::Function", "HandlersStartExecutionFunction")),
        Principal: "events.amazonaws.com",
        SourceArn: getAtt(rulesId(rule)),
      })),
    );
    expect(
      Object.keys(wf("parent").template.findResources("AWS::IAM::Role")).filter((r) =>
        r.includes("EventsRole"),
      ),
    ).toStrictEqual([]);
  });

  it("creates no rule for a workflow without triggers", () => {
    expect(rulesOf("quick")).toEqual([]);
  });

  it("accepts detailType or detail-type in a pattern and keeps nested matchers", () => {
    expect(
      toEventPattern({ "detail-type": ["A"], detail: { n: [{ numeric: [">", 1] }] } }),
    ).toEqual({
      detailType: ["A"],
      detail: { n: [{ numeric: [">", 1] }] },
    });
    expect(toEventPattern({ detailType: ["B"], source: ["s"] })).toEqual({
      detailType: ["B"],
      source: ["s"],
    });
  });
});

describe("execution records", () => {
  it("sends status changes of Baton's state machines only to the records queue", () => {
    // Every machine named under the stack's prefix: deployed ones and those created at run time.
    built.template.hasResourceProperties("AWS::Events::Rule", {
      EventBusName: Match.absent(),
      EventPattern: {
        source: ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        detail: {
          stateMachineArn: [{ prefix: accountArn("states", "stateMachine:baton-dev-") }],
        },
      },
      Targets: [
        Match.objectLike({
          Arn: getAtt(id("AWS::SQS::Queue", "RecordsQueue")),
          DeadLetterConfig: { Arn: getAtt(id("AWS::SQS::Queue", "DeadLetters")) },
        }),
      ],
    });
  });

  it("drains the records queue in batches with partial failures, dead-lettering after 8 receives", () => {
    built.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: id("AWS::Lambda::Function", "HandlersExecutionRecordsFunction") },
      EventSourceArn: getAtt(id("AWS::SQS::Queue", "RecordsQueue")),
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
    built.template.hasResourceProperties("AWS::SQS::Queue", {
      QueueName: "baton-dev-records",
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 180,
      RedrivePolicy: {
        deadLetterTargetArn: getAtt(id("AWS::SQS::Queue", "DeadLetters")),
        maxReceiveCount: 8,
      },
    });
  });

  it("sends Baton step and compensation events, not its own execution events, to the records queue", () => {
    built.template.hasResourceProperties("AWS::Events::Rule", {
      EventBusName: { Ref: id("AWS::Events::EventBus", "OrchestrationBus") },
      EventPattern: {
        source: ["baton"],
        "detail-type": [{ prefix: "Step " }, { prefix: "Compensation " }],
      },
      Targets: [Match.objectLike({ Arn: getAtt(id("AWS::SQS::Queue", "RecordsQueue")) })],
    });
  });

  it("splits many state machines over several rules to stay under the pattern size limit", () => {
    // Prepare
    const stack = new Stack(testApp(), "Rules");
    const fn = new LambdaFunction(stack, "Fn", {
      runtime: Runtime.NODEJS_24_X,
      handler: "i.h",
      code: Code.fromInline("x"),
    });
    const arns = Array.from(
      { length: 2 * ARNS_PER_RULE + 5 },
      (_, i) => `arn:aws:states:eu-west-1:1:stateMachine:m${i}`,
    );
    // Act
    new ExecutionRecordsRules(stack, "Records", {
      recordsFunction: fn,
      stateMachineArns: arns,
      eventBus: new EventBus(stack, "Bus"),
      deadLetterQueue: new Queue(stack, "Dlq"),
      recordsTimeout: Duration.seconds(30),
      queueName: "records",
    });
    // Assess
    const rules = Object.values(Template.fromStack(stack).findResources("AWS::Events::Rule"));
    const listed = rules.map((r) => r.Properties.EventPattern.detail?.stateMachineArn?.length ?? 0);
    expect(listed).toEqual([20, 20, 5, 0]);
  });
});

describe("workflow alarms", () => {
  it("alarms on the failure rate with metric math over started and failed executions", () => {
    wf("parent").template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      AlarmName: "baton-dev-parent-failure-rate",
      Threshold: 10,
      ComparisonOperator: "GreaterThanThreshold",
      Metrics: [
        Match.objectLike({
          Expression: "IF(started > 0, 100 * failed / started, 0)",
          ReturnData: true,
        }),
        Match.objectLike({
          Id: "started",
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: "ExecutionsStarted" }),
          }),
        }),
        Match.objectLike({
          Id: "failed",
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: "ExecutionsFailed" }),
          }),
        }),
      ],
    });
    const topic = { Ref: id("AWS::SNS::Topic", "AlarmsTopic") };
    expect(alarmsOf("parent").map((a) => a.AlarmActions)).toEqual([
      [topic],
      [topic],
      [topic],
      [topic],
    ]);
  });

  it("alarms on p95 duration at 80% of the workflow timeout, or 5 minutes without one", () => {
    const threshold = (name: string) =>
      alarmsOf(name).find((a) => a.AlarmName === `baton-dev-${name}-duration-p95`);
    expect([threshold("parent")?.Threshold, threshold("parent")?.ExtendedStatistic]).toEqual([
      480_000,
      "p95",
    ]);
    expect(threshold("child")?.Threshold).toEqual(300_000);
  });

  it("counts compensation failures from the ExecutionFailed log entries", () => {
    wf("parent").template.hasResourceProperties("AWS::Logs::MetricFilter", {
      LogGroupName: { Ref: logicalId(wf("parent").template, "AWS::Logs::LogGroup", "MachineLogs") },
      FilterPattern:
        '{ ($.type = "ExecutionFailed") && ($.details.error = "Baton.CompensationFailed") }',
      MetricTransformations: [
        {
          MetricName: "CompensationFailed_parent",
          MetricNamespace: "Baton/dev",
          MetricValue: "1",
          DefaultValue: 0,
        },
      ],
    });
    wf("parent").template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      AlarmName: "baton-dev-parent-compensation-failed",
      MetricName: "CompensationFailed_parent",
      Namespace: "Baton/dev",
      Threshold: 0,
    });
  });

  it("alarms on throttled executions", () => {
    wf("quick").template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      AlarmName: "baton-dev-quick-throttled",
      MetricName: "ExecutionThrottled",
      Namespace: "AWS/States",
      Dimensions: [{ Name: "StateMachineArn", Value: { Ref: machine("quick") } }],
    });
  });
});

describe("emulator mode", () => {
  it("leaves out versions, aliases, the archive and metric-math alarms", () => {
    // Prepare / Act
    const emulated = synthBaton({
      context: {
        "baton:workflowsDir": fixtureDir({ "child.yaml": FIXTURE_WORKFLOWS["child.yaml"] ?? "" }),
        "baton:emulator": true,
      },
    });
    const child = workflowStack(emulated, "child").template;
    // Assess
    const counts = [
      child.findResources("AWS::StepFunctions::StateMachineVersion"),
      child.findResources("AWS::StepFunctions::StateMachineAlias"),
      emulated.template.findResources("AWS::Events::Archive"),
    ].map((found) => Object.keys(found).length);
    expect(counts).toEqual([0, 0, 0]);
    const withMath = [child, emulated.template]
      .flatMap((t) => Object.values(t.findResources("AWS::CloudWatch::Alarm")))
      .filter((a) => a.Properties.Metrics !== undefined);
    expect(withMath).toEqual([]);
  });
});
