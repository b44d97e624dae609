/**
 * Calls a deployed Baton API (IAM auth, the stack's default) with an AWS SigV4-signed request.
 * Credentials come from the standard chain (environment, ~/.aws profiles, SSO, instance roles).
 *
 *   npx tsx examples/signed-request.ts <ApiUrl> GET workflows
 *   npx tsx examples/signed-request.ts <ApiUrl> POST workflows/order-fulfillment/executions @input.json
 *
 * `<ApiUrl>` is the stack's `ApiUrl` output (https://<id>.execute-api.<region>.amazonaws.com/v1/).
 * The caller needs `execute-api:Invoke` on the API (docs/deploy.md).
 */
import { readFileSync } from "node:fs";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { type AwsCredentials, regionOf, signedHeaders } from "../lib/cli/api-signing.ts";

export { regionOf };

export interface SignedRequest {
  readonly url: URL;
  readonly init: { method: string; headers: Record<string, string>; body?: string };
}

/**
 * Signs `method url` (with a JSON body, if any) for API Gateway's execute-api service, with the
 * signer `baton workflows|start|status|executions` use (lib/cli/api-signing.ts).
 */
export async function signRequest(
  url: URL,
  method: string,
  body: string | undefined,
  options: { credentials: AwsCredentials; region: string; date?: Date },
): Promise<SignedRequest> {
  const headers = body === undefined ? {} : { "content-type": "application/json" };
  const sent = await signedHeaders(url, method, headers, body, options);
  return { url, init: { method, headers: sent, ...(body === undefined ? {} : { body }) } };
}

async function main(argv: readonly string[]): Promise<number> {
  const [apiUrl, method = "GET", path = "health", data] = argv;
  if (apiUrl === undefined) {
    console.error("usage: signed-request.ts <ApiUrl> [METHOD] [path] [json|@file]");
    return 2;
  }
  const base = new URL(apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/`);
  const url = new URL(path.replace(/^\/+/, ""), base);
  const body = data?.startsWith("@") ? readFileSync(data.slice(1), "utf8") : data;
  const credentials = await fromNodeProviderChain()();
  const request = await signRequest(url, method.toUpperCase(), body, {
    credentials,
    region: regionOf(url),
  });
  const response = await fetch(request.url, request.init);
  console.log(`${response.status} ${response.statusText}`);
  console.log(await response.text());
  return response.ok ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
