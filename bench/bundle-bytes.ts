/**
 * Bytes of handler bundles exactly as `test/cdk/bundle-budget.test.ts` builds them (the deploy's
 * esbuild options), with the share of the JSON Schema packages (Ajv, ajv-formats, fast-uri,
 * fast-deep-equal). A checkout root can be given to measure another tree the same way (the
 * before/after figures of docs/control-plane.md):
 *
 *   npx tsx bench/bundle-bytes.ts [root] [functions/api.ts ...]
 */
import { build } from "esbuild";
import { ESM_REQUIRE_BANNER, EXTERNAL_MODULES, PROJECT_ROOT } from "../lib/cdk/baton-function.ts";

const [root = PROJECT_ROOT, ...given] = process.argv.slice(2);
const entries = given.length > 0 ? given : ["functions/api.ts", "functions/start-execution.ts"];
const SCHEMA_PACKAGES = /node_modules\/(ajv|ajv-formats|fast-uri|fast-deep-equal)\//;

for (const entry of entries) {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: root,
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
    logLevel: "silent",
  });
  const output = Object.entries(result.metafile.outputs).find(([path]) =>
    path.endsWith("index.mjs"),
  )?.[1];
  const schema = Object.entries(output?.inputs ?? {})
    .filter(([path]) => SCHEMA_PACKAGES.test(path))
    .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
  console.log(`${entry}: ${output?.bytes ?? 0} bytes, of which JSON Schema packages ${schema}`);
}
