/**
 * A small fault matrix (bench/fault-matrix.bench.ts runs 1,000 executions, idle and loaded): 120
 * executions of the saga, fan-out, map and concurrency-limited saga workflows through the whole `baton dev` server against
 * ledger services that honour `Idempotency-Key`, under seeded 503 / 429 / late answers / refused
 * connections. Every defect class of the checker must be zero.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type MatrixResult, runMatrix } from "../../bench/fault-matrix/matrix.ts";
import { LIMIT } from "../../bench/fault-matrix/workflows.ts";

// 30 per workflow: with about 1 in 8 failing, 15 each left a saga run with no failure about one
// time in ten (which faults end a run depends on timing: flapping instances, late answers).
const EXECUTIONS = 120;

describe("fault matrix on baton dev", () => {
  let result: MatrixResult;
  const findings = (kind: string) =>
    result.findings.filter((f) => f.kind === kind).map((f) => `${f.workflow} ${f.detail}`);

  beforeAll(async () => {
    const warn = console.warn;
    console.warn = () => {}; // circuit contention warnings of the handlers
    try {
      result = await runMatrix({ executions: EXECUTIONS, concurrency: 20, seed: 7 });
    } finally {
      console.warn = warn;
    }
  }, 600_000);

  it("exercised every fault and both outcomes", () => {
    expect(result.startFailures).toBe(0);
    expect(result.counters.serverErrors).toBeGreaterThan(0);
    expect(result.counters.tooManyRequests).toBeGreaterThan(0);
    expect(result.counters.lateAnswers).toBeGreaterThan(0);
    expect(result.counters.withoutKey).toBe(0);
    for (const [workflow, tally] of result.perWorkflow) {
      const succeeded = tally.byStatus.SUCCEEDED ?? 0;
      const outcomes = `${workflow}: ${JSON.stringify(tally.byStatus)}`;
      expect(succeeded, outcomes).toBeGreaterThan(0);
      expect(tally.executions - succeeded, outcomes).toBeGreaterThan(0);
    }
  });

  it("loses no execution and leaves none stuck", () => {
    expect(findings("lost")).toEqual([]);
    expect(findings("stuck")).toEqual([]);
  });

  it("applies no effect twice and undoes none twice", () => {
    expect(findings("doubled")).toEqual([]);
  });

  // Issue 13: every terminal status frees its slot, crashes of calls and compensations included.
  it("never runs more than the limit per tenant and leaves no slot held or start queued", () => {
    expect(result.limits.maxRunning).toBeGreaterThan(0);
    expect(result.limits.maxRunning).toBeLessThanOrEqual(LIMIT);
    expect({ held: result.limits.leakedSlots, queued: result.limits.queuedLeft }).toEqual({
      held: 0,
      queued: 0,
    });
  });

  it("undoes in reverse completion order", () => {
    expect(findings("order")).toEqual([]);
  });

  // Steps whose call may have taken effect are compensated (issue 10, item 2), also when later
  // attempts never reached the service.
  it("leaves no effect standing when an execution fails", () => {
    expect(findings("leaked")).toEqual([]);
  });

  // Known (issue 10, item 9, statuses): under load some steps read COMPENSATED although the ledger
  // saw no undo for them; it comes and goes with timing. Every other kind of wrong status fails.
  it("records statuses the services' ledger agrees with, but for the known COMPENSATED case", () => {
    const known = / COMPENSATED but no undo reached the service$/;
    const unexpected = findings("wrong")
      .flatMap((finding) => finding.split("; "))
      .filter((wrong) => !known.test(wrong));
    expect(unexpected).toEqual([]);
  });
});
