/**
 * The Baton stack: shared platform (key, dead-letter queue, bus, tables, handlers, API, alarms)
 * plus one `BatonWorkflow` per workflow file. Workflows with validation errors fail the synth.
 */
import {
  Annotations,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Stage,
} from "aws-cdk-lib";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { Key } from "aws-cdk-lib/aws-kms";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { allSteps } from "../core/model.ts";
import type { ReadyWorkflow } from "../core/project/model.ts";
import { AlarmTopic } from "./alarm-topic.ts";
import { BatonApi } from "./baton-api.ts";
import { BatonDashboard } from "./baton-dashboard.ts";
import { BatonDeadLetterQueue } from "./baton-dead-letter-queue.ts";
import { BatonHandlers } from "./baton-handlers.ts";
import { BatonTables } from "./baton-tables.ts";
import { BatonWorkflow } from "./baton-workflow.ts";
import { writeCatalogueFile, writeTemplatesFile } from "./catalogue-file.ts";
import { loadCompiledWorkflows } from "./compiled-workflows.ts";
import { ConcurrencySlotsRule } from "./concurrency-slots-rule.ts";
import type { BatonConfig } from "./config.ts";
import { ContractDriftAlarm } from "./contract-drift-alarm.ts";
import { EventHistoryRule } from "./event-history-rule.ts";
import { ExecutionRecordsRules, RECORDS_TIMEOUT } from "./execution-records-rules.ts";
import { HealthCheckSchedule } from "./health-check-schedule.ts";
import { OrchestrationBus } from "./orchestration-bus.ts";
import { PeerDirectory } from "./peer-directory.ts";
import { resourcePrefix, stateMachineArn, stateMachineName } from "./physical-names.ts";
import { PlatformAlarms } from "./platform-alarms.ts";
import { RegistrySeed } from "./registry-seed.ts";
import { compensationFailedMetric } from "./workflow-alarms.ts";

export interface BatonStackProps extends StackProps {
  readonly config: BatonConfig;
  /** Compiled workflows to deploy. @default loaded and compiled from `config.workflowsDir` */
  readonly workflows?: readonly ReadyWorkflow[];
}

export class BatonStack extends Stack {
  readonly workflows: Readonly<Record<string, BatonWorkflow>>;
  readonly handlers: BatonHandlers;
  readonly api: BatonApi;
  readonly tables: BatonTables;
  readonly bus: OrchestrationBus;
  readonly deadLetterQueue: BatonDeadLetterQueue;
  /** services.yaml, registered on deploy (docs/deploy.md#the-registry-seed). */
  readonly registrySeed: RegistrySeed;
  /** Absolute path of the catalogue file written by this synth. */
  readonly catalogueFile: string;

