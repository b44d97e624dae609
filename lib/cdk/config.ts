/**
 * The CDK app's configuration, read from CDK context (`cdk.json` or `-c key=value`) and validated
 * in one place. Every problem is reported at once, naming the key, the value received and what is
 * allowed, so a bad `cdk synth` fails before any construct is built.
 */
import { resolve } from "node:path";

/** State machine log levels (`baton:stateMachineLogLevel`). */
export const STATE_MACHINE_LOG_LEVELS = ["OFF", "ERROR", "ALL"] as const;
export type StateMachineLogLevel = (typeof STATE_MACHINE_LOG_LEVELS)[number];

export const API_AUTH_MODES = ["iam", "jwt", "cognito", "none"] as const;
export type ApiAuthMode = (typeof API_AUTH_MODES)[number];

/** How the HTTP API authenticates callers. */
export type ApiAuth =
  | { readonly mode: "iam" | "cognito" | "none" }
  | {
      readonly mode: "jwt";
      /** Any OIDC issuer (`iss`); its keys come from its discovery document unless `jwksUrl`. */
      readonly issuer: string;
      /** Enforced: every token must name it in `aud`. */
      readonly audience: string;
      readonly jwksUrl?: string;
    };

export interface BatonConfig {
  /** Absolute path of the folder holding the workflow files. */
  readonly workflowsDir: string;
  /**
   * Absolute path of the optional services.yaml seeding the registry; a relative context value is
   * resolved against the workflows folder, where `baton dev` looks for it too.
   */
  readonly servicesFile: string;
  /**
   * Absolute path of the templates folder the publish function serves (`GET /templates`,
   * docs/templates.md); a folder that does not exist serves none.
   */
  readonly templatesDir: string;
  /** Deployment stage; part of every physical name (`baton-<stage>-…`). */
  readonly stage: string;
  readonly apiAuth: ApiAuth;
  /** Days execution records and logs are kept. */
  readonly retentionDays: number;
  readonly alarmEmail?: string;
  /** Production stages keep their data when the stack is deleted. */
  readonly retainData: boolean;
  /**
   * Deploying to an AWS emulator (LocalStack, MiniStack): leave out what they cannot create, namely
   * state machine versions and aliases, the event archive and metric-math alarms.
   */
  readonly emulator: boolean;
  /**
   * Let the registry accept loopback and private-network service URLs. Only for tests against an
   * emulator whose Lambdas run on the same host as the services; never in a real account.
   */
  readonly allowPrivateServiceUrls: boolean;
  /**
   * Log level of every state machine, Express included. ERROR by default: at ALL with execution
   * data an Express execution's logs cost more than the execution (`baton cost --log-level ALL`).
   */
  readonly stateMachineLogLevel: StateMachineLogLevel;
  /**
   * Regions to deploy to, one stack each (`baton:regions`). Two or more make them peers sharing
   * the registry as a DynamoDB global table, owned by the first (docs/peers.md). Empty: one
   * environment-agnostic stack.
   */
  readonly regions: readonly string[];
}

/** The context keys, as written in cdk.json. */
export const CONTEXT_KEYS = {
  workflowsDir: "baton:workflowsDir",
  servicesFile: "baton:servicesFile",
  templatesDir: "baton:templatesDir",
  stage: "baton:stage",
  apiAuth: "baton:apiAuth",
  retentionDays: "baton:retentionDays",
  alarmEmail: "baton:alarmEmail",
  jwtIssuer: "baton:jwtIssuer",
  jwtAudience: "baton:jwtAudience",
  jwtJwksUrl: "baton:jwtJwksUrl",
  emulator: "baton:emulator",
  allowPrivateServiceUrls: "baton:allowPrivateServiceUrls",
  stateMachineLogLevel: "baton:stateMachineLogLevel",
  regions: "baton:regions",
} as const;

/** Stages whose tables, keys and logs are retained on stack deletion. */
export const PRODUCTION_STAGES: readonly string[] = ["prod", "production"];

const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,9}$/;
/** `eu-west-1`, `us-gov-west-1`, `ap-southeast-3`… */
const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
/** Replica Regions a global table may have, and then some: a guard against a pasted list. */
const MAX_REGIONS = 10;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_RETENTION_DAYS = 3650;

