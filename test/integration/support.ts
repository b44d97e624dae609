/**
 * Pure helpers of the integration harness: execute-api URL rewriting, stack outputs to env vars,
 * removal of resource types the emulator cannot deploy, CLI argument parsing. No I/O here.
 */

/** `cdk deploy --outputs-file` content: stack name → output key → value. */
export type StackOutputs = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** A CloudFormation template, as far as the harness looks into it. */
export interface Template {
  readonly Resources?: Readonly<Record<string, unknown>>;
  readonly Outputs?: Readonly<Record<string, unknown>>;
  readonly [key: string]: unknown;
}

const EXECUTE_API_URL =
  /^https:\/\/([a-z0-9]+)\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/(.*)$/;

/** Whether a value is an API Gateway invoke URL as CloudFormation reports it. */
export const isExecuteApiUrl = (value: string): boolean => EXECUTE_API_URL.test(value);

/**
 * Rewrites `https://<id>.execute-api.<region>.amazonaws.com/<stage>/<path>` to the path form that
 * MiniStack and LocalStack both serve: `<endpoint>/_aws/execute-api/<id>/<stage>/<path>`.
 * Any other value is returned unchanged.
 */
export function toEmulatorApiUrl(url: string, endpoint: string): string {
  const match = EXECUTE_API_URL.exec(url);
  if (!match) return url;
  const [, apiId, , , rest] = match;
  return `${endpoint.replace(/\/+$/, "")}/_aws/execute-api/${apiId}/${rest}`;
}

/** `ApiUrl` → `API_URL`, `stateMachineArn` → `STATE_MACHINE_ARN`, `Bus-Name` → `BUS_NAME`. */
export function toEnvName(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toUpperCase();
}

export interface OutputsEnvOptions {
  /** The emulator endpoint; when given, execute-api URLs are rewritten to reach it. */
  readonly emulatorEndpoint?: string;
}

/**
 * The environment handed to scenario files:
 * - `BATON_STACK_OUTPUTS`: every stack's outputs as JSON (execute-api URLs rewritten);
 * - `BATON_OUTPUT_<KEY>` for each output key (an error if two stacks give one key two values);
 * - `BATON_API_URL`: the output named `ApiUrl` (any case), else the only execute-api URL output.
 */
export function outputsToEnv(
  outputs: StackOutputs,
  options: OutputsEnvOptions = {},
): Record<string, string> {
  const endpoint = options.emulatorEndpoint;
  const rewritten: Record<string, Record<string, string>> = {};
  const flat = new Map<string, { key: string; value: string; stack: string }>();
  const apiCandidates: { key: string; value: string }[] = [];
  for (const stack of Object.keys(outputs).sort()) {
    const stackOutputs = outputs[stack] ?? {};
    const target: Record<string, string> = {};
    for (const key of Object.keys(stackOutputs).sort()) {
      const raw = stackOutputs[key] ?? "";
      const value = endpoint === undefined ? raw : toEmulatorApiUrl(raw, endpoint);
      target[key] = value;
      if (isExecuteApiUrl(raw)) apiCandidates.push({ key, value });
      const envName = `BATON_OUTPUT_${toEnvName(key)}`;
      const previous = flat.get(envName);
      if (previous && previous.value !== value) {
        throw new Error(
          `Stack outputs ${previous.stack}.${previous.key} and ${stack}.${key} both map to ` +
            `${envName} with different values; rename one of them.`,
        );
      }
      flat.set(envName, { key, value, stack });
    }
    rewritten[stack] = target;
  }
  const env: Record<string, string> = { BATON_STACK_OUTPUTS: JSON.stringify(rewritten) };
  for (const [name, entry] of flat) env[name] = entry.value;
  const apiUrl = pickApiUrl(rewritten, apiCandidates);
  if (apiUrl !== undefined) env.BATON_API_URL = apiUrl;
  return env;
}

function pickApiUrl(
  outputs: Record<string, Record<string, string>>,
  candidates: readonly { key: string; value: string }[],
): string | undefined {
  for (const stack of Object.values(outputs)) {
    for (const [key, value] of Object.entries(stack)) {
      if (key.toLowerCase() === "apiurl") return value;
    }
  }
  const distinct = [...new Set(candidates.map((c) => c.value))];
  return distinct.length === 1 ? distinct[0] : undefined;
}

export interface StripResult {
  readonly template: Template;
  /** Logical ids removed, with their types. */
  readonly removed: readonly { readonly id: string; readonly type: string }[];
}

/**
 * Removes resources of the given types from a template (TEST deployments only: for types the
 * emulator rejects, e.g. `AWS::Events::Archive` on MiniStack). `DependsOn` entries naming a
 * removed resource are dropped. Fails if anything else references a removed resource (`Ref`,
 * `Fn::GetAtt`, `Fn::Sub`), because deleting it would then break the template.
 */
