/**
 * Gives the run its own temporary folder (`TMPDIR`, which `os.tmpdir()` reads and the test
 * workers inherit) and fails the run at teardown if a test left a `baton-*` or `cdk.out*` folder
 * in it. A folder of its own keeps the check exact while other runs share the machine's /tmp.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What tests create: fixture folders (`baton-*`) and CDK cloud assemblies (`cdk.out*`). */
const LEFTOVER = /^(baton-|cdk\.out)/;
/** Set while a run's folder exists: vitest calls this setup for the root and again per project. */
const RUN_DIR = "BATON_TEST_RUN_TMPDIR";

export default function setup(): () => void {
  if (process.env[RUN_DIR] !== undefined) return () => {};
  const previous = process.env.TMPDIR;
  const runDir = mkdtempSync(join(tmpdir(), "vitest-baton-run-"));
  process.env.TMPDIR = runDir;
  process.env[RUN_DIR] = runDir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    delete process.env[RUN_DIR];
    const left = readdirSync(runDir).filter((name) => LEFTOVER.test(name));
    rmSync(runDir, { recursive: true, force: true });
    if (left.length > 0) {
      // Vitest only logs errors thrown at teardown; the exit code is what fails `npm test`.
      process.exitCode = 1;
      throw new Error(
        `tests left ${left.length} temporary folder(s) behind: ${left.sort().join(", ")}. ` +
          "Create them with tempDir() from test/support/tmp.ts (a CDK App: outdir from tempDir) so they are removed.",
      );
    }
  };
}
