/**
 * Peer Regions: `baton:regions` with two Regions gives one stack per Region, the registry a global
 * table owned by the first (a replica in each other Region, each encrypted with its own Region's
 * AWS managed key), the others importing their replica by name and deployed after it; IAM never
 * names another Region's resources except the registry's replicas; cdk-nag passes on both.
 */
import { Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import type { BatonStack } from "../../lib/cdk/baton-stack.ts";
import { createBatonStacks } from "../../lib/cdk/baton-stacks.ts";
import { BatonConfigError, readBatonConfig } from "../../lib/cdk/config.ts";
import { testApp } from "./helpers.ts";

const REGIONS = ["eu-west-1", "us-east-1"] as const;

function synthPeers(regions: unknown) {
  const app = testApp({
    context: { "aws:cdk:bundling-stacks": [], "baton:stage": "test", "baton:regions": regions },
  });
  const stacks = createBatonStacks(app, readBatonConfig(app.node));
  return { app, stacks, templates: stacks.map((s) => Template.fromStack(s)) };
}

type Json = Record<string, unknown>;
const resourcesOf = (template: Template, type: string): Json[] =>
  Object.values(template.findResources(type)) as Json[];

/** Every Region a template's IAM policies name (ARNs of a stack with a Region carry it literally). */
function regionsInPolicies(template: Template): string[] {
  const text = JSON.stringify(resourcesOf(template, "AWS::IAM::Policy"));
  return [...new Set([...text.matchAll(/:([a-z]{2}-[a-z]+-\d):/g)].map((m) => m[1] ?? ""))].sort();
}

const API_DESCRIPTION = "Baton: HTTP API (API Gateway proxy)";
const HEALTH_CHECK_DESCRIPTION = "Baton: probes every registered service instance";

/** A function's properties, found by its description. */
function functionNamed(template: Template, description: string): Json {
  const found = resourcesOf(template, "AWS::Lambda::Function").filter(
    (f) => (f.Properties as Json).Description === description,
  );
  expect(found).toHaveLength(1);
  return found[0]?.Properties as Json;
}

const envOf = (fn: Json): Json =>
  ((fn.Environment as Json | undefined)?.Variables as Json | undefined) ?? {};

/** Every IAM statement of the role a function runs as. */
function statementsOf(template: Template, fn: Json): Json[] {
  const [roleId] = (fn.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"];
  return resourcesOf(template, "AWS::IAM::Policy")
    .filter(
      (p) => JSON.stringify((p.Properties as Json).Roles) === JSON.stringify([{ Ref: roleId }]),
    )
    .flatMap((p) => ((p.Properties as Json).PolicyDocument as Json).Statement as Json[]);
}

/** Statements, across every policy of the template, that allow reading CloudWatch metrics. */
const metricReads = (template: Template): Json[] =>
  resourcesOf(template, "AWS::IAM::Policy")
    .flatMap((p) => ((p.Properties as Json).PolicyDocument as Json).Statement as Json[])
    .filter((s) => JSON.stringify(s.Action).includes("cloudwatch:GetMetric"));

/** The API URL the stack gives its functions: the REST API's id, the Region, stage v1. */
const apiUrlOf = (template: Template, region: string): Json => {
  const [apiId] = Object.keys(template.findResources("AWS::ApiGateway::RestApi"));
  return {
    "Fn::Join": [
      "",
      ["https://", { Ref: apiId }, `.execute-api.${region}.`, { Ref: "AWS::URLSuffix" }, "/v1"],
    ],
  };
};

describe("two peer Regions", () => {
  let built: ReturnType<typeof synthPeers>;
  beforeAll(() => {
    built = synthPeers(JSON.stringify(REGIONS));
  }, 180_000);

  it("makes one stack per Region, the second deployed after the first", () => {
    const [owner, peer] = built.stacks as [BatonStack, BatonStack];
    expect(built.stacks.map((s) => [s.stackName, s.region])).toEqual([
      ["Baton-test-eu-west-1", "eu-west-1"],
      ["Baton-test-us-east-1", "us-east-1"],
    ]);
    expect(peer.dependencies.map((s) => s.stackName)).toEqual([owner.stackName]);
    expect(owner.dependencies).toEqual([]);
  });

  it("creates the registry as a global table with a replica in each Region, each on its own Region's AWS managed key", () => {
    const [owner] = built.templates as [Template, Template];
    const tables = resourcesOf(owner, "AWS::DynamoDB::GlobalTable");
    expect(tables).toHaveLength(1);
    const properties = tables[0]?.Properties as Json;
    expect(properties.TableName).toBe("baton-test-registry");
    expect(properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: "KMS" });
    expect(properties.BillingMode).toBe("PAY_PER_REQUEST");
    expect(
      (properties.Replicas as Json[]).map((r) => [
        r.Region,
        (r.PointInTimeRecoverySpecification as Json).PointInTimeRecoveryEnabled,
        "SSESpecification" in r ? "own key given" : "region's managed key",
      ]),
    ).toEqual([
      ["us-east-1", true, "region's managed key"],
      ["eu-west-1", true, "region's managed key"],
    ]);
  });

  it("keeps executions, workflows, the bus and the API in each Region: only the registry is shared", () => {
    const [owner, peer] = built.templates as [Template, Template];
    for (const template of [owner, peer]) {
      const tables = resourcesOf(template, "AWS::DynamoDB::Table").map(
        (t) => (t.Properties as Json).TableName,
      );
      expect(tables.sort()).toEqual([
        "baton-test-events",
        "baton-test-executions",
        "baton-test-workflows",
      ]);
      expect(resourcesOf(template, "AWS::Events::EventBus")).toHaveLength(1);
      expect(resourcesOf(template, "AWS::ApiGateway::RestApi")).toHaveLength(1);
    }
    expect(resourcesOf(peer, "AWS::DynamoDB::GlobalTable")).toEqual([]);
  });

  it("points the second Region's handlers at its own replica, by name, and grants only that replica", () => {
    const [, peer] = built.templates as [Template, Template];
    const functions = resourcesOf(peer, "AWS::Lambda::Function");
    const registryEnv = new Set(
      functions.flatMap((f) => {
        const env = ((f.Properties as Json).Environment as Json | undefined)?.Variables as
          | Json
          | undefined;
        return env?.BATON_REGISTRY_TABLE === undefined
          ? []
          : [JSON.stringify(env.BATON_REGISTRY_TABLE)];
      }),
    );
    expect([...registryEnv]).toEqual(['"baton-test-registry"']);
    const replica = JSON.stringify([
      "arn:",
      { Ref: "AWS::Partition" },
      ":dynamodb:us-east-1:",
      { Ref: "AWS::AccountId" },
      ":table/baton-test-registry",
    ]);
    expect(JSON.stringify(resourcesOf(peer, "AWS::IAM::Policy"))).toContain(replica);
  });

  it("grants nothing in another Region: each stack's IAM names only its own Region", () => {
    const [owner, peer] = built.templates as [Template, Template];
    expect([regionsInPolicies(owner), regionsInPolicies(peer)]).toEqual([
      ["eu-west-1"],
      ["us-east-1"],
    ]);
  });

  it("GET /peers: the API knows its URL and every Region and may read metrics in its own Region only; the health check announces the URL", () => {
    for (const [index, region] of REGIONS.entries()) {
      const template = built.templates[index] as Template;
      const api = functionNamed(template, API_DESCRIPTION);
      const healthCheck = functionNamed(template, HEALTH_CHECK_DESCRIPTION);
      expect(envOf(api).BATON_API_URL).toEqual(apiUrlOf(template, region));
      expect(envOf(api).BATON_PEER_REGIONS).toBe("eu-west-1,us-east-1");
      expect(envOf(healthCheck).BATON_API_URL).toEqual(apiUrlOf(template, region));
      expect(envOf(healthCheck).BATON_PEER_REGIONS).toBeUndefined();
      const reads = {
        Action: "cloudwatch:GetMetricData",
        Effect: "Allow",
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": region } },
      };
      expect(statementsOf(template, api)).toContainEqual(reads);
      // Only the API reads metrics: not the publish function that shares its other grants.
      expect(metricReads(template)).toEqual([reads]);
    }
  });

  it("passes cdk-nag AwsSolutions on both stacks", () => {
    Validations.of(built.app).addPlugins(new AwsSolutionsChecks(built.app, { verbose: true }));
    const report = new AwsSolutionsChecks().validateScope(built.app);
    expect(
      report.violations.map(
        (v) =>
          `${v.severity} ${v.ruleName} ${v.violatingResources.map((r) => r.resourceLogicalId)}`,
      ),
    ).toEqual([]);
  });
});

describe("baton:regions", () => {
  it("with one Region makes the usual stack, pinned to it, with a regional registry", () => {
    const { stacks, templates } = synthPeers(["eu-central-1"]);
    expect(stacks.map((s) => [s.stackName, s.region])).toEqual([["Baton-test", "eu-central-1"]]);
    expect(resourcesOf(templates[0] as Template, "AWS::DynamoDB::GlobalTable")).toEqual([]);
  });

  it("with one Region announces the API URL but names no peer and reads no metric", () => {
    const { templates } = synthPeers(["eu-central-1"]);
    const template = templates[0] as Template;
    const api = functionNamed(template, API_DESCRIPTION);
    expect(envOf(api).BATON_API_URL).toEqual(apiUrlOf(template, "eu-central-1"));
    expect(envOf(api).BATON_PEER_REGIONS).toBeUndefined();
    expect(metricReads(template)).toEqual([]);
  });

  it("reads a JSON list, JSON text or comma-separated names", () => {
    const read = (value: unknown) =>
      readBatonConfig({ tryGetContext: (k) => (k === "baton:regions" ? value : undefined) }, "/p")
        .regions;
    expect([
      read(["eu-west-1", "us-east-1"]),
      read('["eu-west-1","us-east-1"]'),
      read(" eu-west-1 , us-east-1 "),
      read(undefined),
    ]).toEqual([[...REGIONS], [...REGIONS], [...REGIONS], []]);
  });

  it("fails naming every bad Region, a repeated one, a malformed list, and peers on an emulator", () => {
    const problems = (values: Record<string, unknown>): readonly string[] => {
      try {
        readBatonConfig({ tryGetContext: (k) => values[k] }, "/p");
      } catch (error) {
        if (error instanceof BatonConfigError) return error.problems;
        throw error;
      }
      return [];
    };
    expect(problems({ "baton:regions": "eu-west-1,Mars,us-east" })).toEqual([
      'baton:regions: "Mars", "us-east" are not Region names (e.g. eu-west-1).',
    ]);
    expect(problems({ "baton:regions": ["eu-west-1", "eu-west-1"] })).toEqual([
      'baton:regions: "eu-west-1" listed more than once; list each Region once.',
    ]);
    expect(problems({ "baton:regions": "[eu-west-1" })).toEqual([
      'baton:regions = "[eu-west-1": not a JSON list; give ["eu-west-1","us-east-1"] or eu-west-1,us-east-1.',
    ]);
    expect(problems({ "baton:regions": { eu: 1 } })).toEqual([
      'baton:regions = {"eu":1}: expected a list of Region names, e.g. ["eu-west-1","us-east-1"] or eu-west-1,us-east-1.',
    ]);
    expect(problems({ "baton:regions": [...REGIONS], "baton:emulator": true })).toEqual([
      'baton:regions = ["eu-west-1","us-east-1"] with baton:emulator = true: emulators deploy one Region and have no global tables; deploy peers to AWS, or give one Region.',
    ]);
  });
});
