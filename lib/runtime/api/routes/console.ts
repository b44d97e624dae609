/**
 * The web console's static files (docs/console.md): `GET /` is the page, `GET /console/{asset}` its
 * script and stylesheet, built into `lib/console/assets.generated.ts`. They hold no data and no
 * secrets: the page reads everything through the API with the caller's own credentials. In AWS a
 * small Lambda of its own serves them (`console-app.ts`), so the API bundle does not carry them.
 */
import type { ConsoleAsset } from "../../../console/asset.ts";
import { CONSOLE_ASSETS } from "../../../console/assets.generated.ts";
import type { ApiResponse, HttpRequest } from "../http.ts";
import { notFound } from "../http.ts";
import { type Route, route } from "../router.ts";

/**
 * Only this origin's script, style and API; no inline script or style attribute, no framing, no
 * forms posting elsewhere.
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const consoleRoutes: readonly Route<unknown>[] = [
  route("GET", "/", async ({ request }) => serve("index.html", request)),
  route("GET", "/console/{asset}", async ({ params, request }) => {
    const name = params.asset ?? "";
    if (name === "index.html" || !Object.hasOwn(CONSOLE_ASSETS, name)) {
      throw notFound(
        `The console has no file ${JSON.stringify(name.slice(0, 80))} (it serves ${Object.keys(
          CONSOLE_ASSETS,
        )
          .filter((n) => n !== "index.html")
          .sort()
          .join(", ")}).`,
      );
    }
    return serve(name, request);
  }),
];

function serve(name: string, request: HttpRequest): ApiResponse {
  const asset = CONSOLE_ASSETS[name] as ConsoleAsset;
  const headers = {
    "content-type": asset.type,
    // Revalidated on every load: a new deploy or `baton dev` build is seen at once.
    "cache-control": "no-cache",
    etag: asset.etag,
    "content-security-policy": CONSOLE_CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  };
  if (request.headers["if-none-match"] === asset.etag)
    return { statusCode: 304, headers, body: "" };
  return { statusCode: 200, headers, body: asset.body };
}
