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
      { mode: "jwt", issuer: "https://login.example.com/realms/ops", audience: "baton-api" },
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

  it("verifies JWTs of any OIDC issuer with a Lambda authorizer that enforces the audience", () => {
    // Prepare / Act
    const { template } = apiWith({
      mode: "jwt",
      issuer: "https://login.example.com/realms/ops",
      audience: "baton-api",
      jwksUrl: "https://login.example.com/realms/ops/keys",
    });
    // Assess
    expect(authTypes(template)).toEqual([
      ["CUSTOM", "authorizer"],
      ["CUSTOM", "authorizer"],
    ]);
    template.resourceCountIs("AWS::Cognito::UserPool", 0);
    template.hasResourceProperties("AWS::ApiGateway::Authorizer", {
      Type: "TOKEN",
      IdentitySource: "method.request.header.Authorization",
      AuthorizerResultTtlInSeconds: 0,
    });
    template.hasResourceProperties("AWS::Lambda::Function", {
      Handler: "index.handler",
      Environment: {
        Variables: Match.objectLike({
          BATON_JWT_ISSUER: "https://login.example.com/realms/ops",
          BATON_JWT_AUDIENCE: "baton-api",
          BATON_JWT_JWKS_URL: "https://login.example.com/realms/ops/keys",
        }),
      },
    });
    template.hasResourceProperties("AWS::ApiGateway::GatewayResponse", {
      ResponseType: "UNAUTHORIZED",
      StatusCode: "401",
      ResponseTemplates: {
        "application/json": Match.stringLikeRegexp('"type":"urn:baton:problem:unauthorized"'),
      },
    });
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
