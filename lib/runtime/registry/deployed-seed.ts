/**
 * The registry seed of a deploy (`cdk deploy` with a services.yaml beside the workflows): the
 * custom resource hands over the entries of this deploy and of the previous one, and the seed
 * applies the difference, so the registry stays the API's to change:
 *
 * - an entry new in the file, or changed in it, is registered (validated as `PUT /services` is,
 *   DNS included);
 * - an entry the file did not change is left alone: what was changed (or deleted) through the API
 *   since stays as it is;
 * - an entry dropped from the file is deregistered only while it is still what the seed wrote;
 *   changed through the API since, it now belongs to whoever changed it and stays.
 *
 * Nothing else is ever deleted: services registered at run time are not the seed's.
 */
import type { JsonObject } from "../../core/model.ts";
import { type FieldError, ValidationError } from "../errors.ts";
import { validateServiceEntry, validateServiceRegistration } from "./entry-validation.ts";
import type { ServiceEntry, ServiceRecord } from "./registry-model.ts";
import type { RegistryService } from "./registry-service.ts";
import type { HostResolver, UrlPolicy } from "./url-policy.ts";

export interface SeedOutcome {
  /** Registered by this deploy (new or changed in the file). */
  readonly registered: readonly string[];
  /** In the file and unchanged since the last deploy: left as the registry has them. */
  readonly unchanged: readonly string[];
  /** Dropped from the file and deregistered. */
  readonly deregistered: readonly string[];
  /** Dropped from the file but changed (or deleted) through the API since: left alone. */
  readonly kept: readonly string[];
}

export interface DeployedSeedOptions {
  readonly policy?: UrlPolicy;
  readonly resolver?: HostResolver;
}

export async function applyDeployedSeed(
  next: readonly unknown[],
  previous: readonly unknown[],
  registry: RegistryService,
  options: DeployedSeedOptions = {},
): Promise<SeedOutcome> {
  const entries = await validated(next, options);
  const before = new Map(normalised(previous).map((entry) => [entry.name, entry]));
  const outcome = { registered: [], unchanged: [], deregistered: [], kept: [] } as {
    registered: string[];
    unchanged: string[];
    deregistered: string[];
    kept: string[];
  };
  for (const entry of entries) {
    const old = before.get(entry.name);
    if (old !== undefined && sameJson(comparable(old), comparable(entry))) {
      outcome.unchanged.push(entry.name);
      continue;
    }
    await registry.storeAll([entry]);
    outcome.registered.push(entry.name);
  }
  const names = new Set(entries.map((entry) => entry.name));
  for (const [name, old] of before) {
    if (names.has(name)) continue;
    const current = await registry.get(name);
    if (current !== undefined && sameJson(recordComparable(current), comparable(old))) {
      await registry.deregister(name);
      outcome.deregistered.push(name);
    } else outcome.kept.push(name);
  }
  return outcome;
}

/** This deploy's entries, checked as `PUT /services` checks them; every problem at once. */
async function validated(
  list: readonly unknown[],
  options: DeployedSeedOptions,
): Promise<ServiceEntry[]> {
  const results = await Promise.all(list.map((item) => validateServiceRegistration(item, options)));
  const errors: FieldError[] = [];
  const entries: ServiceEntry[] = [];
  results.forEach((result, index) => {
    if (result.ok) entries.push(result.value);
    else
      for (const error of result.errors)
        errors.push({ path: `/services/${index}${error.path}`, message: error.message });
  });
  if (errors.length > 0) throw new ValidationError(errors);
  return entries;
}

/** The previous deploy's entries with defaults applied; ones that no longer validate are skipped. */
function normalised(list: readonly unknown[]): ServiceEntry[] {
  return list.flatMap((item) => {
    const result = validateServiceEntry(item, { policy: { allowPrivate: true } });
    return result.ok ? [result.value] : [];
  });
}

/** What the seed controls of an entry, in a fixed order (instances by id). */
function comparable(entry: ServiceEntry): JsonObject {
  return {
    name: entry.name,
    instances: [...entry.instances]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map(({ id, url, weight }) => ({ id, url, weight })),
    health: { ...entry.health },
    balancing: entry.balancing,
    circuit: { ...entry.circuit },
    timeout: entry.timeout,
    headers: { ...entry.headers },
    openapi: entry.openapi ?? null,
    limits: entry.limits === undefined ? null : { ...entry.limits },
  };
}

function recordComparable(record: ServiceRecord): JsonObject {
  return comparable({
    name: record.name,
    instances: record.instances,
    health: record.health,
    balancing: record.balancing,
    circuit: record.circuit,
    timeout: record.timeout,
    headers: record.headers,
    ...(record.openapi === undefined ? {} : { openapi: record.openapi }),
    ...(record.limits === undefined ? {} : { limits: record.limits }),
  });
}

const sameJson = (a: JsonObject, b: JsonObject): boolean =>
  JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

/** Object keys sorted at every level, so key order never makes two equal entries differ. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
  );
}
