/**
 * Runs every benchmark in bench/ one after another (each in its own process, so one's warm-up and
 * garbage do not skew the next) and prints their figures. `npm run bench -- compile synth` runs
 * only the benchmarks whose file name contains one of the given words.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f !== "run.ts" && f.endsWith(".ts"))
  .filter((f) => only.length === 0 || only.some((word) => f.includes(word)))
  .sort();

let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file}`);
  const result = spawnSync(process.execPath, ["--import", "tsx", join(here, file)], {
    stdio: "inherit",
  });
  if (result.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