export class BatonConfigError extends Error {
  override readonly name = "BatonConfigError";
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid Baton configuration in CDK context:\n  - ${problems.join("\n  - ")}`);
    this.problems = problems;
  }
}

/** Reads context values by key; `Node.tryGetContext` satisfies it. */
export interface ContextSource {
  tryGetContext(key: string): unknown;
}

/**
 * Reads and validates the Baton context keys. Relative paths resolve against `cwd` (the folder
 * `cdk` runs in). Throws `BatonConfigError` listing every problem.
 */
export function readBatonConfig(source: ContextSource, cwd: string = process.cwd()): BatonConfig {
  const problems: string[] = [];
  const text = (key: string, fallback: string | undefined): string | undefined => {
    const value = source.tryGetContext(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value === "string" && value.trim() !== "") return value.trim();
    problems.push(`${key} = ${show(value)}: expected a non-empty string.`);
    return fallback;
  };

  const workflowsDir = text(CONTEXT_KEYS.workflowsDir, "workflows") ?? "workflows";
  const servicesFile = text(CONTEXT_KEYS.servicesFile, "services.yaml") ?? "services.yaml";
  const templatesDir = text(CONTEXT_KEYS.templatesDir, "templates") ?? "templates";
  const stage = text(CONTEXT_KEYS.stage, "dev") ?? "dev";
  if (!STAGE_PATTERN.test(stage)) {
    problems.push(
      `${CONTEXT_KEYS.stage} = ${show(stage)}: expected 1-10 characters matching ${STAGE_PATTERN.source} (it prefixes every resource name).`,
    );
  }
  const apiAuth = readApiAuth(text, problems);
  const retentionDays = readRetentionDays(
    source.tryGetContext(CONTEXT_KEYS.retentionDays),
    problems,
  );
  const alarmEmail = text(CONTEXT_KEYS.alarmEmail, undefined);
  if (alarmEmail !== undefined && !EMAIL_PATTERN.test(alarmEmail)) {
    problems.push(`${CONTEXT_KEYS.alarmEmail} = ${show(alarmEmail)}: expected an email address.`);
  }
  const emulator = readBoolean(
    source.tryGetContext(CONTEXT_KEYS.emulator),
    CONTEXT_KEYS.emulator,
    problems,
  );
  const allowPrivateServiceUrls = readBoolean(
    source.tryGetContext(CONTEXT_KEYS.allowPrivateServiceUrls),
    CONTEXT_KEYS.allowPrivateServiceUrls,
    problems,
  );
  if (allowPrivateServiceUrls && PRODUCTION_STAGES.includes(stage)) {
    problems.push(
      `${CONTEXT_KEYS.allowPrivateServiceUrls} = true: not allowed on production stage ${show(stage)}; private service URLs are for emulator tests only.`,
    );
  }
  const levelValue = text(CONTEXT_KEYS.stateMachineLogLevel, "ERROR") ?? "ERROR";
  const stateMachineLogLevel = STATE_MACHINE_LOG_LEVELS.find((l) => l === levelValue.toUpperCase());
  if (stateMachineLogLevel === undefined) {
    problems.push(
      `${CONTEXT_KEYS.stateMachineLogLevel} = ${show(levelValue)}: expected one of ${STATE_MACHINE_LOG_LEVELS.join(", ")}.`,
    );
  }
  const regions = readRegions(source.tryGetContext(CONTEXT_KEYS.regions), problems);
  if (regions.length > 1 && emulator) {
    problems.push(
      `${CONTEXT_KEYS.regions} = ${show(regions)} with ${CONTEXT_KEYS.emulator} = true: emulators deploy one Region and have no global tables; deploy peers to AWS, or give one Region.`,
    );
  }
  if (problems.length > 0) throw new BatonConfigError(problems);
  return {
    workflowsDir: resolve(cwd, workflowsDir),
    servicesFile: resolve(cwd, workflowsDir, servicesFile),
    templatesDir: resolve(cwd, templatesDir),
    stage,
    apiAuth,
    retentionDays,
    ...(alarmEmail === undefined ? {} : { alarmEmail }),
    retainData: PRODUCTION_STAGES.includes(stage),
    emulator,
    allowPrivateServiceUrls,
    stateMachineLogLevel: stateMachineLogLevel ?? "ERROR",
    regions,
  };
}

/** `baton:regions`: a JSON list (in cdk.json, or as text with `-c`) or comma-separated names. */
function readRegions(value: unknown, problems: string[]): readonly string[] {
  if (value === undefined || value === null || value === "") return [];
  let list: unknown = value;
  if (typeof value === "string") {
    const text = value.trim();
    if (text.startsWith("[")) {
      try {
        list = JSON.parse(text);
      } catch {
        problems.push(
          `${CONTEXT_KEYS.regions} = ${show(value)}: not a JSON list; give ["eu-west-1","us-east-1"] or eu-west-1,us-east-1.`,
        );
        return [];
      }
    } else list = text.split(",").map((region) => region.trim());
  }
  if (!Array.isArray(list) || !list.every((region) => typeof region === "string")) {
    problems.push(
      `${CONTEXT_KEYS.regions} = ${show(value)}: expected a list of Region names, e.g. ["eu-west-1","us-east-1"] or eu-west-1,us-east-1.`,
    );
    return [];
  }
  const regions = list as string[];
  const bad = regions.filter((region) => !REGION_PATTERN.test(region));
  if (bad.length > 0) {
    problems.push(
      `${CONTEXT_KEYS.regions}: ${bad.map(show).join(", ")} ${bad.length === 1 ? "is not a Region name" : "are not Region names"} (e.g. eu-west-1).`,
    );
  }
  const repeated = regions.filter((region, i) => regions.indexOf(region) !== i);
  if (repeated.length > 0) {
    problems.push(
      `${CONTEXT_KEYS.regions}: ${[...new Set(repeated)].map(show).join(", ")} listed more than once; list each Region once.`,
    );
  }
  if (regions.length > MAX_REGIONS) {
    problems.push(
      `${CONTEXT_KEYS.regions}: ${regions.length} Regions; at most ${MAX_REGIONS} are supported.`,
    );
  }
  return bad.length + repeated.length > 0 || regions.length > MAX_REGIONS ? [] : regions;
}

type TextReader = (key: string, fallback: string | undefined) => string | undefined;

function readApiAuth(text: TextReader, problems: string[]): ApiAuth {
  const mode = text(CONTEXT_KEYS.apiAuth, "iam") ?? "iam";
  const issuer = text(CONTEXT_KEYS.jwtIssuer, undefined);
  const audience = text(CONTEXT_KEYS.jwtAudience, undefined);
  const jwksUrl = text(CONTEXT_KEYS.jwtJwksUrl, undefined);
  if (!isApiAuthMode(mode)) {
    problems.push(
      `${CONTEXT_KEYS.apiAuth} = ${show(mode)}: expected one of ${API_AUTH_MODES.join(", ")}.`,
    );
    return { mode: "iam" };
  }
  if (mode !== "jwt") {
    if (issuer !== undefined || audience !== undefined || jwksUrl !== undefined) {
      problems.push(
        `${CONTEXT_KEYS.jwtIssuer}/${CONTEXT_KEYS.jwtAudience}/${CONTEXT_KEYS.jwtJwksUrl} are set but ${CONTEXT_KEYS.apiAuth} = ${show(mode)}: set ${CONTEXT_KEYS.apiAuth} to "jwt" or remove them.`,
      );
    }
    return { mode };
  }
  if (issuer === undefined) {
    problems.push(
      `${CONTEXT_KEYS.jwtIssuer} is missing: ${CONTEXT_KEYS.apiAuth} = "jwt" needs the token issuer URL.`,
    );
  } else if (!isHttpsUrl(issuer)) {
    problems.push(
      `${CONTEXT_KEYS.jwtIssuer} = ${show(issuer)}: expected the OIDC issuer's https URL, exactly as tokens carry it in "iss" (e.g. https://login.example.com/realms/ops).`,
    );
  }
  if (audience === undefined || audience.trim() === "") {
    problems.push(
      `${CONTEXT_KEYS.jwtAudience} is missing: ${CONTEXT_KEYS.apiAuth} = "jwt" enforces an audience; set it to the "aud" your tokens carry (the API's client id or identifier).`,
    );
  }
  if (jwksUrl !== undefined && !isHttpsUrl(jwksUrl)) {
    problems.push(
      `${CONTEXT_KEYS.jwtJwksUrl} = ${show(jwksUrl)}: expected an https URL, or leave it out to read the issuer's discovery document.`,
    );
  }
  return {
    mode,
    issuer: issuer ?? "",
    audience: audience ?? "",
    ...(jwksUrl === undefined ? {} : { jwksUrl }),
  };
}

const isHttpsUrl = (value: string): boolean =>
  URL.canParse(value) && new URL(value).protocol === "https:";

function readRetentionDays(value: unknown, problems: string[]): number {
  if (value === undefined || value === null) return 30;
  const days = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (
    typeof days === "number" &&
    Number.isInteger(days) &&
    days >= 1 &&
    days <= MAX_RETENTION_DAYS
  ) {
    return days;
  }
  problems.push(
    `${CONTEXT_KEYS.retentionDays} = ${show(value)}: expected a whole number of days from 1 to ${MAX_RETENTION_DAYS}.`,
  );
  return 30;
}

function readBoolean(value: unknown, key: string, problems: string[]): boolean {
  if (value === undefined || value === null || value === false || value === "false") return false;
  if (value === true || value === "true") return true;
  problems.push(`${key} = ${show(value)}: expected true or false.`);
  return false;
}

const isApiAuthMode = (value: string): value is ApiAuthMode =>
  (API_AUTH_MODES as readonly string[]).includes(value);

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);
