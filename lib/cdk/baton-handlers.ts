/**
 * The Lambda handlers and exactly what each may touch. `HANDLER_ACCESS` is the single statement of
 * that: every environment variable and IAM grant below is derived from it, and the tests read it.
 */
import { ArnFormat, Duration, type RemovalPolicy, Stack } from "aws-cdk-lib";
import type { CfnTable, Table } from "aws-cdk-lib/aws-dynamodb";
import type { EventBus } from "aws-cdk-lib/aws-events";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { LAMBDA_TIMEOUT_MARGIN } from "../core/call-budget.ts";
import { ENV } from "../runtime/aws/env.ts";
import { BatonFunction, type BundledFile } from "./baton-function.ts";
import type { RegistryTable } from "./baton-tables.ts";
import { CATALOGUE_FILE_NAME, TEMPLATES_FILE_NAME } from "./catalogue-file.ts";
import { EVENT_HISTORY_TIMEOUT } from "./event-history-rule.ts";
import { RECORDS_TIMEOUT } from "./execution-records-rules.ts";
import { accountArn, acknowledge, attributeRef } from "./nag.ts";
import { executionsArn, stateMachineArn } from "./physical-names.ts";
import { RuntimeWorkflowRole } from "./runtime-workflow-role.ts";

export type HandlerName =
  | "service-call"
  | "health-check"
  | "api"
  | "execution-records"
  | "await-signal"
  | "start-execution"
  | "events"
  | "event-history";

export interface HandlerAccess {
  readonly registry?: true;
  readonly executions?: true;
  /** Publishes on the bus (and dead-letters what it refuses). */
  readonly publishes?: true;
  /** Reads and deletes dead-letter messages (`GET /dlq`, `POST /dlq/redrive`). */
  readonly drainsDeadLetters?: true;
  /** Ships the catalogue and knows every state machine ARN. */
  readonly catalogue?: true;
  /**
   * Starts, stops, redrives and describes executions, reads their history (the step results a
   * cancel compensates), and answers task tokens.
   */
  readonly controlsWorkflows?: true;
  /**
   * Reads the history of finished executions (the states each run entered and exited), for the
   * records' true step statuses. Standard workflows only: express executions have no history.
   */
  readonly readsHistory?: true;
  /** Starts executions of the stack's workflows (`StartExecution` only). */
  readonly startsWorkflows?: true;
  /**
   * Describes executions of standard workflows: the concurrency drainer checks whether a slot's
   * holder still runs (docs/limits-and-pause.md).
   */
  readonly describesExecutions?: true;
  /**
   * Reads an execution's pause flag before each call and counts the attempts it turns away
   * (`GetItem`, `UpdateItem` on the executions table; docs/limits-and-pause.md).
   */
  readonly pauseFlags?: true;
  /** Reads `baton/*` secrets for `{{ secret:… }}` headers. */
  readonly readsSecrets?: true;
  /** Completes `await` steps whose signal arrived first (`SendTaskSuccess`). */
  readonly answersTaskTokens?: true;
  /** Invoked asynchronously; failed events go to the dead-letter queue (and `POST /dlq/redrive`). */
  readonly deadLettersFailedEvents?: true;
  /** Puts caller events on the bus (`POST /events`): `PutEvents` only, no dead-letter queue. */
  readonly putsEvents?: true;
  /** The bus history: `read` queries it (`GET /events`), `write` stores events in it. */
  readonly eventHistory?: "read" | "write";
  /** Starts replays from the bus's archive into the bus (`POST /events/replay`). */
  readonly replays?: true;
}