  constructor(scope: Construct, id: string, props: BatonStackProps) {
    const { config, workflows, ...stackProps } = props;
    super(scope, id, { description: "Baton serverless workflow orchestrator", ...stackProps });
    const compiled = workflows ?? this.loadWorkflows(config);
    const prefix = resourcePrefix(config.stage);
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = logRetentionFor(config.retentionDays);
    const names = Object.fromEntries(
      compiled.map((c) => [c.workflow.name, stateMachineName(config.stage, c.workflow.name)]),
    );

    const key = new Key(this, "Key", {
      alias: `alias/${prefix}`,
      description: `Baton ${config.stage}: orchestration bus, its archive and the alarm topic`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
      removalPolicy,
    });
    this.deadLetterQueue = new BatonDeadLetterQueue(this, "DeadLetters", {
      queueName: `${prefix}-dlq`,
      removalPolicy,
    });
    const dlq = this.deadLetterQueue.queue;
    const targetDlq = this.deadLetterQueue.targetQueue;
    this.bus = new OrchestrationBus(this, "Orchestration", {
      eventBusName: prefix,
      encryptionKey: key,
      deadLetterQueue: targetDlq,
      archive: !config.emulator,
    });
    const bus = this.bus.bus;
    this.tables = new BatonTables(this, "Tables", {
      namePrefix: prefix,
      removalPolicy,
      ...(config.regions.length > 1
        ? { peers: { regions: config.regions, region: this.region } }
        : {}),
    });
    const stage = Stage.of(this);
    if (stage === undefined) {
      throw new Error(`BatonStack ${id} has no App or Stage above it; create it inside one.`);
    }
    this.catalogueFile = writeCatalogueFile(compiled, stage.outdir, this.artifactId);
    const metricNamespace = `Baton/${config.stage}`;
    this.handlers = new BatonHandlers(this, "Handlers", {
      registryTable: this.tables.registry,
      executionsTable: this.tables.executions,
      eventBus: bus,
      deadLetterQueue: dlq,
      workflows: compiled.map((c) => ({
        name: c.workflow.name,
        stateMachineName: names[c.workflow.name] ?? "",
        express: c.workflow.type === "express",
        awaits: c.manifest.tasks.includes("AwaitSignal"),
      })),
      catalogueFile: this.catalogueFile,
      templatesFile: writeTemplatesFile(config.templatesDir, stage.outdir, this.artifactId),
      retentionDays: config.retentionDays,
      allowPrivateServiceUrls: config.allowPrivateServiceUrls,
      maxCallTimeoutSeconds: maxCallTimeout(compiled),
      logRetention,
      removalPolicy,
      runtimeWorkflows: { table: this.tables.workflows, stateMachinePrefix: `${prefix}-` },
      eventHistory: {
        table: this.tables.events,
        ...(this.bus.archive === undefined ? {} : { archive: this.bus.archive }),
        replayNamePrefix: `${prefix}-replay`,
      },
      metricNamespace,
    });
    const fns = this.handlers.functions;
    this.registrySeed = new RegistrySeed(this, "RegistrySeed", {
      servicesFile: config.servicesFile,
      registryTable: this.tables.registry,
      eventBus: bus,
      deadLetterQueue: dlq,
      allowPrivateServiceUrls: config.allowPrivateServiceUrls,
      logRetention,
      removalPolicy,
      metricNamespace,
    });
    const topic = new AlarmTopic(this, "Alarms", {
      topicName: `${prefix}-alarms`,
      encryptionKey: key,
      ...(config.alarmEmail === undefined ? {} : { email: config.alarmEmail }),
    });
    const alarmAction = new SnsAction(topic.topic);

    const workflowsScope = new Construct(this, "Workflows");
    this.workflows = Object.fromEntries(
      compiled.map((c) => [
        c.workflow.name,
        new BatonWorkflow(workflowsScope, c.workflow.name, {
          compiled: c,
          stateMachineName: names[c.workflow.name] ?? "",
          stateMachineNames: names,
          serviceCall: fns["service-call"].function,
          awaitSignal: fns["await-signal"].function,
          startExecution: fns["start-execution"].function,
          eventBus: bus,
          deadLetterQueue: targetDlq,
          metricNamespace,
          alarmAction,
          logRetention,
          removalPolicy,
          emulator: config.emulator,
          logLevel: config.stateMachineLogLevel,
        }),
      ]),
    );
    // ARNs from names: the platform references no output of the workflows' nested stacks.
    const machineArns = compiled.map((c) => stateMachineArn(this, names[c.workflow.name] ?? ""));

    new ExecutionRecordsRules(this, "Records", {
      recordsFunction: fns["execution-records"].function,
      recordsTimeout: RECORDS_TIMEOUT,
      stateMachineArns: machineArns,
      // Machines created through the API have names known only at run time: one prefix rule.
      stateMachineArnPrefix: stateMachineArn(this, `${prefix}-`),
      eventBus: bus,
      // The queue's redrive policy needs the queue itself (its ARN), not the targets' reference.
      deadLetterQueue: dlq,
      queueName: `${prefix}-records`,
      removalPolicy,
    });
    new EventHistoryRule(this, "EventHistory", {
      eventBus: bus,
      historyFunction: fns["event-history"].function,
      deadLetterQueue: dlq,
      targetDeadLetterQueue: targetDlq,
      queueName: `${prefix}-event-history`,
      removalPolicy,
    });
    const limited = compiled.filter((c) => c.workflow.concurrency !== undefined);
    if (limited.length > 0) {
      new ConcurrencySlotsRule(this, "ConcurrencySlots", {
        startExecution: fns["start-execution"].function,
        stateMachineArns: limited.map((c) => stateMachineArn(this, names[c.workflow.name] ?? "")),
        deadLetterQueue: targetDlq,
      });
    }
    new HealthCheckSchedule(this, "HealthChecks", {
      healthCheck: fns["health-check"].function,
      deadLetterQueue: targetDlq,
      eventBus: bus,
    });
    this.api = new BatonApi(this, "Http", {
      restApiName: prefix,
      handler: fns.api.function,
      eventsHandler: fns.events.function,
      ...(this.handlers.publishWorkflow === undefined
        ? {}
        : { publishHandler: this.handlers.publishWorkflow.function }),
      consoleHandler: this.handlers.console.function,
      auth: config.apiAuth,
      logRetention,
      removalPolicy,
    });
    new PeerDirectory(this, "Peers", {
      api: this.api.api,
      apiFunction: fns.api,
      healthCheck: fns["health-check"],
      regions: config.regions,
    });
    const lambdas = Object.fromEntries(Object.entries(fns).map(([n, f]) => [n, f.function]));
    new PlatformAlarms(this, "PlatformAlarms", {
      alarmNamePrefix: prefix,
      deadLetterQueue: dlq,
      functions: lambdas,
      alarmAction,
    });
    new ContractDriftAlarm(this, "ContractDrift", {
      alarmNamePrefix: prefix,
      eventBus: bus,
      alarmAction,
    });
    new BatonDashboard(this, "Dashboard", {
      dashboardName: prefix,
      metricNamespace,
      workflows: compiled.map((c, i) => ({
        name: c.workflow.name,
        stateMachineArn: machineArns[i] ?? "",
        compensationFailed: compensationFailedMetric(metricNamespace, c.workflow.name),
      })),
      functions: lambdas,
      deadLetterQueue: dlq,
      api: this.api.api,
    });
    this.addOutputs(prefix);
  }

