import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/integration/**", "node_modules/**"],
    // Generous on purpose: CDK synth and local servers in beforeAll take seconds when idle and
    // several times that on a loaded 2-core machine; a timeout should mean a hang, not load.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
