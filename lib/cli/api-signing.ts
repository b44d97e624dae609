/**
 * AWS SigV4 for the Baton API (IAM auth, the stack's default): what `baton workflows|start|status|
 * executions` send to a deployed stack, and what examples/signed-request.ts shows.
 */
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SignOptions {
  readonly credentials: AwsCredentials;
  readonly region: string;
  /** @default "execute-api" */
  readonly service?: string;
  /** @default now */
  readonly date?: Date;
}

/**
 * The Region of an execute-api URL, else `AWS_REGION` (or `AWS_DEFAULT_REGION`); a custom domain
 * name does not say it.
 */
export function regionOf(url: URL, env: NodeJS.ProcessEnv = process.env): string {
  const match = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(url.hostname);
  const region = match?.[1] ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined || region === "") {
    throw new Error(
      `cannot tell the AWS Region of ${url.host} (not an execute-api host name); set AWS_REGION or pass --region`,
    );
  }
  return region;
}

/**
 * The headers that sign `method url` with `headers` and `body`: the given headers plus
 * `authorization`, `x-amz-date`, `x-amz-content-sha256` and, with temporary credentials,
 * `x-amz-security-token`. `host` is signed but not returned (fetch sends it itself).
 */
export async function signedHeaders(
  url: URL,
  method: string,
  headers: Readonly<Record<string, string>>,
  body: string | undefined,
  options: SignOptions,
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: options.service ?? "execute-api",
    region: options.region,
    credentials: options.credentials,
    sha256: Hash.bind(null, "sha256"),
  });
  const signed = await signer.sign(
    {
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === "" ? {} : { port: Number(url.port) }),
      // Percent-encoded as sent; the signer encodes it once more, as non-S3 services expect.
      path: url.pathname,
      query: queryOf(url),
      headers: { ...lowerCased(headers), host: url.host },
      ...(body === undefined ? {} : { body }),
    },
    options.date === undefined ? {} : { signingDate: options.date },
  );
  const { host: _host, ...sent } = signed.headers;
  return sent;
}

/** Repeated query parameters are signed with every value, as they are sent. */
function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 ? (values[0] as string) : values;
  }
  return query;
}

function lowerCased(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