  private loadWorkflows(config: BatonConfig): readonly ReadyWorkflow[] {
    const dir = config.workflowsDir;
    const loaded = loadCompiledWorkflows(dir, { servicesFile: config.servicesFile });
    for (const warning of loaded.warnings) {
      Annotations.of(this).addWarningV2("baton:workflowWarning", warning);
    }
    if (loaded.workflows.length === 0) {
      Annotations.of(this).addWarningV2("baton:noWorkflows", `No workflow files in ${dir}.`);
    }
    return loaded.workflows;
  }

  private addOutputs(prefix: string): void {
    new CfnOutput(this, "ApiUrl", { value: this.api.api.url, description: "Baton API base URL" });
    new CfnOutput(this, "EventBusName", { value: this.bus.bus.eventBusName });
    new CfnOutput(this, "DeadLetterQueueUrl", { value: this.deadLetterQueue.queue.queueUrl });
    new CfnOutput(this, "StateMachinePrefix", { value: `${prefix}-` });
    if (this.api.userPool !== undefined) {
      new CfnOutput(this, "UserPoolId", { value: this.api.userPool.userPoolId });
    }
    if (this.api.userPoolClient !== undefined) {
      new CfnOutput(this, "UserPoolClientId", { value: this.api.userPoolClient.userPoolClientId });
    }
  }
}

/** The shortest CloudWatch Logs retention that keeps logs at least `days`. */
export function logRetentionFor(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays)
    .filter(
      (value): value is RetentionDays =>
        typeof value === "number" && value !== RetentionDays.INFINITE,
    )
    .sort((a, b) => a - b);
  return allowed.find((value) => value >= days) ?? RetentionDays.TEN_YEARS;
}

/** The longest per-attempt timeout of any call or compensation, in seconds. */
export function maxCallTimeout(workflows: readonly ReadyWorkflow[]): number {
  let max = 0;
  for (const { workflow } of workflows) {
    for (const step of allSteps(workflow.steps)) {
      if (step.kind !== "call") continue;
      max = Math.max(max, step.timeout, step.compensate?.timeout ?? 0);
    }
  }
  return max;
}
