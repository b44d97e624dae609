/** `GET /dlq` lists undeliverable events; `POST /dlq/redrive` redelivers them. */
import type { Json } from "../../../core/model.ts";
import type { ApiDeps } from "../deps.ts";
import { badRequest, intParam, json, readJson } from "../http.ts";
import { type Route, route } from "../router.ts";

export const dlqRoutes: readonly Route<ApiDeps>[] = [
  route("GET", "/dlq", async ({ deps, request }) => {
    const limit = intParam(request, "limit", 10, 1, 100);
    const [items, approximateCount] = await Promise.all([deps.dlq.list(limit), deps.dlq.count()]);
    return json(200, { items, approximateCount });
  }),

  route("POST", "/dlq/redrive", async ({ deps, request }) => {
    const max = redriveMax(readJson(request, {}));
    return json(200, await deps.dlq.redrive(max));
  }),
];

function redriveMax(body: Json | undefined): number {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw badRequest('The body must be a JSON object such as {"max": 10}.');
  }
  const o = body as { readonly [key: string]: Json };
  const unknown = Object.keys(o).filter((key) => key !== "max");
  const max = o.max ?? 10;
  const errors = unknown.map((key) => ({ path: `/${key}`, message: "is not allowed" }));
  if (typeof max !== "number" || !Number.isInteger(max) || max < 1 || max > 100) {
    errors.push({ path: "/max", message: "must be an integer from 1 to 100" });
  }
  if (errors.length > 0) throw badRequest("The redrive request is invalid.", errors);
  return max as number;
}
