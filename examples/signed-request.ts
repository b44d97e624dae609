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
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SignedRequest {
  readonly url: URL;
  readonly init: { method: string; headers: Record<string, string>; body?: string };
}

/** The Region of an execute-api URL, else AWS_REGION. */
export function regionOf(url: URL, env: NodeJS.ProcessEnv = process.env): string {
  const match = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname);
  const region = match?.[1] ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined)
    throw new Error(`cannot tell the Region of ${url.host}; set AWS_REGION`);
  return region;
}

/** Signs `method url` (with a JSON body, if any) for API Gateway's execute-api service. */
export async function signRequest(
  url: URL,
  method: string,
  body: string | undefined,
  options: { credentials: Credentials; region: string; date?: Date },
): Promise<SignedRequest> {
  const signer = new SignatureV4({
    service: "execute-api",
    region: options.region,
    credentials: options.credentials,
    sha256: Hash.bind(null, "sha256"),
  });
  const headers: Record<string, string> = { host: url.host };
  if (body !== undefined) headers["content-type"] = "application/json";
  const signed = await signer.sign(
    {
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      ...(body === undefined ? {} : { body }),
    },
    options.date === undefined ? {} : { signingDate: options.date },
  );
  const { host: _host, ...sent } = signed.headers; // fetch sets Host itself
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
