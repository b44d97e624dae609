/**
 * JwtVerifier against a local OIDC issuer (keys generated per run, JWKS over loopback HTTP): what
 * it accepts, every reason it refuses, discovery, caching and key rotation.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  JwksUnavailableError,
  JwtRejectedError,
  JwtVerifier,
} from "../../../lib/runtime/auth/jwt-verifier.ts";
import {
  goodClaims,
  mintToken,
  startIssuer,
  type TestIssuer,
  type TestKey,
  testKey,
} from "../../support/oidc-issuer.ts";

const AUDIENCE = "baton-api";
let rsa: TestKey;
let ec: TestKey;
let stranger: TestKey;
let issuer: TestIssuer;

beforeAll(async () => {
  rsa = testKey("rsa-1", "RS256");
  ec = testKey("ec-1", "ES256");
  stranger = testKey("rsa-1", "RS256"); // same kid, another key: a forger's
  issuer = await startIssuer([rsa, ec]);
});

afterAll(() => issuer.close());

beforeEach(() => {
  issuer.keys = [rsa, ec];
  issuer.up = true;
  issuer.fetches.discovery = 0;
  issuer.fetches.jwks = 0;
});

const verifier = (options: Partial<ConstructorParameters<typeof JwtVerifier>[0]> = {}) =>
  new JwtVerifier({ issuer: issuer.url, audience: AUDIENCE, ...options });

async function refusal(v: JwtVerifier, token: string): Promise<string> {
  const error = await v.verify(token).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(JwtRejectedError);
  return (error as Error).message;
}

describe("JwtVerifier", () => {
  it("accepts RS256 and ES256 tokens of the issuer for the audience, finding keys by discovery", async () => {
    // Prepare
    const v = verifier();

    // Act
    const byRsa = await v.verify(mintToken(rsa, goodClaims(issuer.url, AUDIENCE, "alice")));
    const byEc = await v.verifyHeader(
      `Bearer ${mintToken(ec, { ...goodClaims(issuer.url, "other"), aud: ["other", AUDIENCE], sub: "bob" })}`,
    );

    // Assess
    expect([byRsa.subject, byEc.subject, byRsa.issuer]).toEqual(["alice", "bob", issuer.url]);
    expect(issuer.fetches).toEqual({ discovery: 1, jwks: 1 });
  });

  it("refuses, saying why: audience, issuer, expiry, nbf, subject, signature, algorithm, key", async () => {
    // Prepare
    const v = verifier();
    const good = goodClaims(issuer.url, AUDIENCE);
    const now = Math.floor(Date.now() / 1000);
    const [head, , sig] = mintToken(rsa, good).split(".");
    const tampered = `${head}.${Buffer.from(JSON.stringify({ ...good, sub: "root" })).toString("base64url")}.${sig}`;
    const unsigned = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify(good)).toString("base64url")}.`;

    // Act
    const reasons = [
      await refusal(v, mintToken(rsa, { ...good, aud: "someone-else" })),
      await refusal(v, mintToken(rsa, { ...good, iss: "https://evil.example.com" })),
      await refusal(v, mintToken(rsa, { ...good, exp: now - 3600 })),
      await refusal(v, mintToken(rsa, { ...good, nbf: now + 3600 })),
      await refusal(v, mintToken(rsa, { ...good, sub: undefined })),
      await refusal(v, mintToken(rsa, { ...good, exp: undefined })),
      await refusal(v, tampered),
      await refusal(v, mintToken(stranger, good)),
      await refusal(v, unsigned),
      await refusal(v, mintToken(rsa, good, { alg: "HS256" })),
      await refusal(v, mintToken(rsa, good, { kid: "ec-1" })),
      await refusal(v, mintToken(rsa, good, { kid: "nobody" })),
      await refusal(v, "not-a-jwt"),
    ];
    const noHeader = await v.verifyHeader(undefined).catch((e: Error) => e.message);
    const basic = await v.verifyHeader("Basic dXNlcjpwYXNz").catch((e: Error) => e.message);

    // Assess
    expect(reasons).toEqual([
      `the token's audience "someone-else" does not include ${AUDIENCE}`,
      `the token's issuer "https://evil.example.com" is not the trusted issuer ${issuer.url}`,
      `the token expired at ${new Date((now - 3600) * 1000).toISOString()}`,
      `the token is not valid before ${new Date((now + 3600) * 1000).toISOString()}`,
      "the token has no sub (subject) claim",
      "the token has no exp (expiry) claim",
      "the token's signature does not verify",
      "the token's signature does not verify",
      'the token\'s alg "none" is not accepted (accepted: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512)',
      'the token\'s alg "HS256" is not accepted (accepted: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512)',
      "the issuer's key ec-1 is not for alg RS256",
      'the issuer has no key with kid "nobody"',
      "the token is not a JWS compact JWT",
    ]);
    expect(noHeader).toBe("no bearer token: send Authorization: Bearer <jwt>");
    expect(basic).toBe('the Authorization header must be "Bearer <jwt>"');
  });

  it("allows the clock skew on exp and nbf", async () => {
    // Prepare
    const now = 1_800_000_000;
    const v = verifier({ now: () => now * 1000, clockSkewSeconds: 60 });
    const claims = { ...goodClaims(issuer.url, AUDIENCE), iat: now - 600 };

    // Act
    const within = await v.verify(mintToken(rsa, { ...claims, exp: now - 59, nbf: now + 59 }));
    const past = await refusal(v, mintToken(rsa, { ...claims, exp: now - 61 }));

    // Assess
    expect(within.subject).toBe("user-1");
    expect(past).toMatch(/^the token expired at /);
  });

  it("caches the keys, picks up a rotated key once, and does not refetch for made-up kids", async () => {
    // Prepare
    let now = 1_000_000;
    const v = verifier({ jwksUrl: issuer.jwksUrl, now: () => now, minRefreshSeconds: 30 });
    const claims = { ...goodClaims(issuer.url, AUDIENCE), exp: 2_000_000_000 };
    const rotated = testKey("rsa-2", "RS256");

    // Act
    for (let i = 0; i < 20; i++) await v.verify(mintToken(rsa, claims));
    const cached = { ...issuer.fetches };
    issuer.keys = [rotated];
    now += 31_000;
    const afterRotation = await v.verify(mintToken(rotated, claims));
    for (let i = 0; i < 5; i++) await refusal(v, mintToken(rsa, claims, { kid: `made-up-${i}` }));
    const afterMadeUp = issuer.fetches.jwks;
    now += 600_001;
    await v.verify(mintToken(rotated, claims));

    // Assess
    expect(cached).toEqual({ discovery: 0, jwks: 1 });
    expect(afterRotation.subject).toBe("user-1");
    expect(afterMadeUp).toBe(2);
    expect(issuer.fetches.jwks).toBe(3); // the cache expired
  });

  it("says the JWKS is unavailable (not the caller's fault) when the issuer does not answer", async () => {
    // Prepare
    issuer.up = false;

    // Act
    const error = await verifier()
      .verify(mintToken(rsa, goodClaims(issuer.url, AUDIENCE)))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(JwksUnavailableError);
    expect((error as Error).message).toBe(`the JWKS at ${issuer.url}/keys answered 503`);
  });

  it("fails when it is built without an audience or with a bad issuer", () => {
    expect(() => new JwtVerifier({ issuer: issuer.url, audience: " " })).toThrow(
      "the JWT audience must not be empty: it is enforced on every token",
    );
    expect(() => new JwtVerifier({ issuer: "nope", audience: "a" })).toThrow(
      'the JWT issuer must be a URL; got "nope"',
    );
  });
});
