import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** The harness's own tests (no deployment): `vitest run --config test/integration/vitest.harness.config.ts`. */
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["test/integration/*.test.ts"],
    pool: "forks",
    testTimeout: 60_000,
  },
});
