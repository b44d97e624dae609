import { RemovalPolicy, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { AttributeType, Table } from "aws-cdk-lib/aws-dynamodb";
import { EventBus } from "aws-cdk-lib/aws-events";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { beforeAll, describe, expect, it } from "vitest";
import { BatonHandlers, HANDLER_ACCESS, SECRET_PREFIX } from "../../lib/cdk/baton-handlers.ts";
import { logRetentionFor } from "../../lib/cdk/baton-stack.ts";
import { BatonTables } from "../../lib/cdk/baton-tables.ts";
import { SECRET_NAME_PREFIX } from "../../lib/runtime/registry/secret-headers.ts";
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
} from "./helpers.ts";

const READ_WRITE_DATA = [
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:GetItem",
  "dynamodb:Scan",
  "dynamodb:ConditionCheckItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:DescribeTable",
];

let built: Synthesized;
const id = (type: string, prefix: string): string => logicalId(built.template, type, prefix);

beforeAll(() => {
  built = synthBaton({
    context: {
      "baton:workflowsDir": fixtureDir(FIXTURE_WORKFLOWS),
      "baton:alarmEmail": "ops@example.com",
      "baton:retentionDays": 14,
    },
  });
});

describe("tables", () => {
  it("creates an on-demand registry table with PITR and pk/sk string keys", () => {
    built.template.hasResourceProperties("AWS::DynamoDB::Table", {
      TableName: "baton-dev-registry",
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: Match.absent(),
    });
  });

  it("creates the executions table with the byWorkflow index and expiresAt TTL", () => {
    built.template.hasResourceProperties("AWS::DynamoDB::Table", {
      TableName: "baton-dev-executions",
      BillingMode: "PAY_PER_REQUEST",
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: "byWorkflow",
          KeySchema: [
            { AttributeName: "gsi1pk", KeyType: "HASH" },
            { AttributeName: "gsi1sk", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["status"] },
        },
      ],
    });
  });

  it("deletes data with a non-production stage", () => {
    const tables = built.template.findResources("AWS::DynamoDB::Table");
    expect(Object.values(tables).map((t) => t.DeletionPolicy)).toEqual([
      "Delete",
      "Delete",
      "Delete",
      "Delete",
    ]);
  });
});

