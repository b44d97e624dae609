/**
 * The console's built files: `assets.generated.ts` is what `npm run build:console` makes from
 * lib/console/web today, and nothing in them reaches outside the origin (no CDN, no internet).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONSOLE_ASSETS } from "../../lib/console/assets.generated.ts";
import { ASSETS_MODULE, assetsModuleSource, buildConsoleAssets } from "../../lib/console/build.ts";

const STALE = "lib/console/assets.generated.ts is stale: run `npm run build:console` and commit it";

describe("console assets", () => {
  it("are the build of lib/console/web (npm run build:console rewrites them)", async () => {
    // Act
    const built = await buildConsoleAssets();

    // Assess
    expect(readFileSync(ASSETS_MODULE, "utf8"), STALE).toBe(assetsModuleSource(built));
    expect(Object.keys(CONSOLE_ASSETS).sort()).toEqual([
      "app.js",
      "console.css",
      "favicon.svg",
      "index.html",
    ]);
  });

  it("load nothing from another origin", () => {
    for (const [name, asset] of Object.entries(CONSOLE_ASSETS)) {
      // The SVG's namespace is a name, not a request.
      const body = asset.body.replaceAll('xmlns="http://www.w3.org/2000/svg"', "");
      expect(body, name).not.toMatch(/\b(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    }
  });

  it("keep the page and its script small", () => {
    const total = Object.values(CONSOLE_ASSETS).reduce((n, a) => n + Buffer.byteLength(a.body), 0);
    expect(total).toBeLessThan(64 * 1024);
  });
});
