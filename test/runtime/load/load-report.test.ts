import { describe, expect, it } from "vitest";
import { loadReport } from "../../../lib/runtime/load/load-report.ts";
import { type LoadCounter, slotOf } from "../../../lib/runtime/load/load-store.ts";
import type { ServiceRecord } from "../../../lib/runtime/registry/registry-model.ts";

const NOW = Date.UTC(2026, 11, 4, 9, 30);
const slot = slotOf(NOW);

function service(
  balancing: ServiceRecord["balancing"],
  instances: readonly { id: string; weight?: number; healthy?: boolean }[],
): ServiceRecord {
  return {
    name: "svc",
    balancing,
    instances: instances.map((i) => ({
      id: i.id,
      url: "http://x",
      weight: i.weight ?? 1,
      healthy: i.healthy ?? true,
    })),
  } as unknown as ServiceRecord;
}

const counter = (instanceId: string, calls: number, more: Partial<LoadCounter> = {}) => ({
  instanceId,
  slot,
  calls,
  inFlight: 0,
  failures: 0,
  ...more,
});

describe("loadReport", () => {
  it("gives each instance its calls, failures, in-flight and share; balanced when shares are close", () => {
    const report = loadReport(
      service("least_outstanding", [{ id: "a" }, { id: "b" }]),
      [counter("a", 55, { failures: 2, inFlight: 3 }), counter("b", 45, { slot: slot - 1 })],
      { now: NOW, windowSeconds: 300, threshold: 0.2 },
    );
    expect(report).toMatchObject({
      calls: 100,
      failures: 2,
      inFlight: 3,
      maxDeviation: 0.1,
      balanced: true,
    });
    expect(report.instances).toStrictEqual([
      {
        id: "a",
        healthy: true,
        weight: 1,
        inFlight: 3,
        calls: 55,
        failures: 2,
        share: 0.55,
        expectedShare: 0.5,
      },
      {
        id: "b",
        healthy: true,
        weight: 1,
        inFlight: 0,
        calls: 45,
        failures: 0,
        share: 0.45,
        expectedShare: 0.5,
      },
    ]);
  });

  it("fails the verdict when a share strays past the threshold", () => {
    const report = loadReport(
      service("round_robin", [{ id: "a" }, { id: "b" }]),
      [counter("a", 80), counter("b", 20)],
      { now: NOW, windowSeconds: 300, threshold: 0.2 },
    );
    expect([report.maxDeviation, report.balanced]).toStrictEqual([0.6, false]);
  });

  it("expects weighted shares under weighted_random and none for unhealthy instances", () => {
    const report = loadReport(
      service("weighted_random", [
        { id: "a", weight: 3 },
        { id: "b", weight: 1 },
        { id: "c", healthy: false },
      ]),
      [counter("a", 75), counter("b", 25), counter("c", 0)],
      { now: NOW, windowSeconds: 300, threshold: 0.05 },
    );
    expect(report.instances.map((i) => i.expectedShare)).toStrictEqual([0.75, 0.25, 0]);
    expect(report.balanced).toBe(true);
  });

  it("counts only the window's calls, but in-flight calls over the whole horizon", () => {
    const report = loadReport(
      service("round_robin", [{ id: "a" }]),
      [counter("a", 9, { slot: slot - 10, inFlight: 1 }), counter("a", 1)],
      { now: NOW, windowSeconds: 60, threshold: 0.2 },
    );
    expect([report.calls, report.inFlight]).toStrictEqual([1, 1]);
  });

  it("calls a window without calls balanced (nothing to judge)", () => {
    const report = loadReport(service("round_robin", [{ id: "a" }, { id: "b" }]), [], {
      now: NOW,
      windowSeconds: 300,
      threshold: 0,
    });
    expect([report.calls, report.balanced, report.instances[0]?.share]).toStrictEqual([0, true, 0]);
  });
});
