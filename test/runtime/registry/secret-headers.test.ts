import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { SecretsManagerResolver } from "../../../lib/runtime/aws/secrets-manager-resolver.ts";
import { ManualClock } from "../../../lib/runtime/circuit/clock.ts";
import { ClientError, ServiceError } from "../../../lib/runtime/errors.ts";
import {
  EnvSecretResolver,
  resolveSecretHeaders,
  secretEnvName,
} from "../../../lib/runtime/registry/secret-headers.ts";

const secretsManager = mockClient(SecretsManagerClient);

beforeEach(() => secretsManager.reset());

describe("secret headers", () => {
  it("resolves every reference in header values and keeps plain ones", async () => {
    // Prepare
    const resolver = new EnvSecretResolver({
      BATON_SECRET_INV_TOKEN: "t-1",
      BATON_SECRET_INV_CREDS: '{"key":"k-2"}',
    });

    // Act
    const headers = await resolveSecretHeaders(
      {
        authorization: "Bearer {{ secret:inv-token }}",
        "x-api-key": "{{secret:inv/creds#key}}",
        "x-team": "shop",
      },
      resolver,
    );

    // Assess
    expect(headers).toEqual({ authorization: "Bearer t-1", "x-api-key": "k-2", "x-team": "shop" });
  });

  it("names environment variables BATON_SECRET_<NAME>", () => {
    expect(secretEnvName("prod/inventory-api.key")).toEqual("BATON_SECRET_PROD_INVENTORY_API_KEY");
  });

  it("fails with ClientError when a JSON key is missing", async () => {
    // Prepare
    const resolver = new EnvSecretResolver({ BATON_SECRET_INV: '{"other":"x"}' });

    // Act
    const resolving = resolver.resolve({ name: "inv", key: "key" });

    // Assess
    await expect(resolving).rejects.toThrow(new ClientError("Secret inv has no string key key."));
  });
});

describe("SecretsManagerResolver", () => {
  it("caches a value for its TTL and fetches it again after", async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: "v1" })
      .resolvesOnce({ SecretString: "v2" });
    const clock = new ManualClock();
    const resolver = new SecretsManagerResolver({
      client: new SecretsManagerClient({ region: "us-east-1" }),
      clock,
      ttlMs: 1_000,
    });

    // Act
    const values = [
      await resolver.resolve({ name: "inv" }),
      await resolver.resolve({ name: "inv" }),
    ];
    clock.advance(1_000);
    values.push(await resolver.resolve({ name: "inv" }));

    // Assess
    expect([
      values,
      secretsManager.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId),
    ]).toEqual([
      ["v1", "v1", "v2"],
      ["baton/inv", "baton/inv"],
    ]);
  });

  it("fails with ClientError for a missing secret and does not cache the failure", async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error("not found"), { name: "ResourceNotFoundException" }))
      .resolvesOnce({ SecretString: "late" });
    const resolver = new SecretsManagerResolver({
      client: new SecretsManagerClient({ region: "us-east-1" }),
    });

    // Act
    const first = await resolver.resolve({ name: "inv" }).catch((error: unknown) => error);
    const second = await resolver.resolve({ name: "inv" });

    // Assess
    expect([first instanceof ClientError, (first as ClientError).reason, second]).toEqual([
      true,
      "Secret baton/inv does not exist in Secrets Manager.",
      "late",
    ]);
  });

  it("does not prefix a name already in the baton/ namespace", async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: "v" });
    const resolver = new SecretsManagerResolver({
      client: new SecretsManagerClient({ region: "us-east-1" }),
    });

    // Act
    await resolver.resolve({ name: "baton/inv" });

    // Assess
    expect(secretsManager.commandCalls(GetSecretValueCommand)[0]?.args[0].input.SecretId).toEqual(
      "baton/inv",
    );
  });

  it("fails with retryable ServiceError when Secrets Manager throttles", async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error("slow down"), { name: "ThrottlingException" }));
    const resolver = new SecretsManagerResolver({
      client: new SecretsManagerClient({ region: "us-east-1" }),
    });

    // Act
    const error = await resolver.resolve({ name: "inv" }).catch((e: unknown) => e);

    // Assess
    expect([error instanceof ServiceError, (error as ServiceError).retryable]).toEqual([
      true,
      true,
    ]);
  });
});
