/**
 * The API's Lambda authorizer (REST API, TOKEN type, identity source the `Authorization` header)
 * for `baton:apiAuth = jwt`: a token the verifier accepts gets an Allow policy for the method it
 * called, with `principalId` = the token's `sub`, which the API records as `startedBy` and
 * `publishedBy`; any other token gets API Gateway's 401 (`throw new Error("Unauthorized")` is how a
 * TOKEN authorizer says so). A JWKS the authorizer cannot read is an error: API Gateway answers 500
 * (AUTHORIZER_FAILURE) and the reason is in the authorizer's log.
 */
import type { Logger } from "../logger.ts";
import { JwtRejectedError, type JwtVerifier } from "./jwt-verifier.ts";

export interface TokenAuthorizerEvent {
  readonly type: "TOKEN";
  readonly authorizationToken?: string;
  readonly methodArn: string;
}

export interface AuthorizerPolicy {
  readonly principalId: string;
  readonly policyDocument: {
    readonly Version: "2012-10-17";
    readonly Statement: readonly {
      readonly Action: "execute-api:Invoke";
      readonly Effect: "Allow";
      readonly Resource: string;
    }[];
  };
  /** Reaches the API as `requestContext.authorizer.<key>` (strings, numbers, booleans only). */
  readonly context: { readonly sub: string; readonly iss: string };
}

export async function authorizeToken(
  event: TokenAuthorizerEvent,
  deps: { readonly verifier: JwtVerifier; readonly logger: Logger },
): Promise<AuthorizerPolicy> {
  try {
    const token = await deps.verifier.verifyHeader(event.authorizationToken);
    return {
      principalId: token.subject,
      policyDocument: {
        Version: "2012-10-17",
        Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: event.methodArn }],
      },
      context: { sub: token.subject, iss: token.issuer },
    };
  } catch (error) {
    if (error instanceof JwtRejectedError) {
      deps.logger.info("token refused", { reason: error.message });
      throw new Error("Unauthorized");
    }
    deps.logger.error("cannot verify tokens", { error: (error as Error).message });
    throw error;
  }
}
