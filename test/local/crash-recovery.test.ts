/**
 * `kill -9` of `baton dev` under load, then a restart on the same data dir with no operator action:
 * every execution reaches a final status with its effects netted (bench/fault-matrix/crash.ts runs
 * the child processes, the ledger services and the checker).
 */
import { describe, expect, it } from "vitest";
import { runCrashRecovery } from "../../bench/fault-matrix/crash.ts";

describe("baton dev killed mid-run", () => {
  it("resumes or compensates every execution after a restart: none lost, stuck, leaked, doubled or out of order", async () => {
    // Act
    const result = await runCrashRecovery({ executions: 30, seed: 11 });

    // Assess
    const examples = result.findings.slice(0, 5).map((f) => `${f.kind} ${f.workflow}: ${f.detail}`);
    expect({ totals: result.totals, examples }).toEqual({
      totals: { lost: 0, stuck: 0, leaked: 0, doubled: 0, wrong: 0, order: 0 },
      examples: [],
    });
    expect(result.executions).toEqual(30);
    // The kill came mid-run: some executions had not finished, and a compensation had begun.
    expect(result.finishedBeforeKill).toBeLessThan(30);
    expect(result.undosBeforeKill).toBeGreaterThan(0);
    expect(result.recoveryLog.length).toEqual(1);
  }, 240_000);
});
