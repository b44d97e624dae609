/**
 * What every remote command shares: the `--api`/`--token`/`--auth`/`--region` options, building
 * the client from them, and turning the client's failures into the CLI's exit codes: an API that
 * does not answer or settings that cannot work are bad usage (2, as `baton events put` has always
 * done), a problem the API answered is a failure (1) printed with every entry of its `errors`.
 */

import {
  type ApiClient,
  ApiCredentialsError,
  ApiProblemError,
  ApiUnreachableError,
  AUTH_KINDS,
  clientFrom,
  DEFAULT_API,
  type ProblemEntry,
} from "./api-client.ts";
import type { CommandContext, OptionSpecs } from "./command.ts";
import { writeJson } from "./command.ts";
import { type CliIo, EXIT, UsageError } from "./io.ts";

export const API_OPTIONS = {
  api: { type: "string" },
  token: { type: "string" },
  auth: { type: "string" },
  region: { type: "string" },
} as const satisfies OptionSpecs;

export const API_HELP: readonly string[] = [
  `--api url        the Baton API: a stack's ApiUrl or baton dev (default $BATON_API, else ${DEFAULT_API})`,
  "--token t        a bearer token (JWT) for a jwt/cognito API (default $BATON_TOKEN)",
  `--auth a         ${AUTH_KINDS.join("|")}: SigV4 from the AWS credential chain, the token, or nothing (default: token if given, iam unless the API is on loopback)`,
  "--region r       the Region to sign for (default: from an execute-api URL, else $AWS_REGION)",
];

export const textOption = (ctx: CommandContext, name: string): string | undefined => {
  const value = ctx.values[name];
  return typeof value === "string" ? value : undefined;
};

/** The client the command's options (and BATON_API, BATON_TOKEN) describe. */
export function clientOf(ctx: CommandContext): ApiClient {
  try {
    return clientFrom({
      api: textOption(ctx, "api"),
      token: textOption(ctx, "token"),
      auth: textOption(ctx, "auth"),
      region: textOption(ctx, "region"),
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * Runs a remote command's body with its client; `command` names it in messages
 * (`baton workflows push: …`). `describe` renders one entry of a problem's `errors`.
 */
export async function remote(
  ctx: CommandContext,
  command: string,
  body: (client: ApiClient) => Promise<number>,
  describe: (entry: ProblemEntry) => string = describeEntry,
): Promise<number> {
  const client = clientOf(ctx);
  try {
    return await body(client);
  } catch (error) {
    if (error instanceof ApiCredentialsError) throw new UsageError(error.message);
    if (error instanceof ApiUnreachableError) {
      const hint = /^http:\/\/(127\.|localhost|\[::1\])/.test(client.api)
        ? "is baton dev running? (or pass --api <url>)"
        : "check --api and the network";
      throw new UsageError(`${error.message}; ${hint}`);
    }
    if (!(error instanceof ApiProblemError)) throw error;
    reportProblem(ctx.io, ctx.json, command, error, describe);
    return EXIT.failed;
  }
}

export function reportProblem(
  io: CliIo,
  json: boolean,
  command: string,
  error: ApiProblemError,
  describe: (entry: ProblemEntry) => string,
): void {
  if (json) {
    writeJson(io, { ok: false, status: error.status, problem: error.problem });
    return;
  }
  io.stderr(`baton ${command}: ${error.message}\n`);
  for (const entry of error.problem.errors ?? []) io.stderr(`  ${describe(entry)}\n`);
  if (error.status === 401 || error.status === 403) io.stderr(`  ${authHint(error.status)}\n`);
}

function describeEntry(entry: ProblemEntry): string {
  return `${entry.path === undefined || entry.path === "" ? "/" : entry.path}: ${entry.message ?? ""}`;
}

function authHint(status: number): string {
  return status === 401
    ? "the API wants credentials: --token <jwt> (or BATON_TOKEN) for jwt/cognito auth, --auth iam for IAM"
    : "the credentials were refused: check the token's issuer, audience and expiry, or the IAM principal's execute-api:Invoke permission";
}

/** `--limit n`: undefined when absent (the API's default applies). */
export function limitOption(ctx: CommandContext): number | undefined {
  const raw = textOption(ctx, "limit");
  if (raw === undefined) return undefined;
  if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1) {
    throw new UsageError(`--limit must be a whole number from 1; got "${raw}"`);
  }
  return Number(raw);
}
