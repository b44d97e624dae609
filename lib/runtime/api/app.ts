/**
 * The whole API as one function (`baton dev`, tests): every route, the publish and bus routes and
 * the web console's files included. In AWS the same routes are split over four Lambdas
 * (`api-routes.ts`, `publish-app.ts`, `console-app.ts`, `events-app.ts`).
 */
import { apiRoutes } from "./api-routes.ts";
import type { ApiDeps } from "./deps.ts";
import { handleRequest } from "./handle.ts";
import type { ApiResponse } from "./http.ts";
import { Router } from "./router.ts";
import { consoleRoutes } from "./routes/console.ts";
import { contractRefreshRoutes } from "./routes/contract-refresh.ts";
import { eventRoutes } from "./routes/events.ts";
import { templateRoutes } from "./routes/templates.ts";
import { workflowPublishRoutes } from "./routes/workflow-publish.ts";

export { toProblem } from "./handle.ts";

export const router = new Router<ApiDeps>([
  ...apiRoutes,
  ...workflowPublishRoutes,
  ...templateRoutes,
  ...consoleRoutes,
  ...contractRefreshRoutes,
  ...eventRoutes,
]);

export const handleApiEvent = (event: unknown, deps: ApiDeps): Promise<ApiResponse> =>
  handleRequest(router, event, deps);
