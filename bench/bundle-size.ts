/**
 * Bundle size and cold import time of every Lambda handler (`functions/*.ts`), built the way the
 * stack builds them (esbuild: bundle, minify, ESM, platform node, target node22), twice: with the
 * AWS SDK left external (what `NodejsFunction` does: the Node.js 22 runtime ships SDK v3) and with
 * the SDK bundled. Cold import = a fresh `node` process importing the bundle, timed inside it
 * (median of 5), next to the same measure for an empty module as baseline.
 *
 * Run: `tsx bench/bundle-size.ts` (target: < 300 KB per handler).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const OUT = join(ROOT, "node_modules", ".cache", "baton-bench-bundles");
const TARGET_BYTES = 300 * 1024;
const RUNS = 5;
const BANNER =
  "import { createRequire as __batonCreateRequire } from 'node:module'; const require = __batonCreateRequire(import.meta.url);";

interface Row {
  readonly handler: string;
  readonly externalKb: number | string;
  readonly bundledKb: number | string;
  readonly importExternalMs: number | string;
  readonly importBundledMs: number | string;
}

async function bundle(entry: string, outfile: string, sdkExternal: boolean): Promise<number> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    format: "esm",
    platform: "node",
    target: "node22",
    external: sdkExternal ? ["@aws-sdk/*"] : [],
    banner: { js: BANNER },
    logLevel: "silent",
  });
  return statSync(outfile).size;
}

/** Median ms for a fresh node process to import `file`, measured inside the process. */
function coldImportMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: ROOT,
      env: { ...process.env, AWS_REGION: "us-east-1" },
    });
    samples.push(Number(out.toString()));
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
}

const kb = (bytes: number): number => Math.round((bytes / 1024) * 10) / 10;
const ms = (value: number): number => Math.round(value * 100) / 100;

async function main(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const empty = join(OUT, "empty.mjs");
  writeFileSync(empty, "export {};\n");
  const baseline = coldImportMs(empty);

  const handlers = readdirSync(join(ROOT, "functions"))
    .filter((name) => name.endsWith(".ts"))
    .sort();
  const rows: Row[] = [];
  for (const name of handlers) {
    const handler = name.replace(/\.ts$/, "");
    const entry = join(ROOT, "functions", name);
    const external = join(OUT, `${handler}.external.mjs`);
    const bundled = join(OUT, `${handler}.bundled.mjs`);
    try {
      const externalBytes = await bundle(entry, external, true);
      const bundledBytes = await bundle(entry, bundled, false);
      rows.push({
        handler,
        externalKb: kb(externalBytes),
        bundledKb: kb(bundledBytes),
        importExternalMs: ms(coldImportMs(external)),
        importBundledMs: ms(coldImportMs(bundled)),
      });
    } catch (error) {
      const reason = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
      rows.push({
        handler,
        externalKb: `error: ${reason}`,
        bundledKb: "-",
        importExternalMs: "-",
        importBundledMs: "-",
      });
    }
  }

  console.log(
    `node ${process.version}; cold import baseline (empty module): ${ms(baseline)} ms; target < ${kb(TARGET_BYTES)} KB`,
  );
  console.table(rows);
  const over = rows.filter(
    (row) => typeof row.externalKb === "number" && row.externalKb * 1024 > TARGET_BYTES,
  );
  console.log(
    over.length === 0
      ? "All handlers are under the target with the SDK external (as deployed)."
      : `Over the target with the SDK external: ${over.map((row) => row.handler).join(", ")}`,
  );
  rmSync(OUT, { recursive: true, force: true });
}

await main();
