/**
 * Verifies a JWT bearer token from any OIDC issuer, with node:crypto only: the signature against
 * the issuer's JWKS (found by OIDC discovery, or given), `iss`, `aud` (enforced), `exp` and `nbf`.
 * One verifier serves the API Lambda authorizer in AWS and `baton dev --auth jwt`, so both accept
 * and refuse the same tokens.
 *
 * Keys are cached for `cacheSeconds`; a token signed with a key id the cache lacks refreshes it at
 * most once per `minRefreshSeconds` (an issuer rotating keys is picked up at once, while a flood of
 * tokens with made-up key ids cannot make the verifier hammer the issuer).
 */
import { constants, createPublicKey, type JsonWebKey, type KeyObject, verify } from "node:crypto";

export interface JwtVerifierOptions {
  /** The `iss` every token must carry, e.g. `https://login.example.com/realms/ops`. */
  readonly issuer: string;
  /** The audience every token must name in `aud` (a string or an array). */
  readonly audience: string;
  /** @default discovered: `<issuer>/.well-known/openid-configuration`'s `jwks_uri` */
  readonly jwksUrl?: string;
  /** Leeway for `exp` and `nbf`. @default 60 */
  readonly clockSkewSeconds?: number;
  /** How long fetched keys are trusted. @default 600 */
  readonly cacheSeconds?: number;
  /** @default 30 */
  readonly minRefreshSeconds?: number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default Date.now */
  readonly now?: () => number;
}

/** The token is not acceptable; `message` says why (safe to show the caller). */
export class JwtRejectedError extends Error {
  override readonly name = "JwtRejectedError";
}

/** The issuer's discovery document or JWKS could not be read: not the caller's fault. */
export class JwksUnavailableError extends Error {
  override readonly name = "JwksUnavailableError";
}

export interface VerifiedToken {
  /** The caller's identity: `sub`. */
  readonly subject: string;
  readonly issuer: string;
  readonly claims: Readonly<Record<string, unknown>>;
}

/** Algorithms accepted: asymmetric only (`none` and HMAC would let anyone mint tokens). */
const ALGORITHMS = {
  RS256: { hash: "sha256", kty: "RSA", pssSalt: 0 },
  RS384: { hash: "sha384", kty: "RSA", pssSalt: 0 },
  RS512: { hash: "sha512", kty: "RSA", pssSalt: 0 },
  PS256: { hash: "sha256", kty: "RSA", pssSalt: 32 },
  PS384: { hash: "sha384", kty: "RSA", pssSalt: 48 },
  PS512: { hash: "sha512", kty: "RSA", pssSalt: 64 },
  ES256: { hash: "sha256", kty: "EC", pssSalt: 0 },
  ES384: { hash: "sha384", kty: "EC", pssSalt: 0 },
  ES512: { hash: "sha512", kty: "EC", pssSalt: 0 },
} as const;
type Algorithm = keyof typeof ALGORITHMS;

interface CachedKey {
  readonly key: KeyObject;
  readonly alg?: string;
  readonly kty: string;
}

const MAX_TOKEN_LENGTH = 16_384;

export class JwtVerifier {
  private readonly options: Required<Omit<JwtVerifierOptions, "jwksUrl">> & {
    readonly jwksUrl: string | undefined;
  };
  private keys = new Map<string, CachedKey>();
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;

  constructor(options: JwtVerifierOptions) {
    if (!URL.canParse(options.issuer))
      throw new TypeError(`the JWT issuer must be a URL; got "${options.issuer}"`);
    if (options.audience.trim() === "")
      throw new TypeError("the JWT audience must not be empty: it is enforced on every token");
    if (options.jwksUrl !== undefined && !URL.canParse(options.jwksUrl))
      throw new TypeError(`the JWKS URL must be a URL; got "${options.jwksUrl}"`);
    this.options = {
      issuer: options.issuer,
      audience: options.audience,
      jwksUrl: options.jwksUrl,
      clockSkewSeconds: options.clockSkewSeconds ?? 60,
      cacheSeconds: options.cacheSeconds ?? 600,
      minRefreshSeconds: options.minRefreshSeconds ?? 30,
      fetch: options.fetch ?? globalThis.fetch,
      now: options.now ?? Date.now,
    };
  }

  /** Verifies `Authorization` header text (`Bearer <jwt>`) or a bare token. */
  async verifyHeader(header: string | undefined): Promise<VerifiedToken> {
    if (header === undefined || header.trim() === "")
      throw new JwtRejectedError("no bearer token: send Authorization: Bearer <jwt>");
    const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
    if (match?.[1] === undefined)
      throw new JwtRejectedError('the Authorization header must be "Bearer <jwt>"');
    return this.verify(match[1]);
  }

  async verify(token: string): Promise<VerifiedToken> {
    if (token.length > MAX_TOKEN_LENGTH)
      throw new JwtRejectedError(`the token is longer than ${MAX_TOKEN_LENGTH} characters`);
    const parts = token.split(".");
    if (parts.length !== 3) throw new JwtRejectedError("the token is not a JWS compact JWT");
    const [headerText = "", payloadText = "", signatureText = ""] = parts;
    const header = decodeJson(headerText, "header");
    const claims = decodeJson(payloadText, "payload");
    const alg = header.alg;
    if (typeof alg !== "string" || !Object.hasOwn(ALGORITHMS, alg)) {
      throw new JwtRejectedError(
        `the token's alg ${JSON.stringify(alg)} is not accepted (accepted: ${Object.keys(ALGORITHMS).join(", ")})`,
      );
    }
    const kid = typeof header.kid === "string" ? header.kid : undefined;
    const key = await this.keyFor(kid, alg as Algorithm);
    const signature = Buffer.from(signatureText, "base64url");
    const spec = ALGORITHMS[alg as Algorithm];
    const valid = verify(
      spec.hash,
      Buffer.from(`${headerText}.${payloadText}`, "ascii"),
      spec.kty === "EC"
        ? { key: key.key, dsaEncoding: "ieee-p1363" }
        : spec.pssSalt > 0
          ? { key: key.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: spec.pssSalt }
          : key.key,
      signature,
    );
    if (!valid) throw new JwtRejectedError("the token's signature does not verify");
    return this.checkClaims(claims);
  }

