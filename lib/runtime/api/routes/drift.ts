/** `GET /drift`: what service contracts break now, as the last refreshes judged it (docs/contracts.md). */
import { currentDrift } from "../../contracts/drift-report.ts";
import type { ApiDeps } from "../deps.ts";
import { HttpProblem, json } from "../http.ts";
import { type Route, route } from "../router.ts";

export const driftRoutes: readonly Route<ApiDeps>[] = [
  route("GET", "/drift", async ({ deps }) => {
    if (deps.drift === undefined) {
      throw new HttpProblem(
        503,
        "drift-unavailable",
        "Drift unavailable",
        "This deployment stores no contract checks (no drift store is configured).",
      );
    }
    return json(200, { items: await currentDrift(await deps.registry.list(), deps.drift) });
  }),
];
