/**
 * The HTTP API Lambda (API Gateway REST proxy integration; HTTP API v2 events work too). A thin
 * middy wrapper: the routes live in `lib/runtime/api`, and the local server calls `handleApiEvent`.
 */
import middy from "@middy/core";
import { handleApiEvent } from "../lib/runtime/api/app.ts";
import type { ApiDeps } from "../lib/runtime/api/deps.ts";
import {
  type ApiEvent,
  type ApiResponse,
  HttpProblem,
  problemResponse,
} from "../lib/runtime/api/http.ts";
import { getDefaultApiDeps } from "../lib/runtime/aws/api-deps.ts";

export { handleApiEvent };

export async function handleWithDefaults(event: ApiEvent, deps?: ApiDeps): Promise<ApiResponse> {
  let resolved = deps;
  if (resolved === undefined) {
    try {
      resolved = await getDefaultApiDeps();
    } catch (error) {
      console.error(
        JSON.stringify({ level: "ERROR", message: "API not configured", error: String(error) }),
      );
      return problemResponse(
        new HttpProblem(
          503,
          "unavailable",
          "Service unavailable",
          "The API is not configured; see the logs.",
        ),
      );
    }
  }
  return handleApiEvent(event, resolved);
}

export const handler = middy<ApiEvent, ApiResponse>().handler((event) => handleWithDefaults(event));