export const HANDLER_ACCESS: Readonly<Record<HandlerName, HandlerAccess>> = {
  "service-call": { registry: true, pauseFlags: true, publishes: true, readsSecrets: true },
  // Probes send the service's configured headers, which may reference secrets. It also refreshes
  // service contracts and judges the deployed workflows against them (the catalogue), storing
  // drift in the registry table (docs/contracts.md).
  "health-check": { registry: true, publishes: true, readsSecrets: true, catalogue: true },
  api: {
    registry: true,
    executions: true,
    publishes: true,
    drainsDeadLetters: true,
    catalogue: true,
    controlsWorkflows: true,
  },
  "execution-records": {
    executions: true,
    publishes: true,
    catalogue: true,
    readsHistory: true,
  },
  "await-signal": { executions: true, answersTaskTokens: true },
  // Trigger and schedule rules invoke it: it validates, starts (recorded as an API start) or
  // announces and dead-letters a refusal; failed invocations are dead-lettered too. Workflow
  // steps invoke it (synchronously) to resolve and check a child's input before starting it.
  "start-execution": {
    executions: true,
    publishes: true,
    catalogue: true,
    startsWorkflows: true,
    describesExecutions: true,
    deadLettersFailedEvents: true,
  },
  // The bus routes (`/events`): a Lambda of their own, so only it reaches the history and the archive.
  events: { putsEvents: true, eventHistory: "read", replays: true },
  "event-history": { eventHistory: "write" },
};

const DESCRIPTIONS: Readonly<Record<HandlerName, string>> = {
  "service-call": "Baton: calls a registered service for a workflow step or compensation",
  // The emulator tier finds the function by this text (test/integration/scenarios): keep it.
  "health-check": "Baton: probes every registered service instance",
  api: "Baton: HTTP API (API Gateway proxy)",
  "execution-records": "Baton: folds execution status and step events into execution records",
  "await-signal": "Baton: parks an await step's task token until its signal arrives",
  "start-execution":
    "Baton: validates a trigger's or schedule's input, then starts the workflow; checks child workflow inputs; releases concurrency slots",
  events: "Baton: POST /events, GET /events (the bus history), POST /events/replay",
  "event-history": "Baton: stores every orchestration bus event in the bus history",
};

/** Secrets a service's `{{ secret:<name> }}` header may reference live under this prefix. */
export const SECRET_PREFIX = "baton/";

export interface WorkflowRef {
  readonly name: string;
  readonly stateMachineName: string;
  readonly express: boolean;
  /** Whether it has `await` steps (their task tokens go through the await-signal handler). */
  readonly awaits: boolean;
}

export interface BatonHandlersProps {
  /**
   * Let the registry accept loopback and private service URLs (`BATON_ALLOW_PRIVATE_URLS=1`); for
   * emulator tests only.
   * @default false
   */
  readonly allowPrivateServiceUrls?: boolean;
  readonly registryTable: RegistryTable;
  readonly executionsTable: Table;
  readonly eventBus: EventBus;
  readonly deadLetterQueue: IQueue;
  readonly workflows: readonly WorkflowRef[];
  /** Absolute path of the catalogue JSON written at synth. */
  readonly catalogueFile: string;
  /** Absolute path of the templates JSON written at synth (publish function only). @default none */
  readonly templatesFile?: string;
  readonly retentionDays: number;
  /** Longest per-attempt call timeout of any workflow, in seconds. @default 30 */
  readonly maxCallTimeoutSeconds?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Workflows managed at run time (`PUT /workflows/{name}`, docs/control-plane.md): the table
   * they live in and the name prefix of the stack's state machines. @default none (those routes 503)
   */
  readonly runtimeWorkflows?: RuntimeWorkflowsProps;
  /** CloudWatch namespace of the handlers' EMF metrics (docs/observability.md). @default "Baton" */
  readonly metricNamespace?: string;
  /** The bus history and replay (`docs/events.md`). @default none (those routes 503) */
  readonly eventHistory?: EventHistoryProps;
}

export interface EventHistoryProps {
  readonly table: Table;
  /** The bus's archive; without it `POST /events/replay` answers 503. @default none */
  readonly archive?: { readonly archiveArn: string };
  /** Replay names start with it, and the role may start replays under it only. */
  readonly replayNamePrefix: string;
}

export interface RuntimeWorkflowsProps {
  readonly table: Table;
  /** `baton-<stage>-`: every state machine of the stack is named `<prefix><workflow>`. */
  readonly stateMachinePrefix: string;
}

