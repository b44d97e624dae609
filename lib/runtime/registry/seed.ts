/** Seeding the registry from services.yaml: parse, validate every entry, store all or nothing. */
import { LineCounter, parseDocument } from "yaml";
import { plainYamlError } from "../../core/yaml-errors.ts";
import { type FieldError, ValidationError } from "../errors.ts";
import type { EventPublisher } from "../events.ts";
import { validateServiceRegistration } from "./entry-validation.ts";
import type { ServiceEntry, ServiceRecord } from "./registry-model.ts";
import { RegistryService, type RegistryServiceDeps } from "./registry-service.ts";
import type { RegistryStore } from "./registry-store.ts";
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
  const lineCounter = new LineCounter();
  const document = parseDocument(yamlText, { lineCounter });
  // Errors found at the end of the input (an unclosed bracket) point at the last line with text.
  const lastText = Math.max(0, yamlText.trimEnd().length - 1);
  const at = (offset: number): string => {
    const { line, col } = lineCounter.linePos(Math.min(offset, lastText));
    return `line ${line}, column ${col}`;
  };
  if (document.errors.length > 0) {
    throw new ValidationError(
      document.errors.map((error) => ({
        path: "",
        message: `${plainYamlError(error).message} (${at(error.pos[0])})`,
      })),
    );
  }
  const root: unknown = document.toJS();
  if (root === null || root === undefined) return [];
  if (typeof root !== "object" || Array.isArray(root)) {
    throw new ValidationError([{ path: "", message: "must be a mapping with a `services` list" }]);
  }
  const errors: FieldError[] = [];
  for (const key of Object.keys(root)) {
    // `$schema` names the editor schema (schemas/services.schema.json); Baton ignores it.
    if (key !== "services" && key !== "$schema")
      errors.push({
        path: `/${key}`,
        message: `unknown field "${key}"; allowed: services, $schema`,
      });
  }
  const list = (root as { services?: unknown }).services ?? [];
  if (!Array.isArray(list)) {
    throw new ValidationError([...errors, { path: "/services", message: "must be a list" }]);
  }
  const entries: ServiceEntry[] = [];
  const names = new Map<string, number>();
  const results = await Promise.all(
    list.map((item: unknown) => validateServiceRegistration(item, options)),
  );
  results.forEach((result, index) => {
    if (!result.ok) {
      for (const error of result.errors) {
        errors.push({ path: `/services/${index}${error.path}`, message: error.message });
      }
    } else {
      entries.push(result.value);
    }
    // Duplicates are reported even when an entry has other problems.
    const name: unknown = (list[index] as { name?: unknown } | null | undefined)?.name;
    if (typeof name !== "string") return;
    const first = names.get(name);
    if (first === undefined) names.set(name, index);
    else {
      errors.push({
        path: `/services/${index}/name`,
        message: `duplicate service "${name}" (first at /services/${first})`,
      });
    }
  });
  if (errors.length > 0) throw new ValidationError(errors);
  return entries;
}
