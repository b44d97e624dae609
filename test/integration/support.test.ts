import { describe, expect, it } from "vitest";
import {
  outputsToEnv,
  parseRunArgs,
  stripResourceTypes,
  type Template,
  toEmulatorApiUrl,
  toEnvName,
} from "./support.ts";

describe("toEmulatorApiUrl", () => {
  it("rewrites an execute-api URL to the emulator path form", () => {
    // Prepare
    const url = "https://16260e0a.execute-api.us-east-1.amazonaws.com/dev/";
    // Act
    const rewritten = toEmulatorApiUrl(url, "http://127.0.0.1:4566/");
    // Assess
    expect(rewritten).toEqual("http://127.0.0.1:4566/_aws/execute-api/16260e0a/dev/");
  });

  it("keeps a path after the stage", () => {
    // Prepare
    const url = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/workflows/x";
    // Act
    const rewritten = toEmulatorApiUrl(url, "http://127.0.0.1:9");
    // Assess
    expect(rewritten).toEqual("http://127.0.0.1:9/_aws/execute-api/abc123/prod/workflows/x");
  });

  it("leaves other values unchanged", () => {
    // Prepare
    const arn = "arn:aws:states:us-east-1:000000000000:stateMachine:x";
    // Act
    const rewritten = toEmulatorApiUrl(arn, "http://127.0.0.1:9");
    // Assess
    expect(rewritten).toEqual(arn);
  });
});

describe("toEnvName", () => {
  it("converts output keys to upper snake case", () => {
    // Prepare
    const keys = ["ApiUrl", "stateMachineArn", "Bus-Name", "DLQUrl", "Api2Id"];
    // Act
    const names = keys.map(toEnvName);
    // Assess
    expect(names).toEqual(["API_URL", "STATE_MACHINE_ARN", "BUS_NAME", "DLQ_URL", "API2_ID"]);
  });
});

describe("outputsToEnv", () => {
  it("exposes every output, the JSON document and the rewritten API URL", () => {
    // Prepare
    const outputs = {
      Baton: {
        ApiUrl: "https://a1b2c3d4.execute-api.us-east-1.amazonaws.com/dev/",
        BusName: "baton-bus",
      },
    };
    // Act
    const env = outputsToEnv(outputs, { emulatorEndpoint: "http://127.0.0.1:5000" });
    // Assess
    const apiUrl = "http://127.0.0.1:5000/_aws/execute-api/a1b2c3d4/dev/";
    expect(env).toEqual({
      BATON_STACK_OUTPUTS: JSON.stringify({ Baton: { ApiUrl: apiUrl, BusName: "baton-bus" } }),
      BATON_OUTPUT_API_URL: apiUrl,
      BATON_OUTPUT_BUS_NAME: "baton-bus",
      BATON_API_URL: apiUrl,
    });
  });

  it("keeps AWS URLs when there is no emulator", () => {
    // Prepare
    const url = "https://a1b2c3d4.execute-api.us-east-1.amazonaws.com/dev/";
    // Act
    const env = outputsToEnv({ Baton: { Endpoint: url } });
    // Assess
    expect(env.BATON_API_URL).toEqual(url);
  });

  it("picks no API URL when several execute-api outputs differ and none is ApiUrl", () => {
    // Prepare
    const outputs = {
      A: { One: "https://aaaa1111.execute-api.us-east-1.amazonaws.com/dev/" },
      B: { Two: "https://bbbb2222.execute-api.us-east-1.amazonaws.com/dev/" },
    };
    // Act
    const env = outputsToEnv(outputs);
    // Assess
    expect(env.BATON_API_URL).toEqual(undefined);
  });

  it("fails when two stacks give one output key different values", () => {
    // Prepare
    const outputs = { A: { TableName: "t1" }, B: { TableName: "t2" } };
    // Act
    const act = (): unknown => outputsToEnv(outputs);
    // Assess
    expect(act).toThrow(/A\.TableName and B\.TableName both map to BATON_OUTPUT_TABLE_NAME/);
  });
});

describe("stripResourceTypes", () => {
  const archiveTemplate = (): Template => ({
    Resources: {
      Bus: { Type: "AWS::Events::EventBus", Properties: { Name: "b" } },
      Archive: {
        Type: "AWS::Events::Archive",
        Properties: { SourceArn: { "Fn::GetAtt": ["Bus", "Arn"] } },
      },
      Rule: { Type: "AWS::Events::Rule", DependsOn: ["Archive", "Bus"], Properties: {} },
      Other: { Type: "AWS::SQS::Queue", DependsOn: "Archive" },
    },
    Outputs: { BusName: { Value: { Ref: "Bus" } } },
  });

  it("removes resources of the given types and the DependsOn entries naming them", () => {
    // Prepare
    const template = archiveTemplate();
    // Act
    const result = stripResourceTypes(template, ["AWS::Events::Archive"]);
    // Assess
    expect(result.removed).toEqual([{ id: "Archive", type: "AWS::Events::Archive" }]);
    expect(result.template.Resources).toEqual({
      Bus: { Type: "AWS::Events::EventBus", Properties: { Name: "b" } },
      Rule: { Type: "AWS::Events::Rule", DependsOn: ["Bus"], Properties: {} },
      Other: { Type: "AWS::SQS::Queue" },
    });
  });

  it("returns the template untouched when no resource has those types", () => {
    // Prepare
    const template = archiveTemplate();
    // Act
    const result = stripResourceTypes(template, ["AWS::Pipes::Pipe"]);
    // Assess
    expect(result).toEqual({ template, removed: [] });
  });

  it("fails when a removed resource is still referenced", () => {
    // Prepare
    const template: Template = {
      ...archiveTemplate(),
      Outputs: {
        ArchiveName: { Value: { Ref: "Archive" } },
        ArchiveArn: { Value: { "Fn::Sub": "${Archive.Arn}" } },
      },
    };
    // Act
    const act = (): unknown => stripResourceTypes(template, ["AWS::Events::Archive"]);
    // Assess
    expect(act).toThrow(
      "Cannot remove Archive for the emulator: still referenced by Outputs.ArchiveName.Value, " +
        "Outputs.ArchiveArn.Value. Make the resource optional in the CDK app instead.",
    );
  });
});

describe("parseRunArgs", () => {
  it("reads the app, context pairs, --keep and vitest arguments", () => {
    // Prepare
    const argv = [
      "--app",
      "/tmp/app",
      "-c",
      "a=1",
      "--context",
      "b=x=y",
      "--keep",
      "--",
      "-t",
      "saga",
    ];
    // Act
    const args = parseRunArgs(argv);
    // Assess
    expect(args).toEqual({
      app: "/tmp/app",
      context: { a: "1", b: "x=y" },
      keep: true,
      vitestArgs: ["-t", "saga"],
    });
  });

  it("fails on an unknown argument", () => {
    // Prepare
    const argv = ["--bogus"];
    // Act
    const act = (): unknown => parseRunArgs(argv);
    // Assess
    expect(act).toThrow('unknown argument "--bogus"');
  });

  it("fails when a context pair has no key", () => {
    // Prepare
    const argv = ["--context", "=1"];
    // Act
    const act = (): unknown => parseRunArgs(argv);
    // Assess
    expect(act).toThrow('--context expects key=value, got "=1"');
  });

  it("fails when --app has no value", () => {
    // Prepare
    const argv = ["--app", "--keep"];
    // Act
    const act = (): unknown => parseRunArgs(argv);
    // Assess
    expect(act).toThrow("--app needs a value");
  });
});
