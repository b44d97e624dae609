/**
 * The registry seed: services.yaml beside the workflows, registered on deploy by a custom resource
 * (`Custom::BatonRegistrySeed`, handler `functions/registry-seed.ts`). The file is checked at synth
 * (shape, duplicates, the stage's URL policy) so a bad entry fails `cdk synth` with its line, not a
 * deploy half-way; contracts named by a relative path are read now and shipped inline, since the
 * deployed registry cannot read the project's files. What the seed adds, changes and removes on
 * each deploy is in `lib/runtime/registry/deployed-seed.ts`.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { Annotations, CustomResource, Duration, type RemovalPolicy } from "aws-cdk-lib";
import type { EventBus } from "aws-cdk-lib/aws-events";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { parse } from "yaml";
import type { JsonObject } from "../core/model.ts";
import { ENV } from "../runtime/aws/env.ts";
import { checkServicesSeed } from "../runtime/registry/services-file.ts";
import { BatonFunction } from "./baton-function.ts";
import type { RegistryTable } from "./baton-tables.ts";

/** services.yaml cannot be seeded as it is: the message lists every problem with its line. */
export class RegistrySeedError extends Error {
  override readonly name = "RegistrySeedError";
}

export interface RegistrySeedProps {
  /** Absolute path of services.yaml; a missing file seeds nothing (and removes what it seeded). */
  readonly servicesFile: string;
  /** The registry (a global table's replica with peer Regions, docs/peers.md). */
  readonly registryTable: RegistryTable;
  readonly eventBus: EventBus;
  readonly deadLetterQueue: IQueue;
  /** The stage accepts loopback and private service URLs (emulator tests). @default false */
  readonly allowPrivateServiceUrls?: boolean;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
  /** Namespace of the handler's EMF metrics. @default "Baton" */
  readonly metricNamespace?: string;
}

export class RegistrySeed extends Construct {
  readonly function: BatonFunction;
  /** The entries this deploy seeds, as written in the file (contracts inlined). */
  readonly entries: readonly JsonObject[];

  constructor(scope: Construct, id: string, props: RegistrySeedProps) {
    super(scope, id);
    const allowPrivate = props.allowPrivateServiceUrls === true;
    this.entries = readSeed(props.servicesFile, allowPrivate, (warning) =>
      Annotations.of(this).addWarningV2("baton:registrySeedRefused", warning),
    );
    this.function = new BatonFunction(this, "Handler", {
      handler: "registry-seed",
      description: "Baton: registers services.yaml in the registry on deploy",
      timeout: Duration.minutes(2),
      environment: {
        [ENV.registryTable]: props.registryTable.tableName,
        [ENV.eventBus]: props.eventBus.eventBusName,
        [ENV.dlqUrl]: props.deadLetterQueue.queueUrl,
        ...(allowPrivate ? { [ENV.allowPrivateUrls]: "1" } : {}),
      },
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
      ...(props.removalPolicy === undefined ? {} : { removalPolicy: props.removalPolicy }),
      ...(props.metricNamespace === undefined ? {} : { metricNamespace: props.metricNamespace }),
    });
    props.registryTable.grantReadWriteData(this.function.role);
    props.eventBus.grantPutEventsTo(this.function.role);
    props.deadLetterQueue.grantSendMessages(this.function.role);
    const resource = new CustomResource(this, "Resource", {
      serviceToken: this.function.function.functionArn,
      resourceType: "Custom::BatonRegistrySeed",
      // CloudFormation hands every property value over as a string: one JSON string keeps types.
      properties: { Services: JSON.stringify(this.entries) },
    });
    // The answer needs the role's grants in place first.
    resource.node.addDependency(this.function.role);
  }
}

/**
 * The seed's entries from services.yaml, checked; throws with every problem (`file: line L,
 * column C: /pointer: message`). Entries only the stage's URL policy refuses are left out with a
 * warning: the same file is `baton dev`'s registry, where loopback URLs are the norm.
 */
export function readSeed(
  servicesFile: string,
  allowPrivate: boolean,
  warn: (message: string) => void = () => {},
): JsonObject[] {
  if (!existsSync(servicesFile)) return [];
  const shown = relative(process.cwd(), servicesFile) || servicesFile;
  const check = checkServicesSeed(readFileSync(servicesFile, "utf8"), { allowPrivate });
  const problems = [...check.problems];
  const entries = check.entries.map((entry, index) => {
    const inlined = inlineContract(entry, dirname(servicesFile));
    if (typeof inlined === "string") {
      problems.push(`/services/${index}/openapi: ${inlined}`);
      return entry;
    }
    return inlined;
  });
  if (problems.length > 0) {
    throw new RegistrySeedError(
      `${shown}: the registry seed has ${problems.length} problem(s); fix them or set baton:servicesFile to another file:\n${problems.map((p) => `  ${shown}: ${p}`).join("\n")}`,
    );
  }
  if (check.refused.length > 0) {
    const names = check.refused.map((r) => r.name);
    // The runtime's reason ends with advice for `baton dev`; a deploy has its own.
    const first = check.refused[0]?.reason.split("; set BATON_ALLOW_PRIVATE_URLS")[0] ?? "";
    warn(
      `${shown}: ${names.length} service(s) not seeded (${names.join(", ")}): the deployed registry refuses loopback and private URLs (${check.refused[0]?.name}: ${first}). List URLs the Lambda functions can reach to seed them; baton:allowPrivateServiceUrls allows them on emulator stages only. The file still serves baton dev as it is.`,
    );
  }
  return entries;
}

/** The entry with a contract file (`openapi: contracts/x.json`) read inline; a string says why not. */
function inlineContract(entry: JsonObject, baseDir: string): JsonObject | string {
  const source = entry.openapi;
  if (typeof source !== "string" || /^https?:\/\//i.test(source)) return entry;
  const path = resolve(baseDir, source);
  if (!existsSync(path)) return `contract file ${source} not found (looked at ${path})`;
  try {
    const document: unknown = parse(readFileSync(path, "utf8"));
    if (typeof document !== "object" || document === null || Array.isArray(document))
      return `contract file ${source} is not an OpenAPI document (an object)`;
    return { ...entry, openapi: document as JsonObject };
  } catch (error) {
    return `contract file ${source} cannot be read: ${(error as Error).message}`;
  }
}
