import { defineConfig } from "vitest/config";

/** Fuzz and other long runs: the `slow` project (`npm run test:slow`), not part of `npm test`. */
const SLOW = "test/**/*.slow.test.ts";

export default defineConfig({
  test: {
    // A TMPDIR per run; the run fails if a test leaves a `baton-*` or `cdk.out*` folder in it.
    globalSetup: ["test/support/global-setup.ts"],
    // Generous on purpose: CDK synth and local servers in beforeAll take seconds when idle and
    // several times that on a loaded 2-core machine; a timeout should mean a hang, not load.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/integration/**", "test/parity/**", "node_modules/**", SLOW],
        },
      },
      { extends: true, test: { name: "slow", include: [SLOW] } },
    ],
  },
});
