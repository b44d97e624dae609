/**
 * examples/signed-request.ts (the deploy guide's signed-request example) signs as AWS does: its
 * headers, checked by the integration tier's own SigV4 signer, which passes the AWS SigV4 test
 * suite (test/integration/client.test.ts).
 */
import { describe, expect, it } from "vitest";
import { regionOf, signRequest } from "../../examples/signed-request.ts";
import { signV4 } from "../integration/client.ts";

const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  sessionToken: "session-token-example",
};
const date = new Date("2026-12-04T06:00:00Z");

describe("examples/signed-request.ts", () => {
  it.each([
    ["GET", "https://abc123.execute-api.eu-west-1.amazonaws.com/v1/workflows", undefined],
    [
      "POST",
      "https://abc123.execute-api.eu-west-1.amazonaws.com/v1/workflows/order-fulfillment/executions",
      '{"orderId":"o-1"}',
    ],
    [
      "GET",
      "https://abc123.execute-api.eu-west-1.amazonaws.com/v1/workflows/x/executions?status=FAILED&limit=5",
      undefined,
    ],
  ])("signs %s %s as the reference signer does", async (method, href, body) => {
    // Prepare
    const url = new URL(href);

    // Act
    const { init } = await signRequest(url, method, body, {
      credentials,
      region: regionOf(url),
      date,
    });

    // Assess: the reference signer, given the same signed headers, computes the same signature.
    const {
      authorization,
      "x-amz-date": _date,
      "x-amz-security-token": _t,
      ...signed
    } = init.headers;
    const reference = signV4({
      method,
      url,
      headers: signed,
      body: body ?? "",
      region: "eu-west-1",
      service: "execute-api",
      credentials,
      date,
    });
    expect(authorization).toEqual(reference.authorization);
    expect(init.headers["x-amz-security-token"]).toBe("session-token-example");
    expect(init.headers.host).toBeUndefined();
  });

  it("fails when the Region cannot be told", () => {
    expect(() => regionOf(new URL("https://api.example.com/v1/"), {})).toThrow(/set AWS_REGION/);
  });
});
