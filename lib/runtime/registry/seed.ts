/** Seeding the registry from services.yaml: parse, validate every entry, store all or nothing. */
import { type FieldError, ValidationError } from "../errors.ts";
import type { EventPublisher } from "../events.ts";
import { validateServiceRegistration } from "./entry-validation.ts";
import type { ServiceEntry, ServiceRecord } from "./registry-model.ts";
import { RegistryService, type RegistryServiceDeps } from "./registry-service.ts";
import type { RegistryStore } from "./registry-store.ts";
import { duplicateNames, readServicesDocument } from "./services-file.ts";
import type { HostResolver, UrlPolicy } from "./url-policy.ts";

/** Seeds the registry from services.yaml (`services: [...]`). Throws `ValidationError` listing every problem. */
export function seedRegistry(
  store: RegistryStore,
  yamlText: string,
  options: Omit<RegistryServiceDeps, "store" | "events"> & {
    readonly events?: EventPublisher;
  } = {},
): Promise<ServiceRecord[]> {
  const events = options.events ?? { publish: async () => {} };
  const service = new RegistryService({ ...options, store, events });
  return parseServicesYaml(yamlText, service.validation()).then((entries) =>
    service.storeAll(entries),
  );
}

/** Parses and validates services.yaml; paths are JSON pointers into the document. */
export async function parseServicesYaml(
  yamlText: string,
  options: { readonly policy?: UrlPolicy; readonly resolver?: HostResolver } = {},
): Promise<ServiceEntry[]> {
  const { list, errors: documentErrors } = readServicesDocument(yamlText);
  const errors: FieldError[] = [...documentErrors];
  const entries: ServiceEntry[] = [];
  const results = await Promise.all(
    list.map((item: unknown) => validateServiceRegistration(item, options)),
  );
  // Duplicates are reported even when an entry has other problems, after that entry's own.
  const duplicates = duplicateNames(list);
  results.forEach((result, index) => {
    if (!result.ok) {
      for (const error of result.errors) {
        errors.push({ path: `/services/${index}${error.path}`, message: error.message });
      }
    } else {
      entries.push(result.value);
    }
    errors.push(...duplicates.filter((error) => error.path === `/services/${index}/name`));
  });
  if (errors.length > 0) throw new ValidationError(errors);
  return entries;
}