  private checkClaims(claims: Record<string, unknown>): VerifiedToken {
    const { issuer, audience, clockSkewSeconds } = this.options;
    if (claims.iss !== issuer) {
      throw new JwtRejectedError(
        `the token's issuer ${JSON.stringify(claims.iss)} is not the trusted issuer ${issuer}`,
      );
    }
    const aud = claims.aud;
    const audiences = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : [];
    if (!audiences.includes(audience)) {
      throw new JwtRejectedError(
        `the token's audience ${JSON.stringify(aud ?? null)} does not include ${audience}`,
      );
    }
    const now = this.options.now() / 1000;
    if (typeof claims.exp !== "number")
      throw new JwtRejectedError("the token has no exp (expiry) claim");
    if (now > claims.exp + clockSkewSeconds) {
      throw new JwtRejectedError(
        `the token expired at ${new Date(claims.exp * 1000).toISOString()}`,
      );
    }
    if (typeof claims.nbf === "number" && now < claims.nbf - clockSkewSeconds) {
      throw new JwtRejectedError(
        `the token is not valid before ${new Date(claims.nbf * 1000).toISOString()}`,
      );
    }
    if (typeof claims.sub !== "string" || claims.sub === "")
      throw new JwtRejectedError("the token has no sub (subject) claim");
    return { subject: claims.sub, issuer, claims };
  }

  private async keyFor(kid: string | undefined, alg: Algorithm): Promise<CachedKey> {
    const age = (this.options.now() - this.fetchedAt) / 1000;
    if (age > this.options.cacheSeconds) await this.load();
    let key = this.find(kid);
    if (key === undefined && age > this.options.minRefreshSeconds) {
      await this.load(); // the issuer may have rotated its keys since the last fetch
      key = this.find(kid);
    }
    if (key === undefined) {
      throw new JwtRejectedError(
        kid === undefined
          ? "the token has no kid and the issuer has more than one key"
          : `the issuer has no key with kid ${JSON.stringify(kid)}`,
      );
    }
    if (key.kty !== ALGORITHMS[alg].kty || (key.alg !== undefined && key.alg !== alg)) {
      throw new JwtRejectedError(`the issuer's key ${kid ?? "(no kid)"} is not for alg ${alg}`);
    }
    return key;
  }

  private find(kid: string | undefined): CachedKey | undefined {
    if (kid !== undefined) return this.keys.get(kid);
    return this.keys.size === 1 ? [...this.keys.values()][0] : undefined;
  }

  /** Fetches the JWKS (concurrent callers share one fetch). */
  private load(): Promise<void> {
    this.loading ??= this.fetchKeys().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async fetchKeys(): Promise<void> {
    const url = this.options.jwksUrl ?? (await this.discover());
    const document = await this.getJson(url, "JWKS");
    const entries = Array.isArray((document as { keys?: unknown }).keys)
      ? ((document as { keys: unknown[] }).keys as Record<string, unknown>[])
      : undefined;
    if (entries === undefined) throw new JwksUnavailableError(`${url} has no "keys" array`);
    const keys = new Map<string, CachedKey>();
    entries.forEach((jwk, index) => {
      if (jwk.use !== undefined && jwk.use !== "sig") return;
      if (jwk.kty !== "RSA" && jwk.kty !== "EC") return;
      try {
        const key = createPublicKey({ key: jwk as JsonWebKey, format: "jwk" });
        keys.set(typeof jwk.kid === "string" ? jwk.kid : `#${index}`, {
          key,
          kty: jwk.kty,
          ...(typeof jwk.alg === "string" ? { alg: jwk.alg } : {}),
        });
      } catch {
        // A key node:crypto cannot read is one no token can be verified with: skip it.
      }
    });
    this.keys = keys;
    this.fetchedAt = this.options.now();
  }

  private async discover(): Promise<string> {
    const url = `${this.options.issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
    const document = (await this.getJson(url, "OIDC discovery document")) as {
      jwks_uri?: unknown;
    };
    if (typeof document.jwks_uri !== "string" || !URL.canParse(document.jwks_uri))
      throw new JwksUnavailableError(`${url} has no jwks_uri`);
    return document.jwks_uri;
  }

  private async getJson(url: string, what: string): Promise<unknown> {
    let response: Response;
    try {
      response = await this.options.fetch(url, {
        headers: { accept: "application/json" },
        signal: AbortSignal.timeout(5000),
      });
    } catch (error) {
      throw new JwksUnavailableError(`cannot read the ${what} at ${url}: ${String(error)}`);
    }
    if (!response.ok)
      throw new JwksUnavailableError(`the ${what} at ${url} answered ${response.status}`);
    try {
      return (await response.json()) as unknown;
    } catch {
      throw new JwksUnavailableError(`the ${what} at ${url} is not JSON`);
    }
  }
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  try {
    const value = JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as unknown;
    if (value !== null && typeof value === "object" && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new JwtRejectedError(`the token's ${what} is not base64url-encoded JSON`);
}
