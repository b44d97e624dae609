/**
 * The web console on the deployed stack: API Gateway routes `GET /` and `GET /console/{asset}` to
 * the console Lambda without a signature (static files, no data), the files are the ones `baton
 * dev` serves, and the API beside them still answers signed requests.
 */
import { describe, expect, it } from "vitest";
import { CONSOLE_ASSETS } from "../../../lib/console/assets.generated.ts";
import { integrationEnv } from "../client.ts";
import { api } from "../fixtures/api.ts";

/** The stage root with its trailing slash, as a browser opens it. */
const root = (): URL => {
  const url = new URL(integrationEnv().apiUrl);
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
};

describe("web console on the deployed stack", () => {
  it("serves the page at the stage root to an unsigned request, with its security headers", async () => {
    // Act
    const response = await fetch(root());

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await response.text()).toBe(CONSOLE_ASSETS["index.html"]?.body);
  });

  it("serves the script and stylesheet the page loads, and 404 for another file", async () => {
    for (const name of ["app.js", "console.css"]) {
      const response = await fetch(new URL(`console/${name}`, root()));
      expect(response.status, name).toBe(200);
      expect(await response.text(), name).toBe(CONSOLE_ASSETS[name]?.body);
    }
    expect((await fetch(new URL("console/secrets.txt", root()))).status).toBe(404);
  });

  it("leaves the API behind it signed: GET /workflows answers the signed request", async () => {
    const workflows = await api<{ items: unknown[] }>("/workflows");

    expect(workflows.status).toBe(200);
    expect(workflows.body.items.length).toBeGreaterThan(0);
  });
});
