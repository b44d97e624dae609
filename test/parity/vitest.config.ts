import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** The parity tier (npm run test:parity): the scenario table on the local engine and on moto. */
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["test/parity/**/*.test.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
