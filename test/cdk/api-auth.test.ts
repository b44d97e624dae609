import { Stack } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import { Code, Function as LambdaFunction, Runtime } from "aws-cdk-lib/aws-lambda";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { BatonApi } from "../../lib/cdk/baton-api.ts";
import type { ApiAuth } from "../../lib/cdk/config.ts";
import { testApp } from "./helpers.ts";

process.env.CDK_VALIDATION = "false";

function apiWith(auth: ApiAuth, withConsole = false): { stack: Stack; template: Template } {
  const stack = new Stack(testApp(), "Api");
  const lambda = (name: string) =>
    new LambdaFunction(stack, name, {
      runtime: Runtime.NODEJS_24_X,
      handler: "index.handler",
      code: Code.fromInline("export const handler = async () => ({ statusCode: 200 });"),
    });
  const handler = lambda("Handler");
  new BatonApi(stack, "Http", {
    restApiName: "baton-test",
    handler,
    auth,
    ...(withConsole ? { consoleHandler: lambda("Console") } : {}),
  });
  return { stack, template: Template.fromStack(stack) };
}

const authTypes = (template: Template) =>
  Object.values(template.findResources("AWS::ApiGateway::Method")).map((m) => [
    m.Properties.AuthorizationType,
    m.Properties.AuthorizerId === undefined ? "-" : "authorizer",
  ]);

/** cdk-nag findings on the API's own resources (the test's stand-in handler is not Baton's). */
function apiFindings(stack: Stack): string[] {
  return new AwsSolutionsChecks()
    .validateScope(stack)
    .violations.filter((v) =>
      v.violatingResources.some((r) => r.constructPath?.startsWith("Api/Http/")),
    )
    .map((v) => `${v.severity} ${v.ruleName}`);
}

describe("BatonApi auth", () => {
  it("leaves no unacknowledged cdk-nag finding in any auth mode", () => {
    const modes: ApiAuth[] = [
      { mode: "iam" },
      { mode: "cognito" },
      { mode: "jwt", issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123" },
      { mode: "none" },
    ];
    expect(modes.map((auth) => [auth.mode, apiFindings(apiWith(auth).stack)])).toEqual([
      ["iam", []],
      ["cognito", []],
      ["jwt", []],
      ["none", []],
    ]);
  });

  it("serves the console's two files open and keeps every other route behind auth, with no unacknowledged cdk-nag finding", () => {
    for (const auth of [{ mode: "iam" }, { mode: "cognito" }] as const) {
      // Act
      const { stack, template } = apiWith(auth, true);

      // Assess
      const methods = Object.values(template.findResources("AWS::ApiGateway::Method"));
      const open = methods.filter((m) => m.Properties.AuthorizationType === "NONE");
      expect(
        open.map((m) => m.Properties.HttpMethod),
        auth.mode,
      ).toEqual(["GET", "GET"]);
      expect(methods.length - open.length, auth.mode).toBe(2);
      expect(apiFindings(stack), auth.mode).toEqual([]);
    }
  });

  it("signs every route with IAM by default", () => {
    const { template } = apiWith({ mode: "iam" });
    expect(authTypes(template)).toEqual([
      ["AWS_IAM", "-"],
      ["AWS_IAM", "-"],
    ]);
    template.resourceCountIs("AWS::ApiGateway::Authorizer", 0);
  });

  it("creates a user pool with MFA and a strong password policy for cognito", () => {
    // Prepare / Act
    const { template } = apiWith({ mode: "cognito" });
    // Assess
    expect(authTypes(template)).toEqual([
      ["COGNITO_USER_POOLS", "authorizer"],
      ["COGNITO_USER_POOLS", "authorizer"],
    ]);
    template.hasResourceProperties("AWS::Cognito::UserPool", {
      MfaConfiguration: "ON",
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
    });
    template.hasResourceProperties("AWS::Cognito::UserPoolClient", { GenerateSecret: false });
  });

  it("verifies tokens of the pool named by a Cognito issuer for jwt, and warns the audience is not checked", () => {
    // Prepare / Act
    const { stack, template } = apiWith({
      mode: "jwt",
      issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
      audience: "client-1",
    });
    // Assess
    template.resourceCountIs("AWS::Cognito::UserPool", 0);
    template.hasResourceProperties("AWS::ApiGateway::Authorizer", {
      Type: "COGNITO_USER_POOLS",
      ProviderARNs: [
        {
          "Fn::Join": [
            "",
            [
              "arn:",
              { Ref: "AWS::Partition" },
              ":cognito-idp:eu-west-1:",
              { Ref: "AWS::AccountId" },
              ":userpool/eu-west-1_AbC123",
            ],
          ],
        },
      ],
    });
    const warnings = Annotations.fromStack(stack).findWarning(
      "*",
      Match.stringLikeRegexp("jwtAudience"),
    );
    expect(warnings.length).toEqual(1);
  });

  it("fails when a jwt issuer is not a Cognito user pool", () => {
    expect(() => apiWith({ mode: "jwt", issuer: "https://login.example.com" })).toThrow(
      'baton:jwtIssuer = "https://login.example.com" is not a Cognito user pool issuer URL.',
    );
  });

  it("leaves the API open only when asked, with a warning", () => {
    const { stack, template } = apiWith({ mode: "none" });
    expect(authTypes(template)).toEqual([
      ["NONE", "-"],
      ["NONE", "-"],
    ]);
    expect(
      Annotations.fromStack(stack).findWarning("*", Match.stringLikeRegexp('apiAuth is "none"'))
        .length,
    ).toEqual(1);
  });
});
