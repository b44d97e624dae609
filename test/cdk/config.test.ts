import { describe, expect, it } from "vitest";
import { BatonConfigError, readBatonConfig } from "../../lib/cdk/config.ts";

const context = (values: Record<string, unknown>) => ({
  tryGetContext: (key: string) => values[key],
});

function problemsOf(values: Record<string, unknown>): readonly string[] {
  try {
    readBatonConfig(context(values), "/project");
  } catch (error) {
    if (error instanceof BatonConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("readBatonConfig", () => {
  it("applies the defaults when no key is set", () => {
    // Prepare / Act
    const config = readBatonConfig(context({}), "/project");
    // Assess
    expect(config).toEqual({
      workflowsDir: "/project/workflows",
      servicesFile: "/project/workflows/services.yaml",
      templatesDir: "/project/templates",
      stage: "dev",
      apiAuth: { mode: "iam" },
      retentionDays: 30,
      retainData: false,
      emulator: false,
      allowPrivateServiceUrls: false,
      stateMachineLogLevel: "ERROR",
      regions: [],
    });
  });

  it("reads every key, accepting numbers given as strings on the command line", () => {
    // Prepare
    const values = {
      "baton:workflowsDir": "flows",
      "baton:servicesFile": "/etc/baton/services.yaml",
      "baton:templatesDir": "tpl",
      "baton:stage": "prod",
      "baton:apiAuth": "jwt",
      "baton:jwtIssuer": "https://login.example.com/realms/ops",
      "baton:jwtAudience": "client-1",
      "baton:retentionDays": "90",
      "baton:alarmEmail": "ops@example.com",
      "baton:emulator": "true",
      "baton:stateMachineLogLevel": "all",
    };
    // Act
    const config = readBatonConfig(context(values), "/project");
    // Assess
    expect(config).toEqual({
      workflowsDir: "/project/flows",
      servicesFile: "/etc/baton/services.yaml",
      templatesDir: "/project/tpl",
      stage: "prod",
      apiAuth: {
        mode: "jwt",
        issuer: "https://login.example.com/realms/ops",
        audience: "client-1",
      },
      retentionDays: 90,
      alarmEmail: "ops@example.com",
      retainData: true,
      emulator: true,
      allowPrivateServiceUrls: false,
      stateMachineLogLevel: "ALL",
      regions: [],
    });
  });

  it("fails when the state machine log level is not OFF, ERROR or ALL", () => {
    expect(problemsOf({ "baton:stateMachineLogLevel": "DEBUG" })).toEqual([
      'baton:stateMachineLogLevel = "DEBUG": expected one of OFF, ERROR, ALL.',
    ]);
  });

  it("fails when private service URLs are allowed on a production stage", () => {
    expect(problemsOf({ "baton:stage": "prod", "baton:allowPrivateServiceUrls": "true" })).toEqual([
      'baton:allowPrivateServiceUrls = true: not allowed on production stage "prod"; private service URLs are for emulator tests only.',
    ]);
  });

  it("fails when apiAuth is not a known mode, naming the key, the value and the choices", () => {
    expect(problemsOf({ "baton:apiAuth": "basic" })).toEqual([
      'baton:apiAuth = "basic": expected one of iam, jwt, cognito, none.',
    ]);
  });

  it("fails when jwt has no issuer, no audience, or URLs that are not https", () => {
    expect(problemsOf({ "baton:apiAuth": "jwt" })).toEqual([
      'baton:jwtIssuer is missing: baton:apiAuth = "jwt" needs the token issuer URL.',
      'baton:jwtAudience is missing: baton:apiAuth = "jwt" enforces an audience; set it to the "aud" your tokens carry (the API\'s client id or identifier).',
    ]);
    expect(
      problemsOf({
        "baton:apiAuth": "jwt",
        "baton:jwtIssuer": "http://login.example.com",
        "baton:jwtAudience": "a",
        "baton:jwtJwksUrl": "keys.json",
      }),
    ).toEqual([
      'baton:jwtIssuer = "http://login.example.com": expected the OIDC issuer\'s https URL, exactly as tokens carry it in "iss" (e.g. https://login.example.com/realms/ops).',
      'baton:jwtJwksUrl = "keys.json": expected an https URL, or leave it out to read the issuer\'s discovery document.',
    ]);
  });

  it("fails when jwt settings are given without jwt auth", () => {
    expect(problemsOf({ "baton:jwtAudience": "client-1" })).toEqual([
      'baton:jwtIssuer/baton:jwtAudience/baton:jwtJwksUrl are set but baton:apiAuth = "iam": set baton:apiAuth to "jwt" or remove them.',
    ]);
  });

  it("reports every problem at once", () => {
    // Prepare / Act
    const problems = problemsOf({
      "baton:stage": "Prod_1",
      "baton:retentionDays": 0,
      "baton:alarmEmail": "nobody",
      "baton:workflowsDir": 42,
      "baton:emulator": "yes",
    });
    // Assess
    expect(problems).toEqual([
      "baton:workflowsDir = 42: expected a non-empty string.",
      'baton:stage = "Prod_1": expected 1-10 characters matching ^[a-z][a-z0-9-]{0,9}$ (it prefixes every resource name).',
      "baton:retentionDays = 0: expected a whole number of days from 1 to 3650.",
      'baton:alarmEmail = "nobody": expected an email address.',
      'baton:emulator = "yes": expected true or false.',
    ]);
  });

  it("fails with one error whose message lists each problem", () => {
    expect(() => readBatonConfig(context({ "baton:retentionDays": "soon" }))).toThrow(
      'Invalid Baton configuration in CDK context:\n  - baton:retentionDays = "soon": expected a whole number of days from 1 to 3650.',
    );
  });
});
