/**
 * Secret header values. A registry entry stores only references, `{{ secret:<name> }}` (optionally
 * `{{ secret:<name>#<jsonKey> }}`), resolved per call through a `SecretResolver`: Secrets Manager
 * in AWS (`aws/secrets-manager-resolver.ts`), `BATON_SECRET_<NAME>` environment variables locally.
 */
import { ClientError } from "../errors.ts";

const SECRET_NAME = "[A-Za-z0-9/_+=.@-]+";
const SECRET_REFERENCE = new RegExp(
  `\\{\\{\\s*secret:(${SECRET_NAME})(?:#([^}\\s]+))?\\s*\\}\\}`,
  "g",
);
/** Anything that starts like a template but is not a well-formed secret reference. */
const TEMPLATE_START = /\{\{/;

export interface SecretReference {
  readonly name: string;
  readonly key?: string;
}

export function secretReferences(value: string): SecretReference[] {
  return [...value.matchAll(SECRET_REFERENCE)].map((match) => ({
    name: match[1] ?? "",
    ...(match[2] === undefined ? {} : { key: match[2] }),
  }));
}

/** The header value with every secret reference removed (what would be stored in plain text). */
export const withoutReferences = (value: string): string => value.replace(SECRET_REFERENCE, "");

const SENSITIVE_NAME =
  /authorization|api[-_]?key|token|secret|password|passwd|credential|cookie|session|signature/i;

export const isSensitiveHeaderName = (name: string): boolean => SENSITIVE_NAME.test(name);

const SECRET_LOOKING: readonly RegExp[] = [
  /^(bearer|basic|digest|token)\s+\S{6,}/i,
  /\bAKIA[0-9A-Z]{16}\b/,
  /\b(sk|pk|rk)_(live|test)_[0-9A-Za-z]{8,}/,
  /\bgh[pousr]_[0-9A-Za-z]{20,}/,
  /\beyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]{8,}/, // JWT
  /[0-9A-Za-z+/_=-]{32,}/, // long opaque token
];

/** Whether a plain (non-reference) header value looks like a credential. */
export const looksLikeSecret = (value: string): boolean =>
  SECRET_LOOKING.some((pattern) => pattern.test(value));

/**
 * Problems with one configured header value: malformed references, and plain secrets (in a header
 * named like a credential, or a value that looks like one).
 */
export function checkHeaderValue(name: string, value: string): string[] {
  const plain = withoutReferences(value);
  const references = secretReferences(value);
  if (TEMPLATE_START.test(plain)) {
    return ["has a malformed template; secret references are written {{ secret:<name> }}"];
  }
  if (isSensitiveHeaderName(name) && references.length === 0) {
    return [
      `header ${name} carries a credential and must be a secret reference such as "{{ secret:${name.toLowerCase()} }}", not a plain value`,
    ];
  }
  if (looksLikeSecret(plain)) {
    return [`the value looks like a secret; store it in a secret and write {{ secret:<name> }}`];
  }
  return [];
}

export interface SecretResolver {
  /** The secret's value; throws `ClientError` when it does not exist, `ServiceError` when unreachable. */
  resolve(reference: SecretReference): Promise<string>;
}

/** Replaces every secret reference in header values. */
export async function resolveSecretHeaders(
  headers: { readonly [name: string]: string },
  resolver: SecretResolver,
  /** Receives every resolved secret value (so errors can be redacted of them). */
  found?: Set<string>,
): Promise<Record<string, string>> {
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const references = secretReferences(value);
    if (references.length === 0) {
      resolved[name] = value;
      continue;
    }
    const values = await Promise.all(references.map((reference) => resolver.resolve(reference)));
    for (const value of values) found?.add(value);
    let index = 0;
    resolved[name] = value.replace(SECRET_REFERENCE, () => values[index++] ?? "");
  }
  return resolved;
}

export function pickKey(raw: string, reference: SecretReference): string {
  if (reference.key === undefined) return raw;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ClientError(
      `Secret ${reference.name} is not JSON, so key ${reference.key} cannot be read.`,
    );
  }
  const value = (parsed as Record<string, unknown> | null)?.[reference.key];
  if (typeof value !== "string" && typeof value !== "number") {
    throw new ClientError(`Secret ${reference.name} has no string key ${reference.key}.`);
  }
  return String(value);
}

/** `BATON_SECRET_<NAME>`: name uppercased, every character outside A-Z0-9 replaced by `_`. */
export const secretEnvName = (name: string): string =>
  `BATON_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;

export class EnvSecretResolver implements SecretResolver {
  readonly #env: NodeJS.ProcessEnv;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.#env = env;
  }

  async resolve(reference: SecretReference): Promise<string> {
    const variable = secretEnvName(reference.name);
    const raw = this.#env[variable];
    if (raw === undefined) {
      throw new ClientError(`Secret ${reference.name} is not set; define ${variable}.`);
    }
    return pickKey(raw, reference);
  }
}

/** The namespace Baton's handlers may read (the stack grants `secretsmanager:GetSecretValue` on it). */
export const SECRET_NAME_PREFIX = "baton/";
