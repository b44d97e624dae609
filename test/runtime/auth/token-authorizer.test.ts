/** The API's Lambda authorizer: Allow with the token's sub, API Gateway's 401, and JWKS failures. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JwtVerifier } from "../../../lib/runtime/auth/jwt-verifier.ts";
import { authorizeToken } from "../../../lib/runtime/auth/token-authorizer.ts";
import type { Logger } from "../../../lib/runtime/logger.ts";
import {
  goodClaims,
  mintToken,
  startIssuer,
  type TestIssuer,
  type TestKey,
  testKey,
} from "../../support/oidc-issuer.ts";

const METHOD_ARN =
  "arn:aws:execute-api:eu-west-1:123456789012:abc123/v1/POST/workflows/x/executions";
let key: TestKey;
let issuer: TestIssuer;
const logged: string[] = [];
const logger: Logger = {
  info: (message, attributes) => logged.push(`${message} ${JSON.stringify(attributes)}`),
  warn: () => {},
  error: (message, attributes) => logged.push(`${message} ${JSON.stringify(attributes)}`),
};

beforeAll(async () => {
  key = testKey("k1", "ES256");
  issuer = await startIssuer([key]);
});
afterAll(() => issuer.close());

describe("authorizeToken", () => {
  it("allows the called method for a good token, with the sub as principal", async () => {
    // Prepare
    const verifier = new JwtVerifier({ issuer: issuer.url, audience: "baton" });
    const token = mintToken(key, goodClaims(issuer.url, "baton", "svc-deployer"));

    // Act
    const policy = await authorizeToken(
      { type: "TOKEN", authorizationToken: `Bearer ${token}`, methodArn: METHOD_ARN },
      { verifier, logger },
    );

    // Assess
    expect(policy).toStrictEqual({
      principalId: "svc-deployer",
      policyDocument: {
        Version: "2012-10-17",
        Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: METHOD_ARN }],
      },
      context: { sub: "svc-deployer", iss: issuer.url },
    });
  });

  it("answers Unauthorized (API Gateway's 401) for a refused token and logs why", async () => {
    // Prepare
    const verifier = new JwtVerifier({ issuer: issuer.url, audience: "baton" });
    const token = mintToken(key, goodClaims(issuer.url, "another-app"));
    logged.length = 0;

    // Act
    const error = await authorizeToken(
      { type: "TOKEN", authorizationToken: `Bearer ${token}`, methodArn: METHOD_ARN },
      { verifier, logger },
    ).catch((e: Error) => e.message);

    // Assess
    expect(error).toBe("Unauthorized");
    expect(logged).toEqual([
      'token refused {"reason":"the token\'s audience \\"another-app\\" does not include baton"}',
    ]);
  });

  it("fails (API Gateway's 500) when the issuer's keys cannot be read", async () => {
    // Prepare
    const verifier = new JwtVerifier({
      issuer: issuer.url,
      audience: "baton",
      jwksUrl: `${issuer.url}/missing`,
    });

    // Act
    const error = await authorizeToken(
      {
        type: "TOKEN",
        authorizationToken: `Bearer ${mintToken(key, goodClaims(issuer.url, "baton"))}`,
        methodArn: METHOD_ARN,
      },
      { verifier, logger },
    ).catch((e: Error) => e.message);

    // Assess
    expect(error).toBe(`the JWKS at ${issuer.url}/missing answered 503`);
  });
});
