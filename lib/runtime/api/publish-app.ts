/**
 * The router of the publish Lambda (`functions/publish-workflow.ts`): the routes that need the
 * compiler or the contract check, kept out of the API bundle: `PUT /workflows/{name}`, the
 * template routes (they compile too) and `POST /services/{name}/contract/refresh`.
 */
import type { ApiDeps } from "./deps.ts";
import { Router } from "./router.ts";
import { contractRefreshRoutes } from "./routes/contract-refresh.ts";
import { templateRoutes } from "./routes/templates.ts";
import { workflowPublishRoutes } from "./routes/workflow-publish.ts";

export const publishRouter = new Router<ApiDeps>([
  ...workflowPublishRoutes,
  ...templateRoutes,
  ...contractRefreshRoutes,
]);
