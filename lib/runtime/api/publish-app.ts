/** The router of the publish Lambda (`functions/publish-workflow.ts`): `PUT /workflows/{name}` and the template routes (they compile too). */
import type { ApiDeps } from "./deps.ts";
import { Router } from "./router.ts";
import { templateRoutes } from "./routes/templates.ts";
import { workflowPublishRoutes } from "./routes/workflow-publish.ts";

export const publishRouter = new Router<ApiDeps>([...workflowPublishRoutes, ...templateRoutes]);
