/**
 * The console's files over the API (baton dev's router) and over its own Lambda (AWS): content
 * types, the security headers, revalidation with ETag, unknown files, and the stage-root redirect.
 */
import { describe, expect, it } from "vitest";
import { CONSOLE_ASSETS } from "../../lib/console/assets.generated.ts";
import { handleApiEvent } from "../../lib/runtime/api/app.ts";
import { handleConsoleEvent } from "../../lib/runtime/api/console-app.ts";
import { CONSOLE_CSP } from "../../lib/runtime/api/routes/console.ts";
import { fakeDeps, restEvent } from "../runtime/fakes.ts";

describe("console routes in baton dev", () => {
  it("serves the page at / with a strict content security policy", async () => {
    const { deps } = fakeDeps();

    const response = await handleApiEvent(restEvent("GET", "/"), deps);

    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(response.headers["content-security-policy"]).toBe(CONSOLE_CSP);
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(response.body).toContain('<script type="module" src="console/app.js"></script>');
  });

  it.each([
    ["app.js", "text/javascript; charset=utf-8"],
    ["console.css", "text/css; charset=utf-8"],
    ["favicon.svg", "image/svg+xml"],
  ])("serves /console/%s as %s", async (name, type) => {
    const { deps } = fakeDeps();

    const response = await handleApiEvent(restEvent("GET", `/console/${name}`), deps);

    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe(type);
    expect(response.body).toBe(CONSOLE_ASSETS[name]?.body);
  });

  it("answers 304 when If-None-Match carries the ETag", async () => {
    const { deps } = fakeDeps();
    const first = await handleApiEvent(restEvent("GET", "/console/app.js"), deps);

    const again = await handleApiEvent(
      restEvent("GET", "/console/app.js", {
        headers: { "If-None-Match": first.headers.etag ?? "" },
      }),
      deps,
    );

    expect(again.statusCode).toBe(304);
    expect(again.body).toBe("");
  });

  it.each(["index.html", "nope.js", "__proto__", "constructor"])(
    "fails with 404 for /console/%s, naming the files it has",
    async (name) => {
      const { deps } = fakeDeps();

      const response = await handleApiEvent(restEvent("GET", `/console/${name}`), deps);

      expect(response.statusCode).toBe(404);
      expect(JSON.parse(response.body).detail).toContain("app.js, console.css, favicon.svg");
    },
  );
});

describe("console Lambda", () => {
  it("serves the same files as baton dev", async () => {
    const response = await handleConsoleEvent(restEvent("GET", "/console/console.css"));

    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(CONSOLE_ASSETS["console.css"]?.body);
  });

  it("redirects the stage root without its slash, so relative links resolve under it", async () => {
    const event = { ...restEvent("GET", "/"), requestContext: { path: "/v1", stage: "v1" } };

    const response = await handleConsoleEvent(event);

    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe("/v1/");
  });

  it("serves the page at the stage root with its slash", async () => {
    const event = { ...restEvent("GET", "/"), requestContext: { path: "/v1/", stage: "v1" } };

    const response = await handleConsoleEvent(event);

    expect(response.statusCode).toBe(200);
  });

  it("answers other paths and methods with problems, not crashes", async () => {
    expect((await handleConsoleEvent(restEvent("GET", "/executions"))).statusCode).toBe(404);
    expect((await handleConsoleEvent(restEvent("POST", "/"))).statusCode).toBe(405);
    expect((await handleConsoleEvent(null)).statusCode).toBe(400);
  });
});
