/**
 * The console Lambda (`functions/console.ts`): the web console's files only (`routes/console.ts`),
 * without the API's dependencies, so neither bundle carries the other.
 */
import { type ApiResponse, HttpProblem, problemResponse, toRequest } from "./http.ts";
import { Router } from "./router.ts";
import { consoleRoutes } from "./routes/console.ts";

const router = new Router<undefined>(consoleRoutes);

export async function handleConsoleEvent(event: unknown): Promise<ApiResponse> {
  try {
    const slash = stageRootWithoutSlash(event);
    // `…/v1` and `…/v1/` both reach `/`; the page's relative links need the slash.
    if (slash !== undefined)
      return {
        statusCode: 302,
        headers: { location: `${slash}/`, "cache-control": "no-cache" },
        body: "",
      };
    return await router.handle(toRequest(event), undefined);
  } catch (error) {
    return problemResponse(
      error instanceof HttpProblem
        ? error
        : new HttpProblem(500, "internal", "Internal error", "The console failed to answer."),
    );
  }
}

/** The path the browser asked for when it is the stage root without its trailing slash. */
function stageRootWithoutSlash(event: unknown): string | undefined {
  const e = event as { path?: unknown; requestContext?: { path?: unknown } } | null;
  const asked = e?.requestContext?.path;
  if (e?.path !== "/" || typeof asked !== "string" || asked === "" || asked.endsWith("/"))
    return undefined;
  return /^\/[A-Za-z0-9._~/-]*$/.test(asked) ? asked : undefined;
}
