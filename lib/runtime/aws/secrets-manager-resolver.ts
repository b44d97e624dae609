/** The AWS `SecretResolver`: Secrets Manager under the `baton/` namespace, values cached briefly. */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { type Clock, systemClock } from "../circuit/clock.ts";
import { ClientError, ServiceError } from "../errors.ts";
import {
  pickKey,
  SECRET_NAME_PREFIX,
  type SecretReference,
  type SecretResolver,
} from "../registry/secret-headers.ts";

export interface SecretsManagerResolverOptions {
  readonly client?: SecretsManagerClient;
  /** Prepended to reference names that lack it: `{{ secret:inv-key }}` reads `baton/inv-key`. @default "baton/" */
  readonly prefix?: string;
  /** How long a value is reused before it is fetched again (rotation takes effect after it). */
  readonly ttlMs?: number;
  readonly clock?: Clock;
}

export class SecretsManagerResolver implements SecretResolver {
  readonly #client: SecretsManagerClient;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #prefix: string;
  readonly #cache = new Map<
    string,
    { readonly value: Promise<string>; readonly expires: number }
  >();

  constructor(options: SecretsManagerResolverOptions = {}) {
    this.#client = options.client ?? new SecretsManagerClient({});
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#clock = options.clock ?? systemClock;
    this.#prefix = options.prefix ?? SECRET_NAME_PREFIX;
  }

  async resolve(reference: SecretReference): Promise<string> {
    const now = this.#clock.now();
    let cached = this.#cache.get(reference.name);
    if (cached === undefined || cached.expires <= now) {
      // Concurrent callers share one request; a failure is not cached.
      const value = this.#fetch(reference.name);
      cached = { value, expires: now + this.#ttlMs };
      this.#cache.set(reference.name, cached);
      value.catch(() => {
        if (this.#cache.get(reference.name)?.value === value) this.#cache.delete(reference.name);
      });
    }
    return pickKey(await cached.value, reference);
  }

  async #fetch(name: string): Promise<string> {
    const secretId = name.startsWith(this.#prefix) ? name : `${this.#prefix}${name}`;
    try {
      const result = await this.#client.send(new GetSecretValueCommand({ SecretId: secretId }));
      if (result.SecretString === undefined) {
        throw new ClientError(
          `Secret ${name} has no string value (binary secrets are not supported).`,
        );
      }
      return result.SecretString;
    } catch (error) {
      if (error instanceof ClientError) throw error;
      const errorName = error instanceof Error ? error.name : "";
      if (errorName === "ResourceNotFoundException") {
        throw new ClientError(`Secret ${secretId} does not exist in Secrets Manager.`, {
          cause: error,
        });
      }
      throw new ServiceError(`Secret ${name} could not be read: ${errorName || String(error)}.`, {
        cause: error,
      });
    }
  }
}
