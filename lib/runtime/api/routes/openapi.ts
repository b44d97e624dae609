/** `GET /openapi.json`: the OpenAPI 3.1 document of this API (`../openapi.ts`). */
import type { ApiDeps } from "../deps.ts";
import { json } from "../http.ts";
import { openApiDocument } from "../openapi.ts";
import { type Route, route } from "../router.ts";

let document: ReturnType<typeof openApiDocument> | undefined;

export const openApiRoutes: readonly Route<ApiDeps>[] = [
  route("GET", "/openapi.json", async () => {
    document ??= openApiDocument();
    return json(200, document, { "cache-control": "public, max-age=300" });
  }),
];
