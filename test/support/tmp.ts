/**
 * Temporary folders for tests. Each folder is removed after the test file that made it has run
 * (one `afterAll` on the file, registered when this module is imported), so a file may create one
 * per test or one in `beforeAll`. The run's global teardown fails if any folder is left behind.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

const made = new Set<string>();

/** A fresh empty folder `<os temp>/<prefix>XXXXXX`, removed after this test file. */
export function tempDir(prefix = "baton-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Removes a folder made by `tempDir` now, instead of after the file. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  made.delete(dir);
}

afterAll(() => {
  for (const dir of made) removeTempDir(dir);
});
