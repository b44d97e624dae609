/**
 * Registry storage. The DynamoDB implementation (`dynamo-store.ts`) and the in-memory one
 * (`memory-store.ts`) have the same semantics; neither validates nor publishes events (that is
 * `RegistryService` in `service.ts`).
 */
import type {
  InstanceEntry,
  InstanceHealth,
  ServiceEntry,
  ServiceRecord,
} from "./registry-model.ts";

export interface PutResult {
  /** true when nothing existed under that name/id before. */
  readonly created: boolean;
}

export interface RegistryStore {
  getService(name: string): Promise<ServiceRecord | undefined>;
  /** Every service, sorted by name. */
  listServices(): Promise<ServiceRecord[]>;
  /**
   * Registers or replaces a service: settings are overwritten, listed instances upserted (health of
   * an existing instance kept), instances not listed removed. Circuit state is kept.
   */
  putService(entry: ServiceEntry): Promise<PutResult>;
  /** Removes the service with its instances and circuit; false when it did not exist. */
  deleteService(name: string): Promise<boolean>;
  /**
   * Registers an instance or heartbeats it (URL and weight updated, health kept).
   * Throws `UnknownServiceError` when the service does not exist.
   */
  putInstance(service: string, instance: InstanceEntry): Promise<PutResult>;
  /** false when the instance did not exist. */
  deleteInstance(service: string, instanceId: string): Promise<boolean>;
  /**
   * Writes an instance's health; only if the instance still exists (a probe never resurrects a
   * deregistered instance). Returns false when it does not.
   */
  setInstanceHealth(service: string, instanceId: string, health: InstanceHealth): Promise<boolean>;
}
