/**
 * `POST /services/{name}/contract/refresh` (docs/contracts.md). It carries the contract check (the
 * OpenAPI reader and the request-schema judge), so in AWS it is served by the publish Lambda, which
 * has the whole core anyway, and the API bundle stays within its budget; `baton dev` serves it
 * with every other route.
 */
import { ContractRefreshError, refreshServiceContract } from "../../contracts/contract-refresh.ts";
import type { ApiDeps } from "../deps.ts";
import { conflict, HttpProblem, json, notFound } from "../http.ts";
import { type Route, route } from "../router.ts";
import { registered } from "./services.ts";

export const contractRefreshRoutes: readonly Route<ApiDeps>[] = [
  route("POST", "/services/{name}/contract/refresh", async ({ deps, params }) => {
    try {
      return json(200, await refreshServiceContract(registered(params.name), deps));
    } catch (error) {
      if (!(error instanceof ContractRefreshError)) throw error;
      if (error.reason === "unknown-service") throw notFound(error.message);
      if (error.reason === "no-contract") throw conflict(error.message);
      throw new HttpProblem(502, "contract-unreadable", "Contract unreadable", error.message);
    }
  }),
];
