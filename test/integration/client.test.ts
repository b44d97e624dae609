import { describe, expect, it } from "vitest";
import { envCredentials, integrationEnv, signV4 } from "./client.ts";

const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const date = new Date("2015-08-30T12:36:00Z");

describe("signV4", () => {
  it("signs the get-vanilla request of the AWS SigV4 test suite", () => {
    // Prepare
    const url = new URL("https://example.amazonaws.com/");
    // Act
    const headers = signV4({
      method: "GET",
      url,
      headers: {},
      body: "",
      region: "us-east-1",
      service: "service",
      credentials,
      date,
    });
    // Assess
    expect(headers).toEqual({
      host: "example.amazonaws.com",
      "x-amz-date": "20150830T123600Z",
      authorization:
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
        "SignedHeaders=host;x-amz-date, " +
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    });
  });

  it("double-encodes the path and sorts the query like @smithy/signature-v4", () => {
    // Prepare (expected signature computed with @smithy/signature-v4, uriEscapePath on)
    const url = new URL("https://example.amazonaws.com/dev/a%20b/c?b=2&a=1&a=0&x=hello world");
    // Act
    const headers = signV4({
      method: "POST",
      url,
      headers: { "Content-Type": "application/json" },
      body: '{"k":"v"}',
      region: "us-east-1",
      service: "execute-api",
      credentials,
      date,
    });
    // Assess
    expect(headers.authorization).toEqual(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/execute-api/aws4_request, " +
        "SignedHeaders=content-type;host;x-amz-date, " +
        "Signature=0a46f48d6929d37a2490cd282a73554e823f202b3b771ffa1b3e9f31b8370ee9",
    );
  });

  it("signs the session token when there is one", () => {
    // Prepare
    const url = new URL("https://example.amazonaws.com/");
    // Act
    const headers = signV4({
      method: "GET",
      url,
      headers: {},
      body: "",
      region: "us-east-1",
      service: "execute-api",
      credentials: { ...credentials, sessionToken: "token-1" },
      date,
    });
    // Assess
    expect(headers["x-amz-security-token"]).toEqual("token-1");
    expect(headers.authorization).toMatch(/SignedHeaders=host;x-amz-date;x-amz-security-token,/);
  });
});

describe("integrationEnv", () => {
  it("reads outputs and finds a key in any stack", () => {
    // Prepare
    const env = {
      BATON_STACK_OUTPUTS: JSON.stringify({ A: { X: "1" }, B: { Y: "2" } }),
      BATON_API_URL: "http://127.0.0.1:1/_aws/execute-api/abc/dev",
      AWS_REGION: "eu-west-1",
    };
    // Act
    const result = integrationEnv(env);
    // Assess
    expect([result.output("Y"), result.apiUrl, result.region]).toEqual([
      "2",
      "http://127.0.0.1:1/_aws/execute-api/abc/dev/",
      "eu-west-1",
    ]);
  });

  it("fails with the available keys when an output is missing", () => {
    // Prepare
    const result = integrationEnv({ BATON_STACK_OUTPUTS: JSON.stringify({ A: { X: "1" } }) });
    // Act
    const act = (): unknown => result.output("Nope");
    // Assess
    expect(act).toThrow('No stack output named "Nope" (have: X)');
  });

  it("fails when not run through the harness", () => {
    // Prepare
    const env = {};
    // Act
    const act = (): unknown => integrationEnv(env);
    // Assess
    expect(act).toThrow(/BATON_STACK_OUTPUTS is not set/);
  });

  it("fails on malformed outputs", () => {
    // Prepare
    const env = { BATON_STACK_OUTPUTS: "[1]" };
    // Act
    const act = (): unknown => integrationEnv(env);
    // Assess
    expect(act).toThrow("BATON_STACK_OUTPUTS must be a JSON object of stacks");
  });

  it("fails when the API URL is read but the stack has none", () => {
    // Prepare
    const result = integrationEnv({ BATON_STACK_OUTPUTS: JSON.stringify({ A: { X: "1" } }) });
    // Act
    const act = (): unknown => result.apiUrl;
    // Assess
    expect(act).toThrow('BATON_API_URL is not set: the stack has no "ApiUrl" output (have: X)');
  });
});

describe("envCredentials", () => {
  it("fails without credentials", () => {
    // Prepare
    const env = { AWS_ACCESS_KEY_ID: "test" };
    // Act
    const act = (): unknown => envCredentials(env);
    // Assess
    expect(act).toThrow("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set to call the API");
  });
});
