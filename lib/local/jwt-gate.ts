/**
 * `baton dev --auth jwt`: what the API's Lambda authorizer does in AWS, in front of the local
 * proxy handler. Every request needs a bearer token the same `JwtVerifier` accepts (signature
 * against the issuer's JWKS, `iss`, `aud`, `exp`, `nbf`); the handler then sees
 * `requestContext.authorizer` as API Gateway passes a Lambda authorizer's result (`principalId` =
 * the token's `sub`), so `startedBy` and `publishedBy` are the same. Refusals are the problem
 * documents the stack's gateway responses send (401 `unauthorized`, 500 `authorizer-failure`); here
 * the detail also says why, which in AWS is in the authorizer's log. The web console's static files
 * (`GET /`, `GET /console/{asset}`) are open, as the stack's console routes are: they hold no
 * data, and the page then calls the API with a token the user pastes.
 */

import { Router } from "../runtime/api/router.ts";
import { consoleRoutes } from "../runtime/api/routes/console.ts";
import { JwtRejectedError, type JwtVerifier } from "../runtime/auth/jwt-verifier.ts";
import type { ProxyEvent, ProxyHandler, ProxyResult } from "./http-adapter.ts";

/** The routes the stack leaves open (`BatonApi.addConsole`): the console's page and assets. */
const OPEN_ROUTES = new Router(consoleRoutes);

export function jwtGate(verifier: JwtVerifier, handler: ProxyHandler): ProxyHandler {
  return async (event: ProxyEvent): Promise<ProxyResult> => {
    if (OPEN_ROUTES.matches(event.httpMethod, event.path)) return handler(event);
    const header = Object.entries(event.headers).find(
      ([name]) => name.toLowerCase() === "authorization",
    )?.[1];
    try {
      const token = await verifier.verifyHeader(header);
      return handler({
        ...event,
        requestContext: {
          ...event.requestContext,
          authorizer: { principalId: token.subject, sub: token.subject, iss: token.issuer },
        },
      });
    } catch (error) {
      if (error instanceof JwtRejectedError) {
        return problem(401, "unauthorized", "Unauthorized", error.message, {
          "www-authenticate": `Bearer error="invalid_token", error_description="${error.message.replace(/["\\]/g, "'")}"`,
        });
      }
      return problem(
        500,
        "authorizer-failure",
        "Authorizer failure",
        `Tokens cannot be verified: ${(error as Error).message}`,
      );
    }
  };
}

function problem(
  status: number,
  slug: string,
  title: string,
  detail: string,
  headers: Record<string, string> = {},
): ProxyResult {
  return {
    statusCode: status,
    headers: { "content-type": "application/problem+json", ...headers },
    body: JSON.stringify({ type: `urn:baton:problem:${slug}`, title, status, detail }),
  };
}
