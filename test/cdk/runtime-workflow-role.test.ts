/**
 * Least privilege for workflows created through the API: the role their state machines run under
 * reaches only the service-call and await-signal functions, the orchestration bus and the stack's
 * own machines (its name prefix); the API and publish functions may pass that role, and only it,
 * only to Step Functions, and manage only machines under the prefix.
 */
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
const id = (type: string, prefix: string): string => logicalId(built.template, type, prefix);

beforeAll(() => {
  built = synthBaton({ context: { "baton:workflowsDir": fixtureDir(FIXTURE_WORKFLOWS) } });
});

type Role = {
  Properties: {
    AssumeRolePolicyDocument: { Statement: unknown[] };
    Policies?: { PolicyName: string; PolicyDocument: { Statement: unknown[] } }[];
  };
};

const runtimeRole = (): Role =>
  built.template.toJSON().Resources[id("AWS::IAM::Role", "HandlersRuntimeWorkflowRole")] as Role;

describe("runtime workflow role", () => {
  it("is assumed by Step Functions only", () => {
    expect(runtimeRole().Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: "sts:AssumeRole",
        Effect: "Allow",
        Principal: { Service: "states.amazonaws.com" },
      },
    ]);
  });

  it("reaches the two task functions, the bus and the stack's own machines, nothing else", () => {
    const statements = runtimeRole().Properties.Policies?.flatMap(
      (p) => p.PolicyDocument.Statement,
    );
    expect(statements).toEqual([
      {
        Action: "lambda:InvokeFunction",
        Effect: "Allow",
        Resource: [
          getAtt(id("AWS::Lambda::Function", "HandlersServiceCallFunction")),
          getAtt(id("AWS::Lambda::Function", "HandlersAwaitSignalFunction")),
        ],
      },
      {
        Action: "events:PutEvents",
        Effect: "Allow",
        Resource: getAtt(id("AWS::Events::EventBus", "OrchestrationBus")),
      },
      {
        Action: "states:StartExecution",
        Effect: "Allow",
        Resource: accountArn("states", "stateMachine:baton-dev-*"),
      },
      {
        Action: ["states:DescribeExecution", "states:StopExecution"],
        Effect: "Allow",
        Resource: accountArn("states", "execution:baton-dev-*:*"),
      },
      {
        Action: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
        Effect: "Allow",
        Resource: accountArn("events", "rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"),
      },
      {
        Action: [
          "xray:PutTraceSegments",
          "xray:PutTelemetryRecords",
          "xray:GetSamplingRules",
          "xray:GetSamplingTargets",
        ],
        Effect: "Allow",
        Resource: "*",
      },
    ]);
    // It cannot pass itself (or any role) anywhere.
    expect(JSON.stringify(runtimeRole())).not.toContain("iam:PassRole");
  });
});

describe("functions that manage workflows", () => {
  it.each(["HandlersApiRole", "HandlersPublishWorkflowRole"])(
    "%s passes only the runtime role, only to Step Functions",
    (role) => {
      const passes = policyStatements(built.template, role).filter(
        (s) => s.Action === "iam:PassRole",
      );
      expect(passes).toEqual([
        {
          Action: "iam:PassRole",
          Effect: "Allow",
          Resource: getAtt(id("AWS::IAM::Role", "HandlersRuntimeWorkflowRole")),
          Condition: { StringEquals: { "iam:PassedToService": "states.amazonaws.com" } },
        },
      ]);
    },
  );

  it.each(["HandlersApiRole", "HandlersPublishWorkflowRole"])(
    "%s creates, updates and aliases only machines under the stack's prefix",
    (role) => {
      const statements = policyStatements(built.template, role);
      const manage = statements.filter((s) =>
        JSON.stringify(s.Action).includes("states:CreateStateMachine"),
      );
      expect(manage.map((s) => s.Resource)).toEqual([
        accountArn("states", "stateMachine:baton-dev-*"),
      ]);
      const unscoped = statements.filter(
        (s) => JSON.stringify(s.Action).includes("states:") && s.Resource === "*",
      );
      expect(unscoped).toEqual([]);
    },
  );

  it("routes PUT /workflows/{name} to the publish function, which bundles the compiler apart", () => {
    const methods = Object.values(built.template.findResources("AWS::ApiGateway::Method"));
    const put = methods.filter((m) => m.Properties.HttpMethod === "PUT");
    expect(JSON.stringify(put.map((m) => m.Properties.Integration.Uri))).toContain(
      id("AWS::Lambda::Function", "HandlersPublishWorkflowFunction"),
    );
  });

  it("routes the template routes and the contract refresh to the publish function, which ships the templates file", () => {
    const resources = built.template.findResources("AWS::ApiGateway::Resource");
    const partOf = (ref: unknown): string => {
      const logical = (ref as { Ref?: string }).Ref ?? "";
      return String(resources[logical]?.Properties.PathPart ?? "");
    };
    const publish = id("AWS::Lambda::Function", "HandlersPublishWorkflowFunction");
    const routed = Object.values(built.template.findResources("AWS::ApiGateway::Method"))
      .filter((m) => JSON.stringify(m.Properties.Integration?.Uri ?? "").includes(publish))
      .map((m) => `${m.Properties.HttpMethod} ${partOf(m.Properties.ResourceId)}`)
      .sort();
    expect(routed).toEqual([
      "GET templates",
      "GET {name}",
      "POST from-template",
      "POST refresh",
      "PUT {name}",
    ]);
    const fn = built.template.findResources("AWS::Lambda::Function")[publish];
    expect(fn?.Properties.Environment.Variables.BATON_TEMPLATES_FILE).toBe("templates.json");
  });

  it("records the executions of every machine under the prefix, runtime-created ones included", () => {
    const rules = Object.values(built.template.findResources("AWS::Events::Rule")).filter((r) =>
      JSON.stringify(r.Properties.EventPattern ?? {}).includes("Status Change"),
    );
    expect(rules.map((r) => r.Properties.EventPattern.detail)).toEqual([
      { stateMachineArn: [{ prefix: accountArn("states", "stateMachine:baton-dev-") }] },
    ]);
  });
});
