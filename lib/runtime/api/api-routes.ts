/**
 * The routes the API Lambda serves: every route but `PUT /workflows/{name}` and
 * `POST /services/{name}/contract/refresh`, whose compiler, YAML parser and contract check live in
 * their own Lambda (`publish-app.ts`), and the bus routes (`/events`, their own Lambda:
 * `events-app.ts`), which keeps this bundle small and its role off the archive.
 */
import type { ApiDeps } from "./deps.ts";
import { Router } from "./router.ts";
import { dlqRoutes } from "./routes/dlq.ts";
import { driftRoutes } from "./routes/drift.ts";
import { executionRoutes } from "./routes/executions.ts";
import { fleetRoutes } from "./routes/fleet.ts";
import { healthRoutes } from "./routes/health.ts";
import { openApiRoutes } from "./routes/openapi.ts";
import { pauseRoutes } from "./routes/pause.ts";
import { peerRoutes } from "./routes/peers.ts";
import { serviceRoutes } from "./routes/services.ts";
import { signalRoutes } from "./routes/signals.ts";
import { workflowManagementRoutes } from "./routes/workflow-management.ts";
import { workflowRoutes } from "./routes/workflows.ts";

export const apiRoutes = [
  ...healthRoutes,
  ...openApiRoutes,
  ...workflowRoutes,
  ...workflowManagementRoutes,
  ...pauseRoutes,
  ...executionRoutes,
  ...fleetRoutes,
  ...signalRoutes,
  ...serviceRoutes,
  ...driftRoutes,
  ...peerRoutes,
  ...dlqRoutes,
] as const;

export const apiRouter = new Router<ApiDeps>(apiRoutes);
