/**
 * The remote commands' API client as a server sees it: SigV4 signatures recomputed from the
 * request that arrived (by the integration tier's own signer, which passes the AWS SigV4 test
 * suite: test/integration/client.test.ts), bearer tokens, the stage path, auth chosen from the
 * options and environment.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, ApiProblemError, clientFrom } from "../../lib/cli/api-client.ts";
import { main } from "../../lib/cli/main.ts";
import { signV4 } from "../integration/client.ts";

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  sessionToken: "session-token-example",
};

const received: Received[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    received.push({
      method: request.method ?? "",
      url: request.url ?? "",
      headers: request.headers,
      body: Buffer.concat(chunks).toString("utf8"),
    });
    if (request.url?.includes("forbidden")) {
      response.writeHead(403, { "content-type": "application/json" });
      response.end(JSON.stringify({ message: "Forbidden" }));
      return;
    }
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ items: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  received.length = 0;
});

/** Recomputes the signature of a received request from the headers it says it signed. */
function recomputed(request: Received, region: string): string | undefined {
  const authorization = String(request.headers.authorization ?? "");
  const signedNames = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(";") ?? [];
  const amzDate = String(request.headers["x-amz-date"] ?? "");
  const date = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const headers: Record<string, string> = {};
  for (const name of signedNames) {
    if (["host", "x-amz-date", "x-amz-security-token"].includes(name)) continue;
    headers[name] = String(request.headers[name] ?? "");
  }
  return signV4({
    method: request.method,
    url: new URL(`${base}${request.url}`),
    headers,
    body: request.body,
    region,
    service: "execute-api",
    credentials,
    date,
  }).authorization;
}

describe("ApiClient", () => {
  it.each([
    ["GET", "/workflows", { q: "stock words", limit: 5 }, undefined],
    ["POST", "/workflows/greeter/executions", { alias: "canary" }, { json: { orderId: "o-1" } }],
    [
      "PUT",
      "/workflows/greeter",
      {},
      { text: "workflow: greeter\nsteps: []\n", contentType: "application/yaml" },
    ],
  ] as const)(
    "signs %s %s so that the signature recomputed from what arrived matches",
    async (method, path, query, body) => {
      // Prepare
      const client = new ApiClient({
        api: `${base}/v1/`,
        auth: { kind: "sigv4", region: "eu-west-1", credentials: async () => credentials },
      });

      // Act
      await client.request(method, path, { query, ...body });

      // Assess
      const [request] = received;
      expect(request?.url.startsWith(`/v1${path}`)).toBe(true);
      expect(request?.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=\S*host\S*, Signature=[0-9a-f]{64}$/,
      );
      expect(request?.headers["x-amz-security-token"]).toBe("session-token-example");
      expect(request?.headers.authorization).toBe(recomputed(request as Received, "eu-west-1"));
      // A tampered body or path no longer matches: the check can fail.
      expect(
        recomputed({ ...(request as Received), body: `${request?.body} ` }, "eu-west-1"),
      ).not.toBe(request?.headers.authorization);
    },
  );

  it("sends a bearer token and nothing else when given one", async () => {
    // Act
    await clientFrom({ api: base, token: "eyJ.token" }).request("GET", "/executions");
    await clientFrom({ api: base }, { BATON_TOKEN: "from-env" }).request("GET", "/executions");

    // Assess
    expect(received.map((r) => r.headers.authorization)).toEqual([
      "Bearer eyJ.token",
      "Bearer from-env",
    ]);
    expect(received[0]?.headers["x-amz-date"]).toBeUndefined();
  });

  it("chooses SigV4 off loopback, nothing on loopback, and says what is missing", () => {
    // Act
    const remoteApi = () =>
      clientFrom({ api: "https://abc.execute-api.eu-west-1.amazonaws.com/v1/" }, {});
    const customDomain = () => clientFrom({ api: "https://baton.example.com/" }, {});

    // Assess
    expect(remoteApi().api).toBe("https://abc.execute-api.eu-west-1.amazonaws.com/v1");
    expect(customDomain).toThrow(/cannot tell the AWS Region of baton\.example\.com.*--region/);
    expect(() => clientFrom({ api: base, auth: "token" }, {})).toThrow(
      "--auth token needs a token: pass --token or set BATON_TOKEN",
    );
    expect(() => clientFrom({ api: base, auth: "kerberos" }, {})).toThrow(
      '--auth must be one of iam, token, none; got "kerberos"',
    );
    expect(() => clientFrom({ api: "ftp://x" }, {})).toThrow(
      'must be an http(s) URL; got "ftp://x"',
    );
  });

  it("turns API Gateway's own 403 into a problem with its message", async () => {
    // Act
    const failure = await clientFrom({ api: base, token: "t" })
      .expect([200], "GET", "/forbidden")
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(ApiProblemError);
    expect((failure as ApiProblemError).message).toBe(`${base} answered 403: Forbidden`);
  });
});

describe("baton executions --auth iam", () => {
  it("signs with credentials from the AWS chain (here the environment) and hints at 403", async () => {
    // Prepare
    const saved = { ...process.env };
    process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
    process.env.AWS_SESSION_TOKEN = credentials.sessionToken;
    const err: string[] = [];
    try {
      // Act
      const ok = await main(
        ["executions", "--api", base, "--auth", "iam", "--region", "us-east-2"],
        {
          stdout: () => {},
          stderr: () => {},
        },
      );
      const refused = await main(
        ["status", "forbidden", "--api", base, "--auth", "iam", "--region", "us-east-2"],
        { stdout: () => {}, stderr: (t) => void err.push(t) },
      );

      // Assess
      expect([ok, refused]).toEqual([0, 1]);
      expect(received[0]?.headers.authorization).toBe(
        recomputed(received[0] as Received, "us-east-2"),
      );
      expect(err.join("")).toBe(
        `baton status: ${base} answered 403: Forbidden\n  the credentials were refused: check the token's issuer, audience and expiry, or the IAM principal's execute-api:Invoke permission\n`,
      );
    } finally {
      process.env = saved;
    }
  });
});
