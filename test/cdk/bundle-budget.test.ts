/**
 * Every handler bundle stays small and free of CDK code: each `functions/*.ts` is bundled with the
 * deploy's esbuild options and its metafile inspected.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { type BuildOptions, build } from "esbuild";
import { describe, expect, it } from "vitest";
import {
  ESM_REQUIRE_BANNER,
  EXTERNAL_MODULES,
  PROJECT_ROOT,
} from "../../lib/cdk/baton-function.ts";

const BUDGET_BYTES = 300 * 1024;
/**
 * `PUT /workflows/{name}` and the template routes validate and compile (the whole core, the YAML
 * parser with positions, Ajv for input and parameter schemas): their own Lambda, off the execution
 * path, so the API stays small; measured 586 KB, 659,430 bytes while a default argument bundled
 * every API route into it (main at 4800240), 580,036 bytes once that was fixed (19134f7).
 */
const BUDGETS: Readonly<Record<string, number>> = {
  "publish-workflow.ts": 640 * 1024,
  // The API has no budget of its own (it had 400 KB while it compiled input schemas with Ajv at
  // run time): schemas are precompiled at synth and publish, and the API only loads the code.
};
const FORBIDDEN = /(^|\/)node_modules\/(aws-cdk-lib|constructs|cdk-nag|aws-cdk)\//;
const FUNCTIONS_DIR = join(PROJECT_ROOT, "functions");

/** The options `handlerBundling` gives NodejsFunction, as esbuild API options. */
const DEPLOY_OPTIONS: BuildOptions = {
  bundle: true,
  write: false,
  metafile: true,
  format: "esm",
  platform: "node",
  target: "node22",
  minify: true,
  mainFields: ["module", "main"],
  banner: { js: ESM_REQUIRE_BANNER },
  external: [...EXTERNAL_MODULES],
  outfile: "index.mjs",
  absWorkingDir: PROJECT_ROOT,
  logLevel: "silent",
};

interface BundleReport {
  readonly bytes: number;
  /** Inputs from packages that must never reach a handler. */
  readonly forbidden: readonly string[];
}

async function bundle(entry: BuildOptions): Promise<BundleReport> {
  const result = await build({ ...DEPLOY_OPTIONS, ...entry });
  const output = Object.entries(result.metafile?.outputs ?? {}).find(([path]) =>
    path.endsWith("index.mjs"),
  );
  return {
    bytes: output?.[1].bytes ?? 0,
    forbidden: Object.keys(result.metafile?.inputs ?? {}).filter((path) => FORBIDDEN.test(path)),
  };
}

/** What is wrong with a bundle; empty when it is within budget and CDK-free. */
function budgetProblems(name: string, report: BundleReport, budget = BUDGET_BYTES): string[] {
  const problems: string[] = [];
  if (report.bytes > budget)
    problems.push(`${name} is ${report.bytes} bytes, over its ${budget}-byte budget`);
  if (report.forbidden.length > 0)
    problems.push(`${name} bundles ${report.forbidden.slice(0, 3).join(", ")}`);
  return problems;
}

const handlers = readdirSync(FUNCTIONS_DIR).filter((name) => name.endsWith(".ts"));

describe("handler bundles", () => {
  it("finds the handlers", () => {
    expect(handlers).toEqual(
      expect.arrayContaining([
        "api.ts",
        "await-signal.ts",
        "execution-records.ts",
        "health-check.ts",
        "service-call.ts",
        "start-execution.ts",
      ]),
    );
  });

  for (const name of handlers) {
    const budget = BUDGETS[name] ?? BUDGET_BYTES;
    it(`keeps ${name} under ${budget / 1024} KB and free of aws-cdk-lib`, async () => {
      const report = await bundle({ entryPoints: [join(FUNCTIONS_DIR, name)] });
      expect(budgetProblems(name, report, budget)).toEqual([]);
    });
  }

  // Input schemas are precompiled (core/schema/input-validator-code.ts); the API and the
  // start-execution function load the code with a few Ajv runtime helpers only.
  it.each(["api.ts", "start-execution.ts"])(
    "bundles no JSON Schema compiler in %s",
    async (name) => {
      const result = await build({ ...DEPLOY_OPTIONS, entryPoints: [join(FUNCTIONS_DIR, name)] });
      const inputs = Object.keys(result.metafile?.inputs ?? {});
      const compiler = inputs.filter((path) =>
        /node_modules\/(ajv\/dist\/(core|compile|vocabularies|2020)|fast-uri)/.test(path),
      );
      expect(compiler).toEqual([]);
      expect(inputs.some((path) => path.includes("ajv/dist/runtime/equal"))).toBe(true);
    },
  );

  it("fails when a bundle pulls in CDK code", async () => {
    // Prepare
    const stdin = {
      contents: 'import { Construct } from "constructs"; export const c = Construct;',
      resolveDir: PROJECT_ROOT,
      loader: "ts" as const,
    };
    // Act
    const report = await bundle({ stdin });
    // Assess
    expect(budgetProblems("bad.ts", report)).toEqual([
      `bad.ts bundles ${report.forbidden.slice(0, 3).join(", ")}`,
    ]);
    expect(report.forbidden.length).toBeGreaterThan(0);
  });

  it("fails when a bundle exceeds its budget", () => {
    expect(budgetProblems("big.ts", { bytes: BUDGET_BYTES + 1, forbidden: [] })).toEqual([
      `big.ts is ${BUDGET_BYTES + 1} bytes, over its ${BUDGET_BYTES}-byte budget`,
    ]);
  });
});
