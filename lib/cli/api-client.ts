/**
 * The one small client the remote commands (`baton workflows|start|status|executions|events`)
 * share: a Baton API base URL (a deployed stack's `ApiUrl`, or `baton dev`), how requests are
 * authenticated (SigV4 from the AWS credential chain, a bearer token, or nothing), and answers
 * read as JSON with RFC 9457 problems turned into `ApiProblemError`.
 */
import { type AwsCredentials, regionOf, signedHeaders } from "./api-signing.ts";

/** `baton dev`'s default address. */
export const DEFAULT_API = "http://127.0.0.1:3000";

export type ClientAuth =
  | { readonly kind: "none" }
  | { readonly kind: "bearer"; readonly token: string }
  | {
      readonly kind: "sigv4";
      readonly region: string;
      /** Resolved at the first request (the AWS credential chain may call out: SSO, IMDS). */
      readonly credentials: () => Promise<AwsCredentials>;
    };

export interface ApiClientOptions {
  /** Base URL; a stage path (`…/v1/`) is kept in front of every route. */
  readonly api: string;
  readonly auth: ClientAuth;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

export interface RequestOptions {
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  /** A JSON value (sent as application/json), or text sent with `contentType`. */
  readonly json?: unknown;
  readonly text?: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ApiReply<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON; null for an empty body; the text when it is not JSON. */
  readonly body: T;
}

/** One entry of a problem's `errors` (`file`, `line`, `code`, `hint` on workflow problems). */
export interface ProblemEntry {
  readonly path?: string;
  readonly message?: string;
  readonly file?: string;
  readonly line?: number;
  readonly code?: string;
  readonly severity?: string;
  readonly hint?: string;
}

export interface ProblemDocument {
  readonly type?: string;
  readonly title?: string;
  readonly status?: number;
  readonly detail?: string;
  readonly errors?: readonly ProblemEntry[];
}

/** Nothing answered at the API's address (refused, DNS, TLS, timeout). */
export class ApiUnreachableError extends Error {
  override readonly name = "ApiUnreachableError";
}

/** No AWS credentials to sign with (bad usage: configure them or pass a token). */
export class ApiCredentialsError extends Error {
  override readonly name = "ApiCredentialsError";
}

/** The API answered with a status the command did not expect (a problem document, usually). */
export class ApiProblemError extends Error {
  override readonly name = "ApiProblemError";
  constructor(
    readonly api: string,
    readonly status: number,
    readonly problem: ProblemDocument,
  ) {
    super(
      `${api} answered ${status}${problem.title === undefined ? "" : ` ${problem.title}`}${
        problem.detail === undefined ? "" : `: ${problem.detail}`
      }`,
    );
  }
}

export class ApiClient {
  readonly api: string;
  private readonly base: URL;
  private readonly auth: ClientAuth;
  private readonly fetch: typeof fetch;
  private credentials: Promise<AwsCredentials> | undefined;

