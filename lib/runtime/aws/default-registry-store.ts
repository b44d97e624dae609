/** The AWS registry store from the environment (`BATON_REGISTRY_TABLE`), built once per container. */
import { getClients } from "./clients.ts";
import { DynamoRegistryStore } from "./dynamo-registry-store.ts";
import { ENV, requireEnv } from "./env.ts";

let store: DynamoRegistryStore | undefined;

export function getDefaultRegistryStore(): DynamoRegistryStore {
  store ??= new DynamoRegistryStore({
    client: getClients().dynamo,
    tableName: requireEnv(ENV.registryTable),
  });
  return store;
}
