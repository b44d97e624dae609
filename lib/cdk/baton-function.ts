/**
 * One Baton Lambda handler (`functions/<name>.ts`) with the house defaults: ESM bundle built by the
 * local esbuild (never Docker), minified with source maps, Node.js 24 on ARM, X-Ray, JSON logs in
 * a log group with retention, and a role that may write only to that log group.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from "aws-cdk-lib/aws-lambda";
import { type BundlingOptions, NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { acknowledge } from "./nag.ts";

/** The project root (holding package-lock.json, functions/ and lib/). */
export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The newest Node.js runtime (cdk-nag L1); bundles target Node 22 so they also run where 24 is missing. */
export const HANDLER_RUNTIME = Runtime.NODEJS_24_X;

/** ESM bundles have no `require`; some CommonJS dependencies still call it. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __batonCreateRequire } from 'node:module'; const require = __batonCreateRequire(import.meta.url);";

/** Modules the runtime provides, left out of every bundle (the NodejsFunction default for Node 18+). */
export const EXTERNAL_MODULES: readonly string[] = ["@aws-sdk/*"];

export interface BundledFile {
  /** Absolute path of the file to ship. */
  readonly source: string;
  /** Name inside the bundle (next to `index.mjs`). */
  readonly target: string;
}

export interface BatonFunctionProps {
  /** Handler file name under `functions/`, without extension, e.g. `service-call`. */
  readonly handler: string;
  readonly description: string;
  /** Reserved Baton environment (see `lib/runtime/aws/env.ts`). @default none */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** Extra files copied into the bundle after esbuild ran. @default none */
  readonly bundledFiles?: readonly BundledFile[];
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Applies to the log group. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Receives asynchronous invocations (EventBridge targets) that still fail after Lambda's own
   * retries. @default none
   */
  readonly deadLetterQueue?: IQueue;
  /** CloudWatch namespace of the handler's EMF metrics (Powertools Metrics). @default "Baton" */
  readonly metricNamespace?: string;
}

export class BatonFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: BatonFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, "Logs", {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `Baton ${props.handler} handler`,
    });
    this.logGroup.grantWrite(this.role);
    this.function = new NodejsFunction(this, "Function", {
      entry: join(PROJECT_ROOT, "functions", `${props.handler}.ts`),
      handler: "handler",
      description: props.description,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, "package-lock.json"),
      runtime: HANDLER_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.WARN,
      logGroup: this.logGroup,
      role: this.role,
      // Stack traces point into the TypeScript sources through the shipped source maps.
      environment: {
        NODE_OPTIONS: "--enable-source-maps",
        // Powertools Logger and Metrics (docs/observability.md).
        POWERTOOLS_SERVICE_NAME: "baton",
        POWERTOOLS_METRICS_NAMESPACE: props.metricNamespace ?? "Baton",
        ...props.environment,
      },
      bundling: handlerBundling(props.bundledFiles ?? []),
      ...(props.deadLetterQueue === undefined
        ? {}
        : {
            deadLetterQueueEnabled: true,
            deadLetterQueue: props.deadLetterQueue,
            retryAttempts: 2,
          }),
    });
    // The role is built here, so only X-Ray's resource-less actions are left to justify.
    acknowledge(
      this.role,
      "AwsSolutions-IAM5",
      "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.",
      ["Resource::*"],
    );
  }
}

/** The esbuild options every handler is bundled with (the size-budget test uses the same). */
export function handlerBundling(files: readonly BundledFile[]): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: "node22",
    platform: "node",
    minify: true,
    sourceMap: true,
    sourcesContent: false,
    mainFields: ["module", "main"],
    banner: ESM_REQUIRE_BANNER,
    externalModules: [...EXTERNAL_MODULES],
    forceDockerBundling: false,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir: string, outputDir: string) =>
        files.map(
          (file) => `cp ${shellQuote(file.source)} ${shellQuote(join(outputDir, file.target))}`,
        ),
    },
  };
}

const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;
