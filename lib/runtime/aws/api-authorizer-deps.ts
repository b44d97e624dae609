/** The API authorizer's composition: one verifier per container, so its JWKS cache is reused. */
import { JwtVerifier } from "../auth/jwt-verifier.ts";
import { authorizeToken, type TokenAuthorizerEvent } from "../auth/token-authorizer.ts";
import { JWT_ENV, requireEnv } from "./env.ts";
import { logger } from "./powertools-logger.ts";

let verifier: JwtVerifier | undefined;

export function authorizeWithDefaults(event: TokenAuthorizerEvent) {
  const jwksUrl = process.env[JWT_ENV.jwksUrl];
  verifier ??= new JwtVerifier({
    issuer: requireEnv(JWT_ENV.issuer),
    audience: requireEnv(JWT_ENV.audience),
    ...(jwksUrl === undefined || jwksUrl === "" ? {} : { jwksUrl }),
  });
  return authorizeToken(event, { verifier, logger });
}
