/** Lambda authorizer of the API when `baton:apiAuth` is `jwt` (any OIDC issuer); see `lib/runtime/auth/`. */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type {
  AuthorizerPolicy,
  TokenAuthorizerEvent,
} from "../lib/runtime/auth/token-authorizer.ts";
import { authorizeWithDefaults } from "../lib/runtime/aws/api-authorizer-deps.ts";
import { powertoolsLogger } from "../lib/runtime/aws/powertools-logger.ts";

export const handler = middy<TokenAuthorizerEvent, AuthorizerPolicy>()
  .use(injectLambdaContext(powertoolsLogger))
  .handler((event) => authorizeWithDefaults(event));