/** Step Functions actions the API needs to publish versions and point aliases. */
export const WORKFLOW_MANAGEMENT_ACTIONS = [
  "states:CreateStateMachine",
  "states:UpdateStateMachine",
  "states:PublishStateMachineVersion",
  "states:DescribeStateMachine",
  "states:CreateStateMachineAlias",
  "states:UpdateStateMachineAlias",
  "states:DeleteStateMachineAlias",
  "states:DescribeStateMachineAlias",
] as const;

export class BatonHandlers extends Construct {
  readonly functions: Readonly<Record<HandlerName, BatonFunction>>;
  /** `PUT /workflows/{name}` (compiles, so it is its own bundle); with `runtimeWorkflows` only. */
  readonly publishWorkflow?: BatonFunction;
  /** The role of runtime-created state machines; with `runtimeWorkflows` only. */
  readonly runtimeRole?: RuntimeWorkflowRole;
  /** The web console's static files (`GET /`, `GET /console/{asset}`): no table, no grant. */
  readonly console: BatonFunction;

  constructor(scope: Construct, id: string, props: BatonHandlersProps) {
    super(scope, id);
    const make = (
      name: HandlerName,
      id: string,
      timeout: Duration,
      memorySize = 256,
      entry: {
        readonly handler: string;
        readonly description: string;
        readonly files?: readonly BundledFile[];
      } = {
        handler: name,
        description: DESCRIPTIONS[name],
      },
    ): BatonFunction => {
      const access = HANDLER_ACCESS[name];
      const files = [
        ...(access.catalogue ? [{ source: props.catalogueFile, target: CATALOGUE_FILE_NAME }] : []),
        ...(entry.files ?? []),
      ];
      const fn = new BatonFunction(this, id, {
        handler: entry.handler,
        description: entry.description,
        timeout,
        memorySize,
        environment: this.environmentFor(access, props),
        ...(props.metricNamespace === undefined ? {} : { metricNamespace: props.metricNamespace }),
        ...(files.length > 0 ? { bundledFiles: files } : {}),
        ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
        ...(props.removalPolicy === undefined ? {} : { removalPolicy: props.removalPolicy }),
        ...(access.deadLettersFailedEvents ? { deadLetterQueue: props.deadLetterQueue } : {}),
      });
      this.grant(fn, access, props);
      return fn;
    };
    // The function outlives the handler's hard deadline (step timeout + PREPARE_MS + REPORT_MS) of the longest
    // call, so the handler always returns by itself (lib/core/call-budget.ts).
    const callSeconds = Math.min(
      900,
      Math.max(30, (props.maxCallTimeoutSeconds ?? 30) + LAMBDA_TIMEOUT_MARGIN),
    );
    this.functions = {
      "service-call": make("service-call", "ServiceCall", Duration.seconds(callSeconds)),
      "health-check": make("health-check", "HealthCheck", Duration.seconds(60)),
      // API Gateway stops waiting after 29 s.
      api: make("api", "Api", Duration.seconds(29), 512),
      "execution-records": make("execution-records", "ExecutionRecords", RECORDS_TIMEOUT),
      "await-signal": make("await-signal", "AwaitSignal", Duration.seconds(10)),
      "start-execution": make("start-execution", "StartExecution", Duration.seconds(30)),
      events: make("events", "Events", Duration.seconds(29)),
      "event-history": make("event-history", "EventHistory", EVENT_HISTORY_TIMEOUT),
    };
    this.console = new BatonFunction(this, "Console", {
      handler: "console",
      description: "Baton: the web console's static files (GET /, GET /console/{asset})",
      timeout: Duration.seconds(10),
      memorySize: 128,
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
      ...(props.removalPolicy === undefined ? {} : { removalPolicy: props.removalPolicy }),
    });
    const runtime = props.runtimeWorkflows;
    if (runtime === undefined) return;
    this.runtimeRole = new RuntimeWorkflowRole(this, "RuntimeWorkflowRole", {
      stateMachinePrefix: runtime.stateMachinePrefix,
      serviceCall: this.functions["service-call"].function,
      awaitSignal: this.functions["await-signal"].function,
      eventBus: props.eventBus,
    });
    // Compiling needs the compiler and the YAML parser: a bundle of its own, the API's access.
    this.publishWorkflow = make("api", "PublishWorkflow", Duration.seconds(29), 1024, {
      handler: "publish-workflow",
      description:
        "Baton: PUT /workflows/{name} and templates (validates, compiles, publishes a version)",
      ...(props.templatesFile === undefined
        ? {}
        : { files: [{ source: props.templatesFile, target: TEMPLATES_FILE_NAME }] }),
    });
    if (props.templatesFile !== undefined)
      this.publishWorkflow.function.addEnvironment(ENV.templatesFile, TEMPLATES_FILE_NAME);
    for (const fn of [this.functions.api, this.publishWorkflow])
      this.grantWorkflowManagement(fn, runtime, this.runtimeRole, props);
    for (const name of ["execution-records", "start-execution", "health-check"] as const)
      this.grantCatalogueTable(this.functions[name], runtime);
    this.grantRuntimeHistory(this.functions["execution-records"], runtime);
  }

