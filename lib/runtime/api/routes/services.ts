/** The service registry routes; validation, events and storage are `RegistryService`'s. */

import { currentDrift } from "../../contracts/drift-report.ts";
import { loadReport } from "../../load/load-report.ts";
import { IN_FLIGHT_HORIZON_MS, MAX_WINDOW_SECONDS, slotOf } from "../../load/load-store.ts";
import type { ApiDeps } from "../deps.ts";
import {
  badRequest,
  HttpProblem,
  type HttpRequest,
  intParam,
  json,
  notFound,
  readJson,
} from "../http.ts";
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

  route("GET", "/services/{name}/load", async ({ deps, params, request }) => {
    const service = await deps.registry.get(registered(params.name));
    if (service === undefined) throw notFound(`Service ${params.name} is not registered.`);
    if (deps.load === undefined) {
      throw new HttpProblem(
        503,
        "load-unavailable",
        "Load counters unavailable",
        "This API has no load counter store configured.",
      );
    }
    const windowSeconds = intParam(request, "window", 300, 60, MAX_WINDOW_SECONDS);
    const threshold = ratioParam(request, "threshold", 0.2);
    const now = (deps.clock?.() ?? new Date()).getTime();
    const fromSlot = Math.min(
      slotOf(now - windowSeconds * 1000),
      slotOf(now - IN_FLIGHT_HORIZON_MS),
    );
    const counters = await deps.load.read(service.name, fromSlot);
    return json(200, loadReport(service, counters, { now, windowSeconds, threshold }));
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

/** An optional query parameter between 0 and 1. */
function ratioParam(request: HttpRequest, name: string, fallback: number): number {
  const raw = request.query[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (raw.trim() === "" || !(value >= 0 && value <= 1)) {
    throw badRequest(`${name} must be a number between 0 and 1; got "${raw.slice(0, 40)}".`, [
      { path: `/query/${name}`, message: "must be a number between 0 and 1" },
    ]);
  }
  return value;
}