  constructor(options: ApiClientOptions) {
    if (!URL.canParse(options.api) || !/^https?:$/.test(new URL(options.api).protocol)) {
      throw new TypeError(`the API must be an http(s) URL; got "${options.api}"`);
    }
    this.base = new URL(options.api);
    this.base.pathname = this.base.pathname.replace(/\/*$/, "/");
    this.base.search = "";
    this.api = this.base.href.replace(/\/$/, "");
    this.auth = options.auth;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** The URL of a route (`/workflows/x`), under the base's path. */
  url(path: string, query: RequestOptions["query"] = {}): URL {
    const url = new URL(path.replace(/^\/+/, ""), this.base);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  /** Sends a request; any status comes back (see `expect`); nothing listening throws. */
  async request<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiReply<T>> {
    const url = this.url(path, options.query);
    const body = options.json === undefined ? options.text : JSON.stringify(options.json);
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    if (body !== undefined)
      headers["content-type"] =
        options.json === undefined ? (options.contentType ?? "text/plain") : "application/json";
    const sent = await this.authenticate(url, method, headers, body);
    let response: Response;
    try {
      response = await this.fetch(url, {
        method,
        headers: sent,
        ...(body === undefined ? {} : { body }),
      });
    } catch (error) {
      throw new ApiUnreachableError(`cannot reach ${this.api} (${networkReason(error)})`, {
        cause: error,
      });
    }
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: parseBody(text) as T };
  }

  /** `request`, throwing `ApiProblemError` unless the status is one of `ok`. */
  async expect<T = unknown>(
    ok: readonly number[],
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiReply<T>> {
    const reply = await this.request<T>(method, path, options);
    if (!ok.includes(reply.status)) {
      throw new ApiProblemError(this.api, reply.status, problemOf(reply.body, reply.status));
    }
    return reply;
  }

  private async authenticate(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<Record<string, string>> {
    switch (this.auth.kind) {
      case "none":
        return headers;
      case "bearer":
        return { ...headers, authorization: `Bearer ${this.auth.token}` };
      case "sigv4": {
        this.credentials ??= this.auth.credentials();
        return signedHeaders(url, method, headers, body, {
          credentials: await this.credentials,
          region: this.auth.region,
        });
      }
    }
  }
}

export interface ClientSettings {
  /** `--api`; @default $BATON_API, else DEFAULT_API */
  readonly api?: string | undefined;
  /** `--token`; @default $BATON_TOKEN */
  readonly token?: string | undefined;
  /** `--auth`: iam, token or none; @default token when one is given, iam off loopback, else none */
  readonly auth?: string | undefined;
  /** `--region`; @default the execute-api host's Region, else $AWS_REGION */
  readonly region?: string | undefined;
}

export const AUTH_KINDS = ["iam", "token", "none"] as const;

/**
 * The client the options and environment describe. Throws `TypeError` for settings that cannot
 * work (the commands report it as bad usage).
 */
export function clientFrom(
  settings: ClientSettings,
  env: NodeJS.ProcessEnv = process.env,
  credentials: () => Promise<AwsCredentials> = defaultCredentials,
): ApiClient {
  const api = settings.api ?? nonEmpty(env.BATON_API) ?? DEFAULT_API;
  if (!URL.canParse(api) || !/^https?:$/.test(new URL(api).protocol)) {
    throw new TypeError(`--api must be an http(s) URL; got "${api}"`);
  }
  const url = new URL(api);
  const token = settings.token ?? nonEmpty(env.BATON_TOKEN);
  const kind = settings.auth ?? (token !== undefined ? "token" : isLoopback(url) ? "none" : "iam");
  if (!(AUTH_KINDS as readonly string[]).includes(kind)) {
    throw new TypeError(`--auth must be one of ${AUTH_KINDS.join(", ")}; got "${kind}"`);
  }
  if (kind === "token") {
    if (token === undefined)
      throw new TypeError("--auth token needs a token: pass --token or set BATON_TOKEN");
    return new ApiClient({ api, auth: { kind: "bearer", token } });
  }
  if (kind === "none") return new ApiClient({ api, auth: { kind: "none" } });
  const region = settings.region ?? regionOf(url, env);
  return new ApiClient({ api, auth: { kind: "sigv4", region, credentials } });
}

/** The usual AWS chain: environment, ~/.aws profiles (AWS_PROFILE), SSO, web identity, IMDS. */
async function defaultCredentials(): Promise<AwsCredentials> {
  const { fromNodeProviderChain } = await import("@aws-sdk/credential-providers");
  try {
    return await fromNodeProviderChain()();
  } catch (error) {
    throw new ApiCredentialsError(
      `no AWS credentials to sign the request with (${(error as Error).message.split("\n")[0]}); configure them (AWS_PROFILE, aws sso login, …) or pass --token for a JWT-authorized API`,
      { cause: error },
    );
  }
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === "" ? undefined : value;

function isLoopback(url: URL): boolean {
  return /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i.test(url.hostname);
}

function parseBody(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function problemOf(body: unknown, status: number): ProblemDocument {
  if (body !== null && typeof body === "object" && !Array.isArray(body)) {
    const doc = body as Record<string, unknown>;
    return {
      ...(typeof doc.type === "string" ? { type: doc.type } : {}),
      ...(typeof doc.title === "string" ? { title: doc.title } : {}),
      status,
      ...(typeof doc.detail === "string"
        ? { detail: doc.detail }
        : typeof doc.message === "string"
          ? { detail: doc.message } // API Gateway's own answers: {"message": "Forbidden"}
          : {}),
      ...(Array.isArray(doc.errors) ? { errors: doc.errors as ProblemEntry[] } : {}),
    };
  }
  return typeof body === "string" && body !== ""
    ? { status, detail: body.slice(0, 500) }
    : { status };
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string") return cause.message;
  return error instanceof Error ? error.message : String(error);
}