export function stripResourceTypes(template: Template, types: readonly string[]): StripResult {
  const resources = template.Resources ?? {};
  const removed: { id: string; type: string }[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    const type = isRecord(resource) ? resource.Type : undefined;
    if (typeof type === "string" && types.includes(type)) removed.push({ id, type });
  }
  if (removed.length === 0) return { template, removed };
  const removedIds = new Set(removed.map((r) => r.id));
  const kept: Record<string, unknown> = {};
  for (const [id, resource] of Object.entries(resources)) {
    if (removedIds.has(id)) continue;
    kept[id] = isRecord(resource) ? withoutDependsOn(resource, removedIds) : resource;
  }
  const next: Template = { ...template, Resources: kept };
  const references = findReferences({ Resources: kept, Outputs: template.Outputs }, removedIds);
  if (references.length > 0) {
    throw new Error(
      `Cannot remove ${[...removedIds].join(", ")} for the emulator: still referenced by ` +
        `${references.join(", ")}. Make the resource optional in the CDK app instead.`,
    );
  }
  return { template: next, removed };
}

function withoutDependsOn(
  resource: Record<string, unknown>,
  removedIds: ReadonlySet<string>,
): Record<string, unknown> {
  const dependsOn = resource.DependsOn;
  if (typeof dependsOn === "string") {
    if (!removedIds.has(dependsOn)) return resource;
    const { DependsOn: _dropped, ...rest } = resource;
    return rest;
  }
  if (Array.isArray(dependsOn)) {
    const remaining = dependsOn.filter((d) => !(typeof d === "string" && removedIds.has(d)));
    if (remaining.length === dependsOn.length) return resource;
    if (remaining.length === 0) {
      const { DependsOn: _dropped, ...rest } = resource;
      return rest;
    }
    return { ...resource, DependsOn: remaining };
  }
  return resource;
}

/** Paths (e.g. `Resources.Rule.Properties.Targets`) that reference one of `ids`. */
function findReferences(node: unknown, ids: ReadonlySet<string>, path = ""): string[] {
  if (Array.isArray(node)) {
    return node.flatMap((item, index) => findReferences(item, ids, `${path}[${index}]`));
  }
  if (!isRecord(node)) return [];
  const found: string[] = [];
  const ref = node.Ref;
  if (typeof ref === "string" && ids.has(ref)) found.push(path);
  const getAtt = node["Fn::GetAtt"];
  const getAttTarget = Array.isArray(getAtt)
    ? getAtt[0]
    : typeof getAtt === "string"
      ? getAtt.split(".")[0]
      : undefined;
  if (typeof getAttTarget === "string" && ids.has(getAttTarget)) found.push(path);
  const sub = node["Fn::Sub"];
  const subText = Array.isArray(sub) ? sub[0] : sub;
  if (typeof subText === "string") {
    for (const match of subText.matchAll(/\$\{([^}!][^}]*)\}/g)) {
      const name = (match[1] ?? "").split(".")[0] ?? "";
      if (ids.has(name)) found.push(path);
    }
  }
  for (const [key, value] of Object.entries(node)) {
    found.push(...findReferences(value, ids, path === "" ? key : `${path}.${key}`));
  }
  return found;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export interface RunArgs {
  /** Directory holding the CDK app's `cdk.json` (default: the repository root). */
  readonly app?: string;
  /** `-c key=value` pairs for `cdk synth`. */
  readonly context: Readonly<Record<string, string>>;
  /** Keep the emulator running and the stack deployed after the tests (debugging). */
  readonly keep: boolean;
  /** Arguments passed through to vitest (after `--`), e.g. a file filter. */
  readonly vitestArgs: readonly string[];
}

export const USAGE = `usage: tsx test/integration/run.ts [--app <dir>] [--context key=value]... [--keep] [-- <vitest args>]

Deploys the CDK app to an AWS emulator and runs test/integration/scenarios/*.test.ts.
Without --app, the repository's app is deployed with the scenarios' context
(test/integration/fixtures/context.ts); --context values override it.
If AWS_ENDPOINT_URL is set, that endpoint is used (LocalStack, or AWS); otherwise MiniStack is
started on a free 127.0.0.1 port (install it first: bash .ci/install-emulator.sh).`;

/** Parses `run.ts` arguments; throws an Error with a specific message on bad usage. */
export function parseRunArgs(argv: readonly string[]): RunArgs {
  let app: string | undefined;
  const context: Record<string, string> = {};
  let keep = false;
  let vitestArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const value = (): string => {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) throw new Error(`${arg} needs a value`);
      i++;
      return next;
    };
    if (arg === "--") {
      vitestArgs = argv.slice(i + 1).map(String);
      break;
    } else if (arg === "--app") {
      app = value();
    } else if (arg === "--context" || arg === "-c") {
      const pair = value();
      const eq = pair.indexOf("=");
      if (eq <= 0) throw new Error(`--context expects key=value, got "${pair}"`);
      context[pair.slice(0, eq)] = pair.slice(eq + 1);
    } else if (arg === "--keep") {
      keep = true;
    } else {
      throw new Error(`unknown argument "${arg}"`);
    }
  }
  return app === undefined ? { context, keep, vitestArgs } : { app, context, keep, vitestArgs };
}
