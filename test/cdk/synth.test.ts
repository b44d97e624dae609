/**
 * Synthesizes the example app in-process exactly as `cdk synth` does (bundling included), with
 * Docker made unusable and outgoing connections recorded, then checks the bundles and cdk-nag.
 */
import { existsSync, readFileSync } from "node:fs";
import { Socket } from "node:net";
import { join, resolve } from "node:path";
import { type App, Validations } from "aws-cdk-lib";
import type { CloudAssembly } from "aws-cdk-lib/cx-api";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { BatonStack } from "../../lib/cdk/baton-stack.ts";
import { readBatonConfig } from "../../lib/cdk/config.ts";
import { parseCatalogue } from "../../lib/runtime/workflow-catalogue.ts";
import { fixtureDir, synthBaton, testApp } from "./helpers.ts";

const EXAMPLES = resolve(import.meta.dirname, "../../workflows");

let app: App;
let stack: BatonStack;
let assembly: CloudAssembly;
const connections: string[] = [];

beforeAll(() => {
  const previousDocker = process.env.CDK_DOCKER;
  process.env.CDK_DOCKER = "/nonexistent/docker-must-not-be-used";
  const connect = Socket.prototype.connect;
  Socket.prototype.connect = function (this: Socket, ...args: unknown[]) {
    connections.push(JSON.stringify(args[0]));
    return (connect as (...a: unknown[]) => Socket).apply(this, args);
  } as typeof Socket.prototype.connect;
  try {
    app = testApp({ context: { "baton:workflowsDir": EXAMPLES } });
    stack = new BatonStack(app, "Baton-dev", { config: readBatonConfig(app.node) });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
    assembly = app.synth();
  } finally {
    Socket.prototype.connect = connect;
    if (previousDocker === undefined) delete process.env.CDK_DOCKER;
    else process.env.CDK_DOCKER = previousDocker;
  }
}, 180_000);

/** The asset folder of a handler's bundle. */
function bundleDir(handler: string): string {
  const template = assembly.getStackByName(stack.stackName).template as {
    Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>;
  };
  const fn = Object.entries(template.Resources).find(
    ([id, r]) => r.Type === "AWS::Lambda::Function" && id.startsWith(`Handlers${handler}Function`),
  );
  const key = fn?.[1].Properties.Code?.S3Key ?? "";
  return join(assembly.directory, `asset.${key.replace(/\.zip$/, "")}`);
}

describe("synth of the example app", () => {
  it("runs offline: no network connection is opened", () => {
    expect(connections).toEqual([]);
  });

  it("bundles every handler locally as ESM with the createRequire banner and a source map", () => {
    for (const handler of [
      "ServiceCall",
      "HealthCheck",
      "Api",
      "ExecutionRecords",
      "AwaitSignal",
    ]) {
      const dir = bundleDir(handler);
      const code = readFileSync(join(dir, "index.mjs"), "utf8");
      expect([
        handler,
        code.startsWith("import { createRequire as __batonCreateRequire }"),
      ]).toEqual([handler, true]);
      expect([handler, existsSync(join(dir, "index.mjs.map"))]).toEqual([handler, true]);
    }
  });

  it("ships the catalogue, readable by the handlers' own parser, in the API and records bundles only", () => {
    for (const handler of ["Api", "ExecutionRecords"]) {
      const catalogue = parseCatalogue(
        readFileSync(join(bundleDir(handler), "catalogue.json"), "utf8"),
      );
      expect(catalogue.list().map((w) => w.name)).toEqual([
        "data-pipeline",
        "document-analysis",
        "order-fulfillment",
        "user-registration",
        "voice-transcription",
      ]);
      const entry = catalogue.get("order-fulfillment");
      expect([
        entry?.version,
        entry?.type,
        typeof entry?.mermaid,
        (entry?.asl as { StartAt?: unknown })?.StartAt !== undefined,
      ]).toEqual([3, "standard", "string", true]);
    }
    expect(existsSync(join(bundleDir("ServiceCall"), "catalogue.json"))).toEqual(false);
  });

  it("passes cdk-nag AwsSolutions with every finding acknowledged", () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => `${v.severity} ${v.ruleName}`)).toEqual([]);
  });
});

describe("synth of invalid workflows", () => {
  it("fails naming file:line, code and message of every error", () => {
    // Prepare
    const dir = fixtureDir({
      "broken.yaml": "workflow: broken\nsteps:\n  - id: a\n    wait: { seconds: 0 }\n",
    });
    // Act / Assess
    expect(() => synthBaton({ context: { "baton:workflowsDir": dir } })).toThrow(
      /broken\.yaml:4: E_RANGE wait seconds must be a whole number between 1 and 99999999, got 0/,
    );
  });
});
