/** The service registry routes; validation, events and storage are `RegistryService`'s. */

import { currentDrift } from "../../contracts/drift-report.ts";
import type { ApiDeps } from "../deps.ts";
import { json, notFound, readJson } from "../http.ts";
import { type Route, route } from "../router.ts";

/** Names and ids the registry accepts (see registry/validate.ts); anything else cannot exist. */
const SERVICE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function registered(name: string | undefined): string {
  if (name === undefined || !SERVICE_NAME.test(name))
    throw notFound(`Service ${name?.slice(0, 100)} is not registered.`);
  return name;
}

const noContent = () => ({ statusCode: 204, headers: { "cache-control": "no-store" }, body: "" });

export const serviceRoutes: readonly Route<ApiDeps>[] = [
  route("GET", "/services", async ({ deps }) => json(200, { items: await deps.registry.list() })),

  route("GET", "/services/{name}", async ({ deps, params }) => {
    const service = await deps.registry.get(registered(params.name));
    if (service === undefined) throw notFound(`Service ${params.name} is not registered.`);
    if (deps.drift === undefined) return json(200, service);
    return json(200, { ...service, drift: await currentDrift([service], deps.drift) });
  }),

  route("PUT", "/services/{name}", async ({ deps, params, request }) => {
    const { created, service } = await deps.registry.register(
      params.name ?? "",
      readJson(request, undefined),
    );
    return json(created ? 201 : 200, service);
  }),

  route("DELETE", "/services/{name}", async ({ deps, params }) => {
    if (!(await deps.registry.deregister(registered(params.name))))
      throw notFound(`Service ${params.name} is not registered.`);
    return noContent();
  }),

  route("PUT", "/services/{name}/instances/{instanceId}", async ({ deps, params, request }) => {
    const { created, service } = await deps.registry.registerInstance(
      registered(params.name),
      params.instanceId ?? "",
      readJson(request, undefined),
    );
    return json(created ? 201 : 200, service);
  }),

  route("DELETE", "/services/{name}/instances/{instanceId}", async ({ deps, params }) => {
    const instanceId = params.instanceId ?? "";
    const found =
      INSTANCE_ID.test(instanceId) &&
      (await deps.registry.deregisterInstance(registered(params.name), instanceId));
    if (!found) {
      throw notFound(`Instance ${params.instanceId} of service ${params.name} is not registered.`);
    }
    return noContent();
  }),
];
