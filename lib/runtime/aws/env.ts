/**
 * Environment variables shared by every handler. The CDK stack sets them; the local runtime sets
 * them to its embedded equivalents. `AWS_ENDPOINT_URL` (read by the SDK itself) points every client
 * at an emulator such as LocalStack or MiniStack.
 */

import { ALLOW_PRIVATE_URLS_VARIABLE } from "../registry/url-policy.ts";
import { STATE_MACHINE_ARN_PREFIX_VARIABLE } from "../workflow-catalogue.ts";

export const ENV = {
  registryTable: "BATON_REGISTRY_TABLE",
  executionsTable: "BATON_EXECUTIONS_TABLE",
  eventBus: "BATON_EVENT_BUS",
  dlqUrl: "BATON_DLQ_URL",
  /** JSON file with the compiled workflow catalogue (see `lib/runtime/workflow-catalogue.ts`); relative paths are resolved against `LAMBDA_TASK_ROOT`. */
  catalogueFile: "BATON_CATALOGUE_FILE",
  /** JSON file with the templates the publish function serves (`{templates: [{file, text}]}`). */
  templatesFile: "BATON_TEMPLATES_FILE",
  /** State machine ARN of a workflow = this prefix + the workflow name (set by the CDK stack). */
  stateMachineArnPrefix: STATE_MACHINE_ARN_PREFIX_VARIABLE,
  /** The workflows table (runtime workflows and every version); the catalogue is read from it. */
  workflowsTable: "BATON_WORKFLOWS_TABLE",
  /** The role state machines created through the API run under (the API may pass only it). */
  runtimeRoleArn: "BATON_RUNTIME_ROLE_ARN",
  /** Substituted into runtime-created definitions, as CDK substitutes them into deployed ones. */
  serviceCallArn: "BATON_SERVICE_CALL_ARN",
  awaitSignalArn: "BATON_AWAIT_SIGNAL_ARN",
  /** Milliseconds a container's catalogue is trusted before the table is read again. */
  catalogueTtlMs: "BATON_CATALOGUE_TTL_MS",
  /** Days execution records are kept (TTL). */
  retentionDays: "BATON_RETENTION_DAYS",
  /** The bus history table (`GET /events`, the history writer). */
  eventsTable: "BATON_EVENTS_TABLE",
  /** The orchestration bus's ARN: where a replay delivers. */
  eventBusArn: "BATON_EVENT_BUS_ARN",
  /** The bus's archive (`POST /events/replay`); absent: replays answer 503. */
  eventArchiveArn: "BATON_EVENT_ARCHIVE_ARN",
  /** Replay names start with it (`<stack prefix>-replay`), so IAM can scope them. */
  replayNamePrefix: "BATON_REPLAY_NAME_PREFIX",
  /** This Region's API base URL, as peers see it in `GET /peers` (its heartbeat carries it). */
  apiUrl: "BATON_API_URL",
  /**
   * The Regions of a peer deployment (`baton:regions`), comma-separated, this one included;
   * unset with one Region. `GET /peers` lists them and reads their replication lag.
   */
  peerRegions: "BATON_PEER_REGIONS",
  /** Set to `1` to allow loopback/private service URLs (local dev and tests only). */
  allowPrivateUrls: ALLOW_PRIVATE_URLS_VARIABLE,
} as const;

/**
 * The API authorizer's environment (`baton:apiAuth = jwt`): the issuer, audience and optional JWKS
 * URL it checks. Apart from `ENV` so the handlers that do not read it do not bundle it.
 */
export const JWT_ENV = {
  issuer: "BATON_JWT_ISSUER",
  audience: "BATON_JWT_AUDIENCE",
  jwksUrl: "BATON_JWT_JWKS_URL",
} as const;

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(
      `Missing environment variable ${name}: the stack or local runtime must set it.`,
    );
  }
  return value;
}
