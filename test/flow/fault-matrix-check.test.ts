/** The fault-matrix checker on hand-made ledgers: each defect class is found, and only it. */
import { describe, expect, it } from "vitest";
import { checkExecutions, type RecordView, type Started } from "../../bench/fault-matrix/check.ts";
import { EffectLedger } from "../../bench/fault-matrix/ledger-service.ts";
import { maxRunningPerTenant } from "../../bench/fault-matrix/matrix.ts";
import { MATRIX_WORKFLOWS } from "../../bench/fault-matrix/workflows.ts";

const saga = MATRIX_WORKFLOWS[0] as (typeof MATRIX_WORKFLOWS)[number];

function apply(ledger: EffectLedger, exec: string, step: string, key = `${exec}:${step}`) {
  const effect = {
    exec,
    run: 0,
    step,
    item: -1,
    service: "ledger-a",
    key,
    appliedSeq: ledger.next(),
    undos: [],
    lateAnswers: 0,
  };
  ledger.effects.set(`ledger-a|${key}`, effect);
  return effect;
}

function undo(ledger: EffectLedger, exec: string, step: string, key = `${exec}:${step}:undo`) {
  const effect = [...ledger.effects.values()].find((e) => e.exec === exec && e.step === step);
  const record = {
    service: "ledger-a",
    key,
    seq: ledger.next(),
    named: { exec, run: 0, step, item: -1 },
    forwardKey: effect?.key,
  };
  ledger.undos.push(record);
  effect?.undos.push(record);
}

const record = (status: string, compensation: string, steps: [string, string][]): RecordView => ({
  status,
  compensation,
  steps: steps.map(([id, s]) => ({ id, status: s })),
});

const started = (executionId: string, view: RecordView | undefined): Started => ({
  run: 0,
  executionId,
  workflow: saga,
  record: view,
});

describe("fault-matrix checker", () => {
  it("finds nothing in a compensated saga undone in reverse order", () => {
    // Prepare
    const ledger = new EffectLedger();
    apply(ledger, "e", "s1");
    apply(ledger, "e", "s2");
    undo(ledger, "e", "s2");
    undo(ledger, "e", "s1");
    const view = record("FAILED", "COMPLETED", [
      ["s1", "COMPENSATED"],
      ["s2", "COMPENSATED"],
      ["s3", "FAILED"],
    ]);

    // Act
    const result = checkExecutions([started("e", view)], ledger);

    // Assess
    expect(result.findings).toEqual([]);
  });

  it("counts a leak, the wrong status it implies and an order violation", () => {
    const ledger = new EffectLedger();
    apply(ledger, "e", "s1");
    apply(ledger, "e", "s2");
    apply(ledger, "e", "s3");
    undo(ledger, "e", "s1");
    undo(ledger, "e", "s2");
    const view = record("FAILED", "COMPLETED", [
      ["s1", "COMPENSATED"],
      ["s2", "COMPENSATED"],
      ["s3", "FAILED"],
    ]);

    const result = checkExecutions([started("e", view)], ledger);

    expect(result.totals).toEqual({ lost: 0, stuck: 0, leaked: 1, doubled: 0, wrong: 1, order: 1 });
  });

  it("counts two keys applied for one step and two undo keys for one effect as doubled", () => {
    const ledger = new EffectLedger();
    apply(ledger, "e", "s1", "e:s1");
    apply(ledger, "e", "s1", "e:s1:again");
    undo(ledger, "e", "s1", "e:s1:undo");
    undo(ledger, "e", "s1", "e:s1:undo-again");
    const view = record("FAILED", "FAILED", []);

    const result = checkExecutions([started("e", view)], ledger);

    expect(result.totals.doubled).toBe(2);
  });

  it("counts a SUCCEEDED execution missing an effect as wrong, and missing records as lost or stuck", () => {
    const ledger = new EffectLedger();
    apply(ledger, "ok", "s1");
    apply(ledger, "ok", "s2");
    const view = record("SUCCEEDED", "NONE", [
      ["s1", "SUCCEEDED"],
      ["s2", "SUCCEEDED"],
      ["s3", "SUCCEEDED"],
    ]);

    const result = checkExecutions(
      [
        started("ok", view),
        started("gone", undefined),
        started("busy", record("FAILED", "RUNNING", [])),
      ],
      ledger,
    );

    expect(result.totals).toEqual({ lost: 1, stuck: 1, leaked: 0, doubled: 0, wrong: 1, order: 0 });
    expect(result.findings.find((f) => f.kind === "wrong")?.detail).toContain(
      "SUCCEEDED but s3 has 0 standing effects",
    );
  });
});

describe("maxRunningPerTenant", () => {
  const limited = MATRIX_WORKFLOWS.find((w) => w.name === "fm-limited") as Started["workflow"];
  const run = (n: number, startedAt: string, stoppedAt?: string) => ({
    run: n,
    workflow: limited,
    record: {
      ...record("SUCCEEDED", "NONE", []),
      startedAt,
      ...(stoppedAt === undefined ? {} : { stoppedAt }),
    },
  });
  const t = (ms: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, ms)).toISOString();

  it("counts overlapping runs of one tenant; a start at another's stop does not overlap", () => {
    // runs 3 and 11 are tenant t0, run 7 is t1 (tenantOf)
    expect(maxRunningPerTenant([run(3, t(0), t(10)), run(11, t(10), t(20))])).toBe(1);
    expect(maxRunningPerTenant([run(3, t(0), t(10)), run(11, t(5), t(20))])).toBe(2);
    expect(maxRunningPerTenant([run(3, t(0), t(10)), run(7, t(5), t(20))])).toBe(1);
    // Never stopped: running to the end
    expect(maxRunningPerTenant([run(3, t(0)), run(11, t(100), t(200))])).toBe(2);
  });
});
