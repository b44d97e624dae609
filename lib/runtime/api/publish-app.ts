/** The router of the publish Lambda (`functions/publish-workflow.ts`): `PUT /workflows/{name}` only. */
import type { ApiDeps } from "./deps.ts";
import { Router } from "./router.ts";
import { workflowPublishRoutes } from "./routes/workflow-publish.ts";

export const publishRouter = new Router<ApiDeps>(workflowPublishRoutes);
