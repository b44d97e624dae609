/**
 * A local OIDC issuer for auth tests: RSA and EC keys generated per test run, a discovery document
 * and JWKS served over loopback HTTP (counting fetches), and tokens signed with node:crypto.
 */
import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface TestKey {
  readonly kid: string;
  readonly alg: "RS256" | "ES256";
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export function testKey(kid: string, alg: "RS256" | "ES256"): TestKey {
  const pair =
    alg === "RS256"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { kid, alg, ...pair };
}

export interface TestIssuer {
  readonly url: string;
  readonly jwksUrl: string;
  /** Keys served in the JWKS (replace to rotate). */
  keys: TestKey[];
  /** Requests for the discovery document and the JWKS. */
  readonly fetches: { discovery: number; jwks: number };
  /** When false, the JWKS answers 503. */
  up: boolean;
  close(): Promise<void>;
}

export async function startIssuer(keys: TestKey[]): Promise<TestIssuer> {
  let server: Server | undefined;
  const issuer: TestIssuer = {
    url: "",
    jwksUrl: "",
    keys,
    fetches: { discovery: 0, jwks: 0 },
    up: true,
    close: () => new Promise<void>((resolve) => server?.close(() => resolve())),
  };
  server = createServer((request, response) => {
    if (request.url === "/.well-known/openid-configuration") {
      issuer.fetches.discovery += 1;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ issuer: issuer.url, jwks_uri: issuer.jwksUrl }));
      return;
    }
    if (request.url === "/keys" && issuer.up) {
      issuer.fetches.jwks += 1;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          keys: issuer.keys.map((k) => ({
            ...k.publicKey.export({ format: "jwk" }),
            kid: k.kid,
            alg: k.alg,
            use: "sig",
          })),
        }),
      );
      return;
    }
    response.writeHead(503);
    response.end();
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(issuer, { url, jwksUrl: `${url}/keys` });
  return issuer;
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A compact JWS signed with `key`; `header` overrides the protected header. */
export function mintToken(
  key: TestKey,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): string {
  const protectedHeader = b64({ alg: key.alg, typ: "JWT", kid: key.kid, ...header });
  const payload = b64(claims);
  const data = Buffer.from(`${protectedHeader}.${payload}`);
  const signature =
    key.alg === "RS256"
      ? sign("sha256", data, key.privateKey)
      : sign("sha256", data, { key: key.privateKey, dsaEncoding: "ieee-p1363" });
  return `${protectedHeader}.${payload}.${signature.toString("base64url")}`;
}

/** Claims that pass for `issuer` and `audience`, valid for an hour from now. */
export function goodClaims(issuer: string, audience: string, sub = "user-1") {
  const now = Math.floor(Date.now() / 1000);
  return { iss: issuer, aud: audience, sub, iat: now, exp: now + 3600 };
}
