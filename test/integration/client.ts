/**
 * What scenario files use: the deployed stack's coordinates (from the env vars `run.ts` sets) and
 * a `fetch` that SigV4-signs requests for the IAM-authorized Baton API.
 */
import { createHash, createHmac } from "node:crypto";

export interface IntegrationEnv {
  /** The AWS endpoint the stack was deployed to (emulator URL), or undefined for real AWS. */
  readonly endpoint: string | undefined;
  readonly region: string;
  /** The Baton API base URL, ending with `/`, reachable from this machine. */
  readonly apiUrl: string;
  /** All stack outputs: stack name → key → value. */
  readonly outputs: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The value of an output key in whichever stack has it; throws if none does. */
  output(key: string): string;
}

/** Reads the environment `run.ts` prepared; throws a specific error when a variable is missing. */
export function integrationEnv(env: NodeJS.ProcessEnv = process.env): IntegrationEnv {
  const raw = env.BATON_STACK_OUTPUTS;
  if (raw === undefined) {
    throw new Error(
      "BATON_STACK_OUTPUTS is not set: run scenarios through `npm run test:integration`.",
    );
  }
  const outputs = parseOutputs(raw);
  const apiUrl = env.BATON_API_URL;
  const output = (key: string): string => {
    for (const stack of Object.values(outputs)) {
      const value = stack[key];
      if (value !== undefined) return value;
    }
    throw new Error(`No stack output named "${key}" (have: ${listKeys(outputs).join(", ")})`);
  };
  return {
    endpoint: env.AWS_ENDPOINT_URL,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    get apiUrl(): string {
      if (apiUrl === undefined || apiUrl === "") {
        throw new Error(
          `BATON_API_URL is not set: the stack has no "ApiUrl" output (have: ${listKeys(outputs).join(", ")})`,
        );
      }
      return apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/`;
    },
    outputs,
    output,
  };
}

function parseOutputs(raw: string): Record<string, Record<string, string>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new Error(`BATON_STACK_OUTPUTS is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error("BATON_STACK_OUTPUTS must be a JSON object of stacks");
  }
  const result: Record<string, Record<string, string>> = {};
  for (const [stack, values] of Object.entries(parsed)) {
    if (typeof values !== "object" || values === null || Array.isArray(values)) {
      throw new Error(`BATON_STACK_OUTPUTS.${stack} must be an object of outputs`);
    }
    const stackOutputs: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) stackOutputs[key] = String(value);
    result[stack] = stackOutputs;
  }
  return result;
}

const listKeys = (outputs: Record<string, Record<string, string>>): string[] =>
  Object.values(outputs).flatMap((stack) => Object.keys(stack));

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SignInput {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly region: string;
  readonly service: string;
  readonly credentials: Credentials;
  /** Signing time; defaults to now. */
  readonly date?: Date;
}

const sha256Hex = (data: string): string => createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key: string | Buffer, data: string): Buffer =>
  createHmac("sha256", key).update(data, "utf8").digest();
const rfc3986 = (value: string): string =>
  encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

/**
 * AWS Signature Version 4 headers for a request (header-based signing, non-S3 services). Returns
 * the headers to send: the given ones (lower-cased) plus `host`, `x-amz-date`, optional
 * `x-amz-security-token`, and `authorization`.
 */
export function signV4(input: SignInput): Record<string, string> {
  const date = input.date ?? new Date();
  const amzDate = date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const payloadHash = sha256Hex(input.body);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) headers[name.toLowerCase()] = value;
  headers.host = input.url.host;
  headers["x-amz-date"] = amzDate;
  if (input.credentials.sessionToken !== undefined) {
    headers["x-amz-security-token"] = input.credentials.sessionToken;
  }
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names
    .map((n) => `${n}:${(headers[n] ?? "").trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const signedHeaders = names.join(";");
  // Non-S3 services sign the path URI-encoded twice: once on the wire (URL), once here.
  const canonicalPath = input.url.pathname.split("/").map(rfc3986).join("/") || "/";
  const query = [...input.url.searchParams.entries()]
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak === bk ? (av < bv ? -1 : 1) : ak < bk ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalRequest = [
    input.method.toUpperCase(),
    canonicalPath,
    query,
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join("\n");
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  let key = hmac(`AWS4${input.credentials.secretAccessKey}`, day);
  for (const part of [input.region, input.service, "aws4_request"]) key = hmac(key, part);
  const signature = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  headers.authorization =
    `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

/** Credentials from the standard env vars (what `run.ts` sets for emulators). */
export function envCredentials(env: NodeJS.ProcessEnv = process.env): Credentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set to call the API");
  }
  const token = env.AWS_SESSION_TOKEN;
  return token
    ? { accessKeyId, secretAccessKey, sessionToken: token }
    : { accessKeyId, secretAccessKey };
}

export interface ApiRequest {
  readonly method?: string;
  /** JSON-serialized when not a string. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Calls the Baton API at `path` (relative to BATON_API_URL, e.g. `workflows/x/executions`),
 * SigV4-signed for `execute-api` like an IAM-authorized client.
 */
export async function apiFetch(path: string, request: ApiRequest = {}): Promise<Response> {
  const env = integrationEnv();
  const url = new URL(path.replace(/^\/+/, ""), env.apiUrl);
  const body =
    request.body === undefined
      ? ""
      : typeof request.body === "string"
        ? request.body
        : JSON.stringify(request.body);
  const baseHeaders: Record<string, string> = { ...request.headers };
  if (
    request.body !== undefined &&
    !Object.keys(baseHeaders).some((h) => /^content-type$/i.test(h))
  ) {
    baseHeaders["content-type"] = "application/json";
  }
  const method = request.method ?? (request.body === undefined ? "GET" : "POST");
  const headers = signV4({
    method,
    url,
    headers: baseHeaders,
    body,
    region: env.region,
    service: "execute-api",
    credentials: envCredentials(),
  });
  delete headers.host; // fetch sets it; undici refuses a user-set Host header
  return fetch(url, body === "" ? { method, headers } : { method, headers, body });
}
