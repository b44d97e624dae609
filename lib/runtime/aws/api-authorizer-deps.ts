/** The API authorizer's composition: one verifier per container, so its JWKS cache is reused. */
import { JwtVerifier } from "../auth/jwt-verifier.ts";
import { authorizeToken, type TokenAuthorizerEvent } from "../auth/token-authorizer.ts";
import { ENV, requireEnv } from "./env.ts";
import { logger } from "./powertools-logger.ts";

let verifier: JwtVerifier | undefined;

export function authorizeWithDefaults(event: TokenAuthorizerEvent) {
  const jwksUrl = process.env[ENV.jwtJwksUrl];
  verifier ??= new JwtVerifier({
    issuer: requireEnv(ENV.jwtIssuer),
    audience: requireEnv(ENV.jwtAudience),
    ...(jwksUrl === undefined || jwksUrl === "" ? {} : { jwksUrl }),
  });
  return authorizeToken(event, { verifier, logger });
}
