/**
 * Registry use cases shared by the API (`/services` routes), the seeding of services.yaml (`seed.ts`) and the
 * local runtime: validate (with DNS checks), store, publish `Service Registered` /
 * `Service Deregistered`. Validation failures throw `ValidationError` (the API's problem+json 400);
 * an instance for an unknown service throws `UnknownServiceError` (404, from the store); a write
 * a concurrent delete undid before it was read back throws `RegistryConflictError` (409).
 */

import { DetailType } from "../../core/wire.ts";
import { RegistryConflictError, ValidationError } from "../errors.ts";
import type { EventPublisher, ServiceEventDetail } from "../events.ts";
import { validateInstanceRegistration, validateServiceRegistration } from "./entry-validation.ts";
import type { ServiceEntry, ServiceRecord } from "./registry-model.ts";
import type { RegistryStore } from "./registry-store.ts";
import type { HostResolver, UrlPolicy } from "./url-policy.ts";

export interface RegistryServiceDeps {
  readonly store: RegistryStore;
  readonly events: EventPublisher;
  /** Defaults to `dns.lookup` with `all: true`. */
  readonly resolver?: HostResolver;
  /** Defaults to `BATON_ALLOW_PRIVATE_URLS` from the environment. */
  readonly policy?: UrlPolicy;
}

export interface RegistrationResult {
  readonly created: boolean;
  readonly service: ServiceRecord;
}

export class RegistryService {
  readonly #deps: RegistryServiceDeps;

  constructor(deps: RegistryServiceDeps) {
    this.#deps = deps;
  }

  get(name: string): Promise<ServiceRecord | undefined> {
    return this.#deps.store.getService(name);
  }

  list(): Promise<ServiceRecord[]> {
    return this.#deps.store.listServices();
  }

  /** `PUT /services/{name}`: registers or replaces a service. */
  async register(name: string, body: unknown): Promise<RegistrationResult> {
    const result = await validateServiceRegistration(body, { ...this.#validation(), name });
    if (!result.ok) throw new ValidationError(result.errors);
    return this.#store(result.value);
  }

  /** `PUT /services/{name}/instances/{id}`: registers an instance or heartbeats it. */
  async registerInstance(
    name: string,
    instanceId: string,
    body: unknown,
  ): Promise<RegistrationResult> {
    const result = await validateInstanceRegistration(body ?? {}, {
      ...this.#validation(),
      id: instanceId,
    });
    if (!result.ok) throw new ValidationError(result.errors);
    const { created } = await this.#deps.store.putInstance(name, result.value);
    if (created) {
      await this.#publish(DetailType.ServiceRegistered, {
        service: name,
        instance: instanceId,
        created,
      });
    }
    return { created, service: await this.#mustGet(name) };
  }

  /** `DELETE /services/{name}`: false when it did not exist. */
  async deregister(name: string): Promise<boolean> {
    const existed = await this.#deps.store.deleteService(name);
    if (existed) await this.#publish(DetailType.ServiceDeregistered, { service: name });
    return existed;
  }

  /** `DELETE /services/{name}/instances/{id}`: false when it did not exist. */
  async deregisterInstance(name: string, instanceId: string): Promise<boolean> {
    const existed = await this.#deps.store.deleteInstance(name, instanceId);
    if (existed)
      await this.#publish(DetailType.ServiceDeregistered, { service: name, instance: instanceId });
    return existed;
  }

  /** Stores an already validated entry and announces it. */
  async #store(entry: ServiceEntry): Promise<RegistrationResult> {
    const { created } = await this.#deps.store.putService(entry);
    await this.#publish(DetailType.ServiceRegistered, {
      service: entry.name,
      instances: entry.instances.map((instance) => instance.id),
      created,
    });
    return { created, service: await this.#mustGet(entry.name) };
  }

  /** The service just written; a concurrent DELETE may have removed it since (409, not 404). */
  async #mustGet(name: string): Promise<ServiceRecord> {
    const service = await this.#deps.store.getService(name);
    if (service === undefined) {
      throw new RegistryConflictError(
        `Service ${name} was written, then deleted by a concurrent request before it could be read back; repeat the request to register it again.`,
      );
    }
    return service;
  }

  #validation(): { policy?: UrlPolicy; resolver?: HostResolver } {
    return {
      ...(this.#deps.policy === undefined ? {} : { policy: this.#deps.policy }),
      ...(this.#deps.resolver === undefined ? {} : { resolver: this.#deps.resolver }),
    };
  }

  #publish(detailType: string, detail: ServiceEventDetail): Promise<void> {
    return this.#deps.events.publish([{ detailType, detail }]);
  }

  /** Stores already validated entries (see `seed.ts` for services.yaml). */
  async storeAll(entries: readonly ServiceEntry[]): Promise<ServiceRecord[]> {
    const stored: ServiceRecord[] = [];
    for (const entry of entries) stored.push((await this.#store(entry)).service);
    return stored;
  }

  /** The validation options this service was built with. */
  validation(): { policy?: UrlPolicy; resolver?: HostResolver } {
    return this.#validation();
  }
}