  /** The table, the prefix's machines and aliases, and passing the runtime role (only it). */
  private grantWorkflowManagement(
    fn: BatonFunction,
    runtime: RuntimeWorkflowsProps,
    runtimeRole: RuntimeWorkflowRole,
    props: BatonHandlersProps,
  ): void {
    runtime.table.grantReadWriteData(fn.role);
    this.setCatalogueEnvironment(fn, runtime);
    const env = {
      [ENV.runtimeRoleArn]: runtimeRole.role.roleArn,
      [ENV.serviceCallArn]: this.functions["service-call"].function.functionArn,
      [ENV.awaitSignalArn]: this.functions["await-signal"].function.functionArn,
      [ENV.eventBus]: props.eventBus.eventBusName,
    };
    for (const [key, value] of Object.entries(env)) fn.function.addEnvironment(key, value);
    const machines = stateMachineArn(this, `${runtime.stateMachinePrefix}*`);
    const executions = executionsArn(this, `${runtime.stateMachinePrefix}*`);
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...WORKFLOW_MANAGEMENT_ACTIONS], resources: [machines] }),
    );
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["states:StartExecution", "states:SendTaskSuccess", "states:SendTaskFailure"],
        resources: [machines],
      }),
    );
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          "states:DescribeExecution",
          "states:StopExecution",
          "states:RedriveExecution",
          "states:GetExecutionHistory",
        ],
        resources: [executions],
      }),
    );
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["iam:PassRole"],
        resources: [runtimeRole.role.roleArn],
        conditions: { StringEquals: { "iam:PassedToService": "states.amazonaws.com" } },
      }),
    );
    acknowledge(
      fn.role,
      "AwsSolutions-IAM5",
      "Workflows are created at run time under the stack's state machine name prefix; only those machines, their versions, aliases and executions are covered.",
      [
        accountArn("states", `stateMachine:${runtime.stateMachinePrefix}*`),
        accountArn("states", `execution:${runtime.stateMachinePrefix}*:*`),
      ],
    );
  }

  private grantCatalogueTable(fn: BatonFunction, runtime: RuntimeWorkflowsProps): void {
    runtime.table.grantReadData(fn.role);
    this.setCatalogueEnvironment(fn, runtime);
  }

  private setCatalogueEnvironment(fn: BatonFunction, runtime: RuntimeWorkflowsProps): void {
    fn.function.addEnvironment(ENV.workflowsTable, runtime.table.tableName);
    fn.function.addEnvironment(
      ENV.stateMachineArnPrefix,
      stateMachineArn(this, runtime.stateMachinePrefix),
    );
  }

  /** The records read the history of runtime-created machines' executions too. */
  private grantRuntimeHistory(fn: BatonFunction, runtime: RuntimeWorkflowsProps): void {
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["states:GetExecutionHistory"],
        resources: [executionsArn(this, `${runtime.stateMachinePrefix}*`)],
      }),
    );
    acknowledge(
      fn.role,
      "AwsSolutions-IAM5",
      "Runtime-created workflows are named under the stack's prefix; the records read their executions' history.",
      [accountArn("states", `execution:${runtime.stateMachinePrefix}*:*`)],
    );
  }

  private environmentFor(access: HandlerAccess, props: BatonHandlersProps): Record<string, string> {
    const env: Record<string, string> = {};
    if (access.registry) env[ENV.registryTable] = props.registryTable.tableName;
    if (access.registry && props.allowPrivateServiceUrls === true) env[ENV.allowPrivateUrls] = "1";
    if (access.executions) {
      env[ENV.executionsTable] = props.executionsTable.tableName;
      env[ENV.retentionDays] = String(props.retentionDays);
    }
    if (access.pauseFlags) env[ENV.executionsTable] = props.executionsTable.tableName;
    if (access.publishes) {
      env[ENV.eventBus] = props.eventBus.eventBusName;
      env[ENV.dlqUrl] = props.deadLetterQueue.queueUrl;
    }
    if (access.drainsDeadLetters) env[ENV.dlqUrl] = props.deadLetterQueue.queueUrl;
    if (access.putsEvents) env[ENV.eventBus] = props.eventBus.eventBusName;
    const history = props.eventHistory;
    if (access.eventHistory !== undefined && history !== undefined) {
      env[ENV.eventsTable] = history.table.tableName;
      env[ENV.retentionDays] = String(props.retentionDays);
    }
    if (access.replays && history?.archive !== undefined) {
      env[ENV.eventArchiveArn] = history.archive.archiveArn;
      env[ENV.eventBusArn] = props.eventBus.eventBusArn;
      env[ENV.replayNamePrefix] = history.replayNamePrefix;
    }
    if (access.catalogue) {
      env[ENV.catalogueFile] = CATALOGUE_FILE_NAME;
      const [first] = props.workflows;
      if (first) {
        // State machines are named `<prefix><workflow>`: one prefix fits any number of workflows
        // in Lambda's 4 KB of environment, where a name → ARN map would not.
        const prefix = first.stateMachineName.slice(0, -first.name.length);
        env[ENV.stateMachineArnPrefix] = stateMachineArn(this, prefix);
      }
    }
    return env;
  }

  private grant(fn: BatonFunction, access: HandlerAccess, props: BatonHandlersProps): void {
    const role = fn.role;
    if (access.registry) props.registryTable.grantReadWriteData(role);
    if (access.executions) props.executionsTable.grantReadWriteData(role);
    else if (access.pauseFlags)
      role.addToPrincipalPolicy(
        new PolicyStatement({
          // Pause flags, service limits and the shared load counters (docs/service-load.md).
          actions: ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query"],
          resources: [props.executionsTable.tableArn],
        }),
      );
    if (access.publishes) {
      props.eventBus.grantPutEventsTo(role);
      props.deadLetterQueue.grantSendMessages(role);
    }
    if (access.drainsDeadLetters) props.deadLetterQueue.grantConsumeMessages(role);
    if (access.putsEvents) props.eventBus.grantPutEventsTo(role);
    this.grantEventHistory(fn, access, props);
    if (access.readsSecrets) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ["secretsmanager:GetSecretValue"],
          resources: [
            Stack.of(this).formatArn({
              service: "secretsmanager",
              resource: "secret",
              resourceName: `${SECRET_PREFIX}*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      );
    }
    if (access.controlsWorkflows) this.grantWorkflowControl(fn, props.workflows);
    if (access.startsWorkflows && props.workflows.length > 0) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ["states:StartExecution"],
          resources: props.workflows.map((w) => stateMachineArn(this, w.stateMachineName)),
        }),
      );
    }
    const standard = props.workflows.filter((w) => !w.express);
    if (access.describesExecutions && !access.controlsWorkflows && standard.length > 0) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ["states:DescribeExecution"],
          resources: standard.map((w) => executionsArn(this, w.stateMachineName)),
        }),
      );
    }
    if (access.readsHistory && standard.length > 0) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ["states:GetExecutionHistory"],
          resources: standard.map((w) => executionsArn(this, w.stateMachineName)),
        }),
      );
    }
    const awaiting = props.workflows.filter((w) => w.awaits);
    if (access.answersTaskTokens && awaiting.length > 0) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ["states:SendTaskSuccess"],
          resources: awaiting.map((w) => stateMachineArn(this, w.stateMachineName)),
        }),
      );
    }
    this.acknowledgeWildcards(fn, access, props);
  }

  /** Query (read) or batch writes (write) on the events table; StartReplay on the archive only. */
  private grantEventHistory(
    fn: BatonFunction,
    access: HandlerAccess,
    props: BatonHandlersProps,
  ): void {
    const history = props.eventHistory;
    if (history === undefined) return;
    if (access.eventHistory !== undefined) {
      fn.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions:
            access.eventHistory === "read"
              ? ["dynamodb:Query"]
              : ["dynamodb:BatchWriteItem", "dynamodb:PutItem"],
          resources: [history.table.tableArn],
        }),
      );
    }
    if (access.replays && history.archive !== undefined) {
      const replays = Stack.of(this).formatArn({
        service: "events",
        resource: "replay",
        resourceName: `${history.replayNamePrefix}-*`,
      });
      fn.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ["events:StartReplay"],
          resources: [history.archive.archiveArn, replays],
        }),
      );
      acknowledge(
        fn.role,
        "AwsSolutions-IAM5",
        "Each replay gets a new name chosen at run time; only names under the stack's replay prefix are allowed, from the bus's own archive.",
        [accountArn("events", `replay/${history.replayNamePrefix}-*`)],
      );
    }
  }

  private grantWorkflowControl(fn: BatonFunction, workflows: readonly WorkflowRef[]): void {
    if (workflows.length === 0) return;
    const machines = workflows.map((w) => stateMachineArn(this, w.stateMachineName));
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["states:StartExecution", "states:SendTaskSuccess", "states:SendTaskFailure"],
        resources: machines,
      }),
    );
    // Express executions cannot be described, stopped, redriven or read back through the API.
    const standard = workflows.filter((w) => !w.express);
    if (standard.length === 0) return;
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          "states:DescribeExecution",
          "states:StopExecution",
          "states:RedriveExecution",
          "states:GetExecutionHistory",
        ],
        resources: standard.map((w) => executionsArn(this, w.stateMachineName)),
      }),
    );
  }

  private acknowledgeWildcards(
    fn: BatonFunction,
    access: HandlerAccess,
    props: BatonHandlersProps,
  ): void {
    // Only the executions table has an index (byWorkflow); grants name it as `<table>/index/*`.
    if (access.executions) {
      const table = attributeRef(props.executionsTable.node.defaultChild as CfnTable, "Arn");
      acknowledge(
        fn.role,
        "AwsSolutions-IAM5",
        "grantReadWriteData includes the executions table's byWorkflow index, which listings query.",
        [`Resource::${table}/index/*`],
      );
    }
    if (access.readsSecrets) {
      acknowledge(
        fn.role,
        "AwsSolutions-IAM5",
        `Service headers name secrets at run time; only the ${SECRET_PREFIX} namespace is readable.`,
        [accountArn("secretsmanager", `secret:${SECRET_PREFIX}*`)],
      );
    }
    if (access.describesExecutions && !access.readsHistory && !access.controlsWorkflows) {
      acknowledge(
        fn.role,
        "AwsSolutions-IAM5",
        "Whether a concurrency slot's holder still runs is asked of an execution chosen at run time; only Baton's state machines are covered.",
        props.workflows
          .filter((w) => !w.express)
          .map((w) => accountArn("states", `execution:${w.stateMachineName}:*`)),
      );
    }
    if (access.readsHistory && !access.controlsWorkflows) {
      acknowledge(
        fn.role,
        "AwsSolutions-IAM5",
        "The finished execution whose history is read is chosen at run time; only Baton's state machines are covered.",
        props.workflows
          .filter((w) => !w.express)
          .map((w) => accountArn("states", `execution:${w.stateMachineName}:*`)),
      );
    }
    if (access.controlsWorkflows) {
      acknowledge(
        fn.role,
        "AwsSolutions-IAM5",
        "Executions to stop, redrive, describe or read are chosen at run time; only Baton's state machines are covered.",
        props.workflows
          .filter((w) => !w.express)
          .map((w) => accountArn("states", `execution:${w.stateMachineName}:*`)),
      );
    }
  }
}
