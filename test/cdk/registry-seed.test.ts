/** The registry seed: services.yaml checked at synth and registered on deploy by a custom resource. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Annotations, Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import {
  FIXTURE_WORKFLOWS,
  fixtureDir,
  getAtt,
  logicalId,
  policyStatements,
  synthBaton,
} from "./helpers.ts";

const CONTRACT = JSON.stringify({
  openapi: "3.1.0",
  info: { title: "analytics", version: "1" },
  paths: {},
});

const SERVICES = `# yaml-language-server: $schema=../schemas/services.schema.json
services:
  - name: analytics
    openapi: contracts/analytics.json
    instances:
      - { id: analytics-a, url: https://analytics.example.com, weight: 2 }
    timeout: 5
  - name: demo
    instances:
      - { id: demo-a, url: http://127.0.0.1:7001 }
`;

function synthWith(files: Readonly<Record<string, string>>, context: Record<string, unknown> = {}) {
  const dir = fixtureDir({ ...FIXTURE_WORKFLOWS, ...files });
  return synthBaton({ context: { "baton:workflowsDir": dir, ...context } });
}

/** The seed's entries as the custom resource hands them to the handler. */
function seeded(built: ReturnType<typeof synthBaton>): unknown {
  const resources = built.template.findResources("Custom::BatonRegistrySeed");
  const [resource] = Object.values(resources) as { Properties: { Services: string } }[];
  return JSON.parse(resource?.Properties.Services ?? "null");
}

describe("the registry seed", () => {
  it("hands the file's entries to a custom resource, contracts inline, loopback ones left out with a warning", () => {
    // Prepare
    const dir = fixtureDir({
      ...FIXTURE_WORKFLOWS,
      "services.yaml": SERVICES,
    });
    mkdirSync(join(dir, "contracts"));
    writeFileSync(join(dir, "contracts", "analytics.json"), CONTRACT);

    // Act
    const built = synthBaton({ context: { "baton:workflowsDir": dir } });

    // Assess
    expect(seeded(built)).toStrictEqual([
      {
        name: "analytics",
        openapi: JSON.parse(CONTRACT),
        instances: [{ id: "analytics-a", url: "https://analytics.example.com", weight: 2 }],
        timeout: 5,
      },
    ]);
    const warnings = Annotations.fromStack(built.stack).findWarning(
      "*",
      Match.stringLikeRegexp(
        "1 service\\(s\\) not seeded \\(demo\\).*demo: /instances/0/url: host 127.0.0.1 is a loopback address\\)",
      ),
    );
    expect(warnings).toHaveLength(1);
    const handler = logicalId(built.template, "AWS::Lambda::Function", "RegistrySeedHandler");
    built.template.hasResourceProperties("Custom::BatonRegistrySeed", {
      ServiceToken: getAtt(handler),
    });
  });

  it("seeds loopback entries on a stage that allows private URLs (emulator tests)", () => {
    // Act
    const built = synthWith(
      { "services.yaml": SERVICES.replace("    openapi: contracts/analytics.json\n", "") },
      { "baton:allowPrivateServiceUrls": "true" },
    );

    // Assess
    expect((seeded(built) as { name: string }[]).map((e) => e.name)).toStrictEqual([
      "analytics",
      "demo",
    ]);
    const fn = logicalId(built.template, "AWS::Lambda::Function", "RegistrySeedHandler");
    expect(
      built.template.toJSON().Resources[fn].Properties.Environment.Variables
        .BATON_ALLOW_PRIVATE_URLS,
    ).toBe("1");
  });

  it("seeds nothing, and so removes what it seeded, when there is no services.yaml", () => {
    expect(seeded(synthWith({}))).toStrictEqual([]);
  });

  it("fails the synth with every problem, each with its line and column", () => {
    // Prepare
    const broken = `services:
  - name: inventory
    instances:
      - { id: a, url: https://inventory.example.com, weight: -1 }
  - name: inventory
    instances: []
    timeout: forever
`;

    // Act
    const error = (() => {
      try {
        synthWith({ "services.yaml": broken });
      } catch (thrown) {
        return thrown as Error;
      }
      return undefined;
    })();

    // Assess
    expect(error?.message).toMatch(/the registry seed has 3 problem\(s\)/);
    expect(error?.message).toMatch(
      /line 5, column 11: \/services\/1\/name: duplicate service "inventory"/,
    );
    expect(error?.message).toMatch(/line 4, column 62: \/services\/0\/instances\/0\/weight: /);
    expect(error?.message).toMatch(/line 7, column 14: \/services\/1\/timeout: /);
  });

  it("lets the seed handler write the registry and publish its events, nothing else", () => {
    // Act
    const built = synthWith({});

    // Assess
    const statements = policyStatements(built.template, "RegistrySeedHandlerRole");
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions).toEqual(
      expect.arrayContaining(["dynamodb:PutItem", "dynamodb:DeleteItem", "events:PutEvents"]),
    );
    expect(actions.filter((a) => String(a).startsWith("states:"))).toStrictEqual([]);
    const resources = JSON.stringify(statements.map((s) => s.Resource));
    expect(resources).toContain(
      logicalId(built.template, "AWS::DynamoDB::Table", "TablesRegistry"),
    );
    expect(resources).not.toContain("TablesExecutions");
  });
});