describe("retention", () => {
  it("keeps production tables, with deletion protection, when the stack is deleted", () => {
    // Prepare
    const stack = new Stack(testApp(), "Prod");
    // Act
    new BatonTables(stack, "Tables", {
      namePrefix: "baton-prod",
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Assess
    const tables = Object.values(Template.fromStack(stack).findResources("AWS::DynamoDB::Table"));
    expect(tables.map((t) => [t.DeletionPolicy, t.Properties.DeletionProtectionEnabled])).toEqual([
      ["Retain", true],
      ["Retain", true],
      ["Retain", true],
      ["Retain", true],
    ]);
  });

  it("rounds log retention up to the next period CloudWatch offers", () => {
    expect([1, 14, 30, 31, 400, 3650].map(logRetentionFor)).toEqual([1, 14, 30, 60, 400, 3653]);
  });

  it("gives the service-call handler 10 s more than the longest call timeout, at least 30 s", () => {
    const fn =
      built.template.toJSON().Resources[id("AWS::Lambda::Function", "HandlersServiceCallFunction")];
    expect(fn.Properties.Timeout).toEqual(55);
  });
});

describe("bus and dead letters", () => {
  it("encrypts the bus with the stack key and dead-letters what it cannot process", () => {
    built.template.hasResourceProperties("AWS::Events::EventBus", {
      Name: "baton-dev",
      KmsKeyIdentifier: getAtt(id("AWS::KMS::Key", "Key")),
      DeadLetterConfig: { Arn: getAtt(id("AWS::SQS::Queue", "DeadLetters")) },
    });
    built.template.hasResourceProperties("AWS::KMS::Key", { EnableKeyRotation: true });
  });

  it("archives every event of the bus with the same key", () => {
    built.template.hasResourceProperties("AWS::Events::Archive", {
      SourceArn: accountArn("events", "event-bus/baton-dev"),
      EventPattern: { account: [{ Ref: "AWS::AccountId" }] },
      RetentionDays: 30,
      KmsKeyIdentifier: getAtt(id("AWS::KMS::Key", "Key")),
    });
  });

  it("encrypts the dead-letter queue and refuses plain-text transport", () => {
    built.template.hasResourceProperties("AWS::SQS::Queue", {
      QueueName: "baton-dev-dlq",
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    const policy = Object.values(built.template.findResources("AWS::SQS::QueuePolicy")).find((p) =>
      JSON.stringify(p.Properties.Queues).includes(id("AWS::SQS::Queue", "DeadLetters")),
    );
    expect(policy?.Properties.PolicyDocument.Statement).toEqual([
      {
        Action: "sqs:*",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Condition: { Bool: { "aws:SecureTransport": "false" } },
        Resource: getAtt(id("AWS::SQS::Queue", "DeadLetters")),
      },
      {
        // One statement for every rule and bus of the account, not one per rule: SQS allows 20.
        Sid: "AllowEventBridgeOfThisAccount",
        Action: "sqs:SendMessage",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Condition: {
          ArnLike: {
            "aws:SourceArn": [accountArn("events", "rule/*"), accountArn("events", "event-bus/*")],
          },
          StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
        },
        Resource: getAtt(id("AWS::SQS::Queue", "DeadLetters")),
      },
    ]);
  });

  it("encrypts the records queue, refuses plain-text transport and admits the account's rules in one statement", () => {
    built.template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      Queues: [{ Ref: id("AWS::SQS::Queue", "RecordsQueue") }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Effect: "Deny",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
          Match.objectLike({
            Sid: "AllowEventBridgeRulesOfThisAccount",
            Condition: Match.objectLike({
              ArnLike: { "aws:SourceArn": accountArn("events", "rule/*") },
            }),
          }),
        ],
      },
    });
  });
});

describe("handlers", () => {
  const handlers = [
    ["ServiceCall", "service-call"],
    ["HealthCheck", "health-check"],
    ["Api", "api"],
    ["ExecutionRecords", "execution-records"],
    ["AwaitSignal", "await-signal"],
    ["StartExecution", "start-execution"],
  ] as const;

  it("runs every handler as ESM on Node.js 24, ARM, with X-Ray and JSON logs in its own log group", () => {
    for (const [name] of handlers) {
      built.template.hasResourceProperties("AWS::Lambda::Function", {
        FunctionName: Match.absent(),
        Handler: "index.handler",
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        TracingConfig: { Mode: "Active" },
        LoggingConfig: {
          LogFormat: "JSON",
          ApplicationLogLevel: "INFO",
          SystemLogLevel: "WARN",
          LogGroup: { Ref: id("AWS::Logs::LogGroup", `Handlers${name}Logs`) },
        },
        Role: getAtt(id("AWS::IAM::Role", `Handlers${name}Role`)),
      });
    }
  });

  it("keeps handler logs for the configured retention", () => {
    const group = built.template.toJSON().Resources[id("AWS::Logs::LogGroup", "HandlersApiLogs")];
    expect(group.Properties).toEqual({ RetentionInDays: 14 });
  });

  it("gives each handler exactly the environment its access needs", () => {
    // Prepare
    const functions = built.template.findResources("AWS::Lambda::Function");
    const envOf = (name: string) =>
      Object.keys(
        functions[id("AWS::Lambda::Function", `Handlers${name}Function`)]?.Properties.Environment
          .Variables ?? {},
      ).sort();
    const POWERTOOLS = ["POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_SERVICE_NAME"];
    // Act
    const keys = Object.fromEntries(handlers.map(([name, handler]) => [handler, envOf(name)]));
    // Assess
    expect(keys).toEqual({
      "service-call": [
        "BATON_DLQ_URL",
        "BATON_EVENT_BUS",
        "BATON_EXECUTIONS_TABLE",
        "BATON_REGISTRY_TABLE",
        "NODE_OPTIONS",
        ...POWERTOOLS,
      ],
      "health-check": [
        "BATON_API_URL",
        "BATON_CATALOGUE_FILE",
        "BATON_DLQ_URL",
        "BATON_EVENT_BUS",
        "BATON_REGISTRY_TABLE",
        "BATON_STATE_MACHINE_ARN_PREFIX",
        "BATON_WORKFLOWS_TABLE",
        "NODE_OPTIONS",
        ...POWERTOOLS,
      ],
      api: [
        "BATON_API_URL",
        "BATON_AWAIT_SIGNAL_ARN",
        "BATON_CATALOGUE_FILE",
        "BATON_DLQ_URL",
        "BATON_EVENT_BUS",
        "BATON_EXECUTIONS_TABLE",
        "BATON_REGISTRY_TABLE",
        "BATON_RETENTION_DAYS",
        "BATON_RUNTIME_ROLE_ARN",
        "BATON_SERVICE_CALL_ARN",
        "BATON_STATE_MACHINE_ARN_PREFIX",
        "BATON_WORKFLOWS_TABLE",
        "NODE_OPTIONS",
        ...POWERTOOLS,
      ],
      "execution-records": [
        "BATON_CATALOGUE_FILE",
        "BATON_DLQ_URL",
        "BATON_EVENT_BUS",
        "BATON_EXECUTIONS_TABLE",
        "BATON_RETENTION_DAYS",
        "BATON_STATE_MACHINE_ARN_PREFIX",
        "BATON_WORKFLOWS_TABLE",
        "NODE_OPTIONS",
        ...POWERTOOLS,
      ],
      "await-signal": [
        "BATON_EXECUTIONS_TABLE",
        "BATON_RETENTION_DAYS",
        "NODE_OPTIONS",
        ...POWERTOOLS,
      ],
      "start-execution": [
        "BATON_CATALOGUE_FILE",
        "BATON_DLQ_URL",
        "BATON_EVENT_BUS",
        "BATON_EXECUTIONS_TABLE",
        "BATON_RETENTION_DAYS",
        "BATON_STATE_MACHINE_ARN_PREFIX",
        "BATON_WORKFLOWS_TABLE",
        "NODE_OPTIONS",
        ...POWERTOOLS,
      ],
    });
  });

  it("writes every handler's EMF metrics under the stage's namespace, for Powertools", () => {
    const functions = built.template.findResources("AWS::Lambda::Function");
    const settings = handlers.map(([name]) => {
      const env =
        functions[id("AWS::Lambda::Function", `Handlers${name}Function`)]?.Properties.Environment
          .Variables ?? {};
      return [env.POWERTOOLS_METRICS_NAMESPACE, env.POWERTOOLS_SERVICE_NAME];
    });
    expect(new Set(settings.map((pair) => JSON.stringify(pair)))).toStrictEqual(
      new Set([JSON.stringify(["Baton/dev", "baton"])]),
    );
  });

  it("points the API at the shipped catalogue and the state machine ARN prefix", () => {
    const fn =
      built.template.toJSON().Resources[id("AWS::Lambda::Function", "HandlersApiFunction")];
    const env = fn.Properties.Environment.Variables;
    expect(env.BATON_CATALOGUE_FILE).toEqual("catalogue.json");
    expect(env.BATON_RETENTION_DAYS).toEqual("14");
    expect(env.BATON_REGISTRY_TABLE).toEqual({ Ref: id("AWS::DynamoDB::Table", "TablesRegistry") });
    expect(env.BATON_EXECUTIONS_TABLE).toEqual({
      Ref: id("AWS::DynamoDB::Table", "TablesExecutions"),
    });
    expect(env.BATON_EVENT_BUS).toEqual({ Ref: id("AWS::Events::EventBus", "OrchestrationBus") });
    expect(env.BATON_DLQ_URL).toEqual({ Ref: id("AWS::SQS::Queue", "DeadLetters") });
    expect(env.BATON_STATE_MACHINE_ARN_PREFIX).toEqual({
      "Fn::Join": [
        "",
        [
          "arn:",
          { Ref: "AWS::Partition" },
          ":states:",
          { Ref: "AWS::Region" },
          ":",
          { Ref: "AWS::AccountId" },
          ":stateMachine:baton-dev-",
        ],
      ],
    });
  });

  it("lets the service-call handler use its table, the bus, the queue and baton/* secrets only", () => {
    const statements = policyStatements(built.template, "HandlersServiceCallRole");
    const registry = getAtt(id("AWS::DynamoDB::Table", "TablesRegistry"));
    expect(statements.map((s) => [s.Action, s.Resource])).toEqual([
      [
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        getAtt(id("AWS::Logs::LogGroup", "HandlersServiceCallLogs")),
      ],
      [["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "*"],
      [READ_WRITE_DATA, [registry]],
      [["dynamodb:GetRecords", "dynamodb:GetShardIterator"], [registry]],
      // The pause flag each call attempt reads (docs/limits-and-pause.md), and the shared load
      // counters it adds to and least_outstanding queries (docs/service-load.md); no index.
      [
        ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query"],
        getAtt(id("AWS::DynamoDB::Table", "TablesExecutions")),
      ],
      ["events:PutEvents", getAtt(id("AWS::Events::EventBus", "OrchestrationBus"))],
      [
        ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
        getAtt(id("AWS::SQS::Queue", "DeadLetters")),
      ],
      ["secretsmanager:GetSecretValue", accountArn("secretsmanager", "secret:baton/*")],
    ]);
  });

  it("lets the health-check handler (probes and contract refresh) read the workflows table, write only the registry, and touch no state machine", () => {
    const statements = policyStatements(built.template, "HandlersHealthCheckRole");
    const workflows = getAtt(id("AWS::DynamoDB::Table", "TablesWorkflows"));
    const onWorkflows = statements.filter((s) =>
      JSON.stringify(s.Resource).includes(JSON.stringify(workflows)),
    );
    const actions = (s: { readonly Action: unknown }) => [s.Action].flat().map(String);
    expect(onWorkflows.flatMap(actions).filter((a) => /Put|Update|Delete|Write/.test(a))).toEqual(
      [],
    );
    expect(onWorkflows.flatMap(actions)).toContain("dynamodb:Query");
    const registry = getAtt(id("AWS::DynamoDB::Table", "TablesRegistry"));
    const writers = statements.filter((s) => actions(s).includes("dynamodb:PutItem"));
    expect(writers.map((s) => [s.Resource].flat()[0])).toEqual([registry]);
    expect(statements.flatMap(actions).filter((a) => a.startsWith("states:"))).toEqual([]);
  });

  it("lets the records handler read only the history of standard workflows' executions", () => {
    const statements = policyStatements(built.template, "HandlersExecutionRecordsRole");
    const reads = statements.filter((s) => String(s.Action).startsWith("states:"));
    expect(reads).toEqual([
      {
        Action: "states:GetExecutionHistory",
        Effect: "Allow",
        // `quick` is express: it has no history to read.
        Resource: ["child", "idle", "parent"].map((n) =>
          accountArn("states", `execution:baton-dev-${n}:*`),
        ),
      },
      {
        Action: "states:GetExecutionHistory",
        Effect: "Allow",
        // Workflows created through the API: only the stack's name prefix.
        Resource: accountArn("states", "execution:baton-dev-*:*"),
      },
    ]);
  });

  it("lets the API control exactly Baton's state machines and their executions", () => {
    const statements = policyStatements(built.template, "HandlersApiRole");
    const machines = ["child", "idle", "parent", "quick"].map((n) =>
      accountArn("states", `stateMachine:baton-dev-${n}`),
    );
    const control = statements.findIndex(
      (s) => s.Resource === machines || JSON.stringify(s.Resource) === JSON.stringify(machines),
    );
    expect(statements.slice(control, control + 2)).toEqual([
      {
        Action: ["states:StartExecution", "states:SendTaskSuccess", "states:SendTaskFailure"],
        Effect: "Allow",
        Resource: machines,
      },
      {
        Action: [
          "states:DescribeExecution",
          "states:StopExecution",
          "states:RedriveExecution",
          "states:GetExecutionHistory",
        ],
        Effect: "Allow",
        // `quick` is express: its executions cannot be described, stopped, redriven or read.
        Resource: ["child", "idle", "parent"].map((n) =>
          accountArn("states", `execution:baton-dev-${n}:*`),
        ),
      },
    ]);
    expect(statements.map((s) => s.Action)).toContainEqual([
      "sqs:ReceiveMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueUrl",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
    ]);
  });

  it("lets await-signal answer task tokens of workflows with await steps only, and touch no registry", () => {
    const statements = policyStatements(built.template, "HandlersAwaitSignalRole");
    expect(statements.at(-1)).toEqual({
      Action: "states:SendTaskSuccess",
      Effect: "Allow",
      Resource: accountArn("states", "stateMachine:baton-dev-parent"),
    });
    const registry = getAtt(id("AWS::DynamoDB::Table", "TablesRegistry"));
    expect(JSON.stringify(statements).includes(JSON.stringify(registry))).toEqual(false);
  });

  it("lets the start handler start Baton's state machines and describe their executions, nothing else in Step Functions", () => {
    const statements = policyStatements(built.template, "HandlersStartExecutionRole");
    const states = statements.filter((s) => JSON.stringify(s.Action).includes("states:"));
    expect(states[0]).toStrictEqual({
      Action: "states:StartExecution",
      Effect: "Allow",
      Resource: ["child", "idle", "parent", "quick"].map((n) =>
        accountArn("states", `stateMachine:baton-dev-${n}`),
      ),
    });
    // The concurrency drainer asks whether a slot's holder still runs (docs/limits-and-pause.md).
    expect(states.slice(1).map((s) => s.Action)).toStrictEqual(["states:DescribeExecution"]);
    expect(JSON.stringify(states[1]?.Resource)).toContain("execution:baton-dev-");
    expect(statements.map((s) => s.Action)).toContainEqual([
      "sqs:SendMessage",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
    ]);
    expect(statements.map((s) => s.Action)).not.toContainEqual(
      expect.arrayContaining(["sqs:ReceiveMessage"]),
    );
    const registry = getAtt(id("AWS::DynamoDB::Table", "TablesRegistry"));
    expect(JSON.stringify(statements).includes(JSON.stringify(registry))).toEqual(false);
  });

  it("grants no handler a secret unless its access says so", () => {
    const readers = Object.entries(HANDLER_ACCESS)
      .filter(([, a]) => a.readsSecrets)
      .map(([n]) => n);
    expect(readers).toEqual(["service-call", "health-check"]);
    expect(SECRET_PREFIX).toEqual(SECRET_NAME_PREFIX);
  });
});

describe("handler failures", () => {
  it.each(["StartExecution"])(
    "dead-letters %s invocations that still fail after Lambda's own retries",
    (name) => {
      const fn = id("AWS::Lambda::Function", `Handlers${name}Function`);
      expect(built.template.toJSON().Resources[fn].Properties.DeadLetterConfig).toEqual({
        TargetArn: getAtt(id("AWS::SQS::Queue", "DeadLetters")),
      });
      built.template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
        FunctionName: { Ref: fn },
        MaximumRetryAttempts: 2,
      });
    },
  );

  it("lets the registry accept private service URLs only when configured (emulator tests)", () => {
    const variablesOf = (allowPrivateServiceUrls: boolean) => {
      const app = testApp({ context: { "aws:cdk:bundling-stacks": [] } });
      const stack = new Stack(app, "Handlers");
      const table = (name: string) =>
        new Table(stack, name, { partitionKey: { name: "pk", type: AttributeType.STRING } });
      new BatonHandlers(stack, "Handlers", {
        registryTable: table("Registry"),
        executionsTable: table("Executions"),
        eventBus: new EventBus(stack, "Bus"),
        deadLetterQueue: new Queue(stack, "Dlq"),
        workflows: [],
        catalogueFile: "/dev/null",
        retentionDays: 30,
        allowPrivateServiceUrls,
      });
      const functions = Template.fromStack(stack).findResources("AWS::Lambda::Function");
      return Object.entries(functions).map(([logicalId, fn]) => [
        logicalId.replace(/Handlers|Function[0-9A-F]*$/g, ""),
        fn.Properties.Environment.Variables.BATON_ALLOW_PRIVATE_URLS,
      ]);
    };

    expect(variablesOf(false).filter(([, value]) => value !== undefined)).toEqual([]);
    expect(
      variablesOf(true)
        .filter(([, value]) => value === "1")
        .map(([name]) => name)
        .sort(),
    ).toEqual(["Api", "HealthCheck", "ServiceCall"]);
  });

  it("keeps the handlers' environment the same size for any number of workflows", () => {
    // Prepare
    const apiEnvironmentSize = (count: number): number => {
      const app = testApp({ context: { "aws:cdk:bundling-stacks": [] } });
      const stack = new Stack(app, "Handlers");
      const table = (name: string) =>
        new Table(stack, name, { partitionKey: { name: "pk", type: AttributeType.STRING } });
      new BatonHandlers(stack, "Handlers", {
        registryTable: table("Registry"),
        executionsTable: table("Executions"),
        eventBus: new EventBus(stack, "Bus"),
        deadLetterQueue: new Queue(stack, "Dlq"),
        workflows: Array.from({ length: count }, (_, i) => ({
          name: `workflow-number-${i}`,
          stateMachineName: `baton-dev-workflow-number-${i}`,
          express: false,
          awaits: false,
        })),
        catalogueFile: "/dev/null",
        retentionDays: 30,
      });
      const functions = Template.fromStack(stack).findResources("AWS::Lambda::Function");
      const api = Object.entries(functions).find(([logicalId]) => logicalId.includes("Api"));
      return JSON.stringify(api?.[1].Properties.Environment).length;
    };
    // Act
    const small = apiEnvironmentSize(10);
    const large = apiEnvironmentSize(400);
    // Assess
    expect(small).toBeGreaterThan(100);
    expect(large).toBe(small);
  });
});

describe("API", () => {
  it("proxies every route to the api handler with IAM auth and a validator, but the compiling ones, the contract refresh, the bus routes and the console's files", () => {
    const consoleFn = id("AWS::Lambda::Function", "HandlersConsoleFunction");
    const apiFn = id("AWS::Lambda::Function", "HandlersApiFunction");
    const publishFn = id("AWS::Lambda::Function", "HandlersPublishWorkflowFunction");
    const eventsFn = id("AWS::Lambda::Function", "HandlersEventsFunction");
    const methods = Object.values(built.template.findResources("AWS::ApiGateway::Method"));
    const to = (fn: string) =>
      methods.filter((m) => JSON.stringify(m.Properties.Integration.Uri).includes(fn));
    const resources = built.template.findResources("AWS::ApiGateway::Resource");
    const pathOf = (m: (typeof methods)[number]): string => {
      const parts: string[] = [];
      let ref = m.Properties.ResourceId?.Ref as string | undefined;
      while (ref !== undefined && resources[ref] !== undefined) {
        parts.unshift(resources[ref]?.Properties.PathPart);
        ref = resources[ref]?.Properties.ParentId?.Ref;
      }
      return `${m.Properties.HttpMethod} /${parts.join("/")}`;
    };
    expect(methods).toHaveLength(
      to(apiFn).length + to(publishFn).length + to(consoleFn).length + to(eventsFn).length,
    );
    // The bus routes (POST/GET /events, POST /events/replay): the bus Lambda.
    expect(to(eventsFn).map(pathOf)).toEqual(["ANY /events", "ANY /events/{proxy+}"]);
    expect(to(consoleFn).map((m) => [pathOf(m), m.Properties.AuthorizationType])).toEqual([
      ["GET /", "NONE"],
      ["GET /console/{asset}", "NONE"],
    ]);
    expect(to(publishFn).map(pathOf).sort()).toEqual(
      [
        "PUT /workflows/{name}",
        "POST /workflows/from-template",
        "GET /templates",
        "GET /templates/{name}",
        "POST /services/{name}/contract/refresh",
      ].sort(),
    );
    expect(to(apiFn).map(pathOf).sort()).toEqual(
      [
        "ANY /",
        "ANY /{proxy+}",
        "ANY /workflows",
        "ANY /workflows/{name}",
        "ANY /workflows/{name}/{proxy+}",
        "ANY /services",
        "ANY /services/{name}",
        "ANY /services/{name}/{proxy+}",
        "ANY /services/{name}/contract",
        "ANY /services/{name}/contract/{proxy+}",
        "ANY /services/{name}/contract/refresh",
      ].sort(),
    );
    for (const method of [...to(apiFn), ...to(publishFn), ...to(eventsFn)]) {
      expect(method.Properties.AuthorizationType).toEqual("AWS_IAM");
      expect(method.Properties.RequestValidatorId).toEqual({
        Ref: id("AWS::ApiGateway::RequestValidator", "HttpApiValidator"),
      });
      expect(method.Properties.Integration.Type).toEqual("AWS_PROXY");
    }
  });

  it("throttles the stage, traces it, logs errors and writes JSON access logs", () => {
    built.template.hasResourceProperties("AWS::ApiGateway::Stage", {
      StageName: "v1",
      TracingEnabled: true,
      MethodSettings: [
        {
          HttpMethod: "*",
          ResourcePath: "/*",
          DataTraceEnabled: false,
          LoggingLevel: "ERROR",
          MetricsEnabled: true,
          ThrottlingRateLimit: 50,
          ThrottlingBurstLimit: 100,
        },
      ],
      AccessLogSetting: {
        DestinationArn: getAtt(id("AWS::Logs::LogGroup", "HttpAccessLogs")),
        Format: Match.stringLikeRegexp('^\\{"requestId":"\\$context.requestId"'),
      },
    });
  });
});

describe("operations", () => {
  it("sends alarms to an encrypted, TLS-only topic with the configured email", () => {
    built.template.hasResourceProperties("AWS::SNS::Topic", {
      TopicName: "baton-dev-alarms",
      KmsMasterKeyId: getAtt(id("AWS::KMS::Key", "Key")),
    });
    built.template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "ops@example.com",
    });
    built.template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Effect: "Deny",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ],
      },
    });
  });

  it("alarms on dead letters and on every handler's throttles and errors", () => {
    const names = Object.values(built.template.findResources("AWS::CloudWatch::Alarm"))
      .map((a) => a.Properties.AlarmName as string)
      .filter(
        (name) =>
          !name.startsWith("baton-dev-") || !/baton-dev-(child|idle|parent|quick)-/.test(name),
      )
      .sort();
    expect(names).toEqual([
      "baton-dev-api-errors",
      "baton-dev-api-throttles",
      "baton-dev-await-signal-errors",
      "baton-dev-await-signal-throttles",
      "baton-dev-contract-drift",
      "baton-dev-dlq-depth",
      "baton-dev-event-history-errors",
      "baton-dev-event-history-throttles",
      "baton-dev-events-errors",
      "baton-dev-events-throttles",
      "baton-dev-execution-records-errors",
      "baton-dev-execution-records-throttles",
      "baton-dev-health-check-errors",
      "baton-dev-health-check-throttles",
      "baton-dev-service-call-errors",
      "baton-dev-service-call-throttles",
      "baton-dev-start-execution-errors",
      "baton-dev-start-execution-throttles",
    ]);
    built.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      AlarmName: "baton-dev-dlq-depth",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Namespace: "AWS/SQS",
      Statistic: "Maximum",
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      AlarmActions: [{ Ref: id("AWS::SNS::Topic", "AlarmsTopic") }],
    });
  });

  it("alarms when a refreshed contract breaks deployed workflows (Contract Drift Detected on the bus)", () => {
    const rules = built.template.findResources("AWS::Events::Rule", {
      Properties: { EventPattern: { "detail-type": ["Contract Drift Detected"] } },
    });
    const [ruleId, rule] = Object.entries(rules)[0] ?? [];
    expect([Object.keys(rules).length, rule?.Properties.EventPattern]).toEqual([
      1,
      { source: ["baton"], "detail-type": ["Contract Drift Detected"] },
    ]);
    built.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      AlarmName: "baton-dev-contract-drift",
      Namespace: "AWS/Events",
      MetricName: "MatchedEvents",
      Dimensions: [{ Name: "RuleName", Value: { Ref: ruleId } }],
      Statistic: "Sum",
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      AlarmActions: [{ Ref: id("AWS::SNS::Topic", "AlarmsTopic") }],
    });
  });

  it("builds one dashboard, with Baton's per-service metrics found by search expressions", () => {
    built.template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
    built.template.hasResourceProperties("AWS::CloudWatch::Dashboard", {
      DashboardName: "baton-dev",
    });
    const [dashboard] = Object.values(built.template.findResources("AWS::CloudWatch::Dashboard"));
    // The body is JSON inside a CloudFormation join: drop the escaping to read the expressions.
    const body = JSON.stringify(dashboard?.Properties.DashboardBody).replace(/\\/g, "");
    for (const metric of [
      "ServiceCalls",
      "ServiceCallFailures",
      "ServiceCallLatency",
      "CircuitOpened",
    ])
      expect(body).toContain(`SEARCH('{Baton/dev,Service} MetricName="${metric}"'`);
  });

  it("probes service health every minute and dead-letters failed deliveries", () => {
    built.template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(1 minute)",
      Targets: [
        Match.objectLike({
          Arn: getAtt(id("AWS::Lambda::Function", "HandlersHealthCheckFunction")),
          DeadLetterConfig: { Arn: getAtt(id("AWS::SQS::Queue", "DeadLetters")) },
        }),
      ],
    });
  });

  it("probes an instance at once when the service-call handler announces it as a suspect", () => {
    built.template.hasResourceProperties("AWS::Events::Rule", {
      EventBusName: { Ref: id("AWS::Events::EventBus", "Orchestration") },
      EventPattern: { source: ["baton"], "detail-type": ["Instance Suspected"] },
      Targets: [
        Match.objectLike({
          Arn: getAtt(id("AWS::Lambda::Function", "HandlersHealthCheckFunction")),
          DeadLetterConfig: { Arn: getAtt(id("AWS::SQS::Queue", "DeadLetters")) },
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        }),
      ],
    });
  });
});
